"""On a stack without a cloud, `platform.kubernetes.storageSecret` and `storageEndpoint` reach
every workload that reads s3:// the way its client expects, by reference: KServe's storage
initializer through the Secrets its ServiceAccount lists, the downloaders, the MLflow server
and the drift job through `envFrom` and the endpoint variables."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.targets.kubernetes import drift, identity, kserve, mlflow_server, plain
from mlstack.targets.kubernetes.meta import full_object
from tests.helpers import ROOT, check_text

EDGE = ROOT / "specs" / "edge-onprem" / "mlstack.yaml"
ENDPOINT = "https://minio.storage.svc:9000"
SECRET = "minio-credentials"


@cache
def _edge() -> Plan:
    (plan,) = check(EDGE).plans
    return plan


def _objects(*builders: Any) -> dict[tuple[str, str], dict[str, Any]]:
    plan = _edge()
    return {(m.kind, m.name): full_object(plan, m) for b in builders for m in b.build(plan)}


def _reads_minio(container: dict[str, Any]) -> None:
    assert container["envFrom"] == [{"secretRef": {"name": SECRET}}]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["AWS_ENDPOINT_URL"] == ENDPOINT
    assert env["MLFLOW_S3_ENDPOINT_URL"] == ENDPOINT


def test_the_edge_spec_names_its_minio() -> None:
    kubernetes = _edge().spec.platform.kubernetes
    assert (kubernetes.storage_secret, kubernetes.storage_endpoint) == (SECRET, ENDPOINT)


def test_kserve_pods_get_the_secret_through_their_service_account() -> None:
    """KServe builds the storage initializer's AWS_* variables (secretKeyRef) from the Secrets
    the predictor's ServiceAccount lists."""
    objects = _objects(kserve, identity)
    account = objects[("InferenceService", "defect-api")]["spec"]["predictor"]["serviceAccountName"]
    assert objects[("ServiceAccount", account)]["secrets"] == [{"name": SECRET}]
    others = [
        name
        for (kind, name), obj in objects.items()
        if kind == "ServiceAccount" and name != account and "secrets" in obj
    ]
    assert others == [], "only KServe reads credentials through its ServiceAccount"


def test_the_plain_runtime_downloaders_read_the_endpoint() -> None:
    """forecast-api loads models:/ (the registry's artifacts on MinIO) with the MLflow client."""
    template = _objects(plain)[("Deployment", "forecast-api")]["spec"]["template"]["spec"]
    (download,) = template["initContainers"]
    _reads_minio(download)


def test_the_mlflow_server_reads_the_endpoint() -> None:
    pod = _objects(mlflow_server)[("Deployment", "mlflow")]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    _reads_minio(container)


def test_the_drift_job_reads_the_endpoint() -> None:
    cronjob = _objects(drift)[("CronJob", "forecast-api-drift")]
    (container,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    _reads_minio(container)


def test_no_manifest_copies_a_credential() -> None:
    """The Secret is only ever named: no object carries a key value of it."""
    for obj in _objects(kserve, identity, plain, mlflow_server, drift).values():
        text = repr(obj)
        assert "AWS_SECRET_ACCESS_KEY" not in text and "awsSecretAccessKey" not in text


CLOUD_LESS = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {{name: demo}}
platform:
  kubernetes:
    storageSecret: minio
    storageEndpoint: {endpoint}
{cloud}"""


@pytest.mark.parametrize(
    "endpoint",
    ["minio.storage.svc:9000", "s3://minio:9000", "https://", "https://ops@minio:9000",
     "https://minio:9000/?region=x"],
)  # fmt: skip
def test_an_endpoint_is_an_http_url_without_credentials(tmp_path: Path, endpoint: str) -> None:
    checked = check_text(tmp_path, CLOUD_LESS.format(endpoint=endpoint, cloud=""))
    assert [d.code for d in checked.diagnostics] == ["E0119"]
    assert "ops@" not in checked.diagnostics[0].message


def test_an_endpoint_on_a_stack_with_a_cloud_is_an_error(tmp_path: Path) -> None:
    cloud = '  cloud: {provider: aws, region: us-east-1, account: "210987654321"}\n'
    checked = check_text(tmp_path, CLOUD_LESS.format(endpoint=ENDPOINT, cloud=cloud))
    assert [(d.code, d.is_error) for d in checked.diagnostics] == [("E0409", True)]
