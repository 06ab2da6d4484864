"""The MLflow tracking server of every stack: flags MLflow 2.x understands, the database only
through a Secret reference, the artifact store in the form MLflow reads, probes, identity."""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import pytest

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.targets.kubernetes import mlflow_server
from mlstack.targets.kubernetes.meta import full_object
from tests.helpers import SPECS
from tests.targets.schemas import problems


@cache
def _plans() -> dict[str, Plan]:
    return {f"{p.stack}-{p.environment}": p for path in SPECS for p in check(path).plans}


def _objects(plan: Plan) -> dict[str, dict[str, Any]]:
    return {m.kind: full_object(plan, m) for m in mlflow_server.build(plan)}


def _container(plan: Plan) -> dict[str, Any]:
    pod = _objects(plan)["Deployment"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    return dict(container)


def _flag(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def _without_database(plan: Plan) -> Plan:
    mlflow = plan.spec.tracking.mlflow
    assert mlflow is not None
    tracking = plan.spec.tracking.model_copy(
        update={"mlflow": mlflow.model_copy(update={"database": None})}
    )
    return dataclasses.replace(plan, spec=plan.spec.model_copy(update={"tracking": tracking}))


@pytest.mark.parametrize(
    ("plan_id", "destination"),
    [
        ("fraud-prod", "s3://acme-ml-artifacts/fraud"),
        ("recsys-prod", "gs://acme-recsys-mlflow/artifacts"),
        ("vision-prod", "wasbs://mlflow@acmevisionml.blob.core.windows.net/artifacts"),
        ("edge-default", "s3://edge-mlflow/artifacts"),
    ],
)
def test_server_command_and_artifact_destination(plan_id: str, destination: str) -> None:
    command = _container(_plans()[plan_id])["command"]
    assert command[:2] == ["mlflow", "server"]
    assert _flag(command, "--host") == "0.0.0.0"
    assert _flag(command, "--port") == "5000"
    assert _flag(command, "--backend-store-uri") == "$(MLFLOW_BACKEND_STORE_URI)"
    assert _flag(command, "--artifacts-destination") == destination
    assert "--serve-artifacts" in command


def test_azure_blob_uri_becomes_wasbs() -> None:
    assert (
        mlflow_server.artifacts_destination("azureblob://acct/ctr")
        == "wasbs://ctr@acct.blob.core.windows.net"
    )
    assert (
        mlflow_server.artifacts_destination("azureblob://acct/ctr/a/b")
        == "wasbs://ctr@acct.blob.core.windows.net/a/b"
    )


@pytest.mark.parametrize(
    ("plan_id", "secret", "key"),
    [("fraud-prod", "mlflow-db", "uri"), ("edge-default", "mlflow-postgres", "database-url")],
)
def test_database_uri_only_from_the_secret(plan_id: str, secret: str, key: str) -> None:
    env = {e["name"]: e for e in _container(_plans()[plan_id])["env"]}
    backend = env["MLFLOW_BACKEND_STORE_URI"]
    assert "value" not in backend
    assert backend["valueFrom"] == {"secretKeyRef": {"name": secret, "key": key}}


def test_without_database_sqlite_on_an_emptydir() -> None:
    plan = _without_database(_plans()["fraud-prod"])
    objects = _objects(plan)
    container = _container(plan)
    env = {e["name"]: e for e in container["env"]}
    assert env["MLFLOW_BACKEND_STORE_URI"]["value"] == "sqlite:////mlflow/mlflow.db"
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in objects["Deployment"]["spec"]["template"]["spec"]["volumes"]}
    assert volumes[mounts["/mlflow"]] == {"name": "data", "emptyDir": {}}
    assert objects["Deployment"]["spec"]["replicas"] == 1
    assert objects["Deployment"]["spec"]["strategy"] == {"type": "Recreate"}
    assert problems(objects["Deployment"], "1.33") == []


def test_probes_service_and_identity() -> None:
    plan = _plans()["vision-prod"]
    objects = _objects(plan)
    deployment, service = objects["Deployment"], objects["Service"]
    template = deployment["spec"]["template"]
    container = _container(plan)
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 5000, "protocol": "TCP"}]
    assert service["metadata"]["name"] == "mlflow"
    assert service["spec"]["ports"][0]["port"] == 5000
    assert service["spec"]["selector"].items() <= template["metadata"]["labels"].items()
    assert deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    assert deployment["metadata"]["labels"]["app.kubernetes.io/component"] == "tracking"
    assert (
        template["spec"]["serviceAccountName"] == plan.workload("mlflow", "mlflow").service_account
    )
    assert template["metadata"]["labels"]["azure.workload.identity/use"] == "true"


def test_secure_pod_with_writable_tmp() -> None:
    plan = _plans()["fraud-prod"]
    pod = _objects(plan)["Deployment"]["spec"]["template"]["spec"]
    container = _container(plan)
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert container["resources"]["requests"] == container["resources"]["limits"]


def test_storage_secret_only_without_a_cloud() -> None:
    assert _container(_plans()["edge-default"])["envFrom"] == [
        {"secretRef": {"name": "minio-credentials"}}
    ]
    assert "envFrom" not in _container(_plans()["fraud-prod"])


def test_no_server_when_not_deployed() -> None:
    plan = _plans()["fraud-prod"]
    mlflow = plan.spec.tracking.mlflow
    assert mlflow is not None
    external = mlflow.model_copy(update={"deploy": False, "uri": "https://mlflow.example.com"})
    tracking = plan.spec.tracking.model_copy(update={"mlflow": external})
    plan = dataclasses.replace(plan, spec=plan.spec.model_copy(update={"tracking": tracking}))
    assert mlflow_server.build(plan) == []
