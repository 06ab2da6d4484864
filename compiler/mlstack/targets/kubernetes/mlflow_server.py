"""tracking.mlflow.deploy -> the MLflow tracking server: a Deployment + Service named `mlflow`.

The server runs in proxied-artifact mode (`--serve-artifacts` with `--artifacts-destination`),
so training jobs and notebooks only need MLFLOW_TRACKING_URI: the server alone reads and writes
the artifact store, under its own ServiceAccount (the `mlflow` workload's cloud identity).
The database URI is a credential, so it only ever reaches the pod through a secretKeyRef and
the shell-free `$(VAR)` expansion of the command line; it never appears in the manifest.
"""

from __future__ import annotations

from typing import Any

from mlstack import names
from mlstack.plan import Plan
from mlstack.spec.base import Resources
from mlstack.spec.tracking import MLflow
from mlstack.spec.uris import azure_blob
from mlstack.targets.kubernetes import identity, pods
from mlstack.targets.kubernetes.meta import Manifest, selector_labels
from mlstack.targets.kubernetes.tracking import MLFLOW_PORT

COMPONENT = "tracking"
DATABASE_KEY = "uri"
"""Key of the database Secret when the spec names only the Secret (`database: {secret}`)."""
BACKEND_ENV = "MLFLOW_BACKEND_STORE_URI"
SQLITE_DIR = "/mlflow"
SQLITE_URI = f"sqlite:///{SQLITE_DIR}/mlflow.db"
HEALTH_PATH = "/health"
"""MLflow's own liveness endpoint (mlflow/server/__init__.py: `@app.route("/health")`)."""


def artifacts_destination(uri: str) -> str:
    """The artifact store as MLflow names it: s3:// and gs:// as written; Azure Blob only as
    `wasbs://CONTAINER@ACCOUNT.blob.core.windows.net/PATH` (AzureBlobArtifactRepository
    rejects anything else), authenticated by DefaultAzureCredential, i.e. workload identity."""
    parts = azure_blob(uri)
    if parts is None:
        return uri
    account, container, path = parts
    return f"wasbs://{container}@{account}.blob.core.windows.net{path}"


def _backend_env(mlflow: MLflow) -> dict[str, Any]:
    if mlflow.database is None:
        # No database given: a SQLite file on an emptyDir. For demos only: runs, metrics and
        # the model registry are lost whenever the pod is replaced, and it cannot scale out.
        return {"name": BACKEND_ENV, "value": SQLITE_URI}
    secret, key = mlflow.database.resolved(DATABASE_KEY)
    return {"name": BACKEND_ENV, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def _probe(period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": HEALTH_PATH, "port": "http"},
        "periodSeconds": period,
        "timeoutSeconds": 5,
        "failureThreshold": failures,
    }


def _container(plan: Plan, mlflow: MLflow, artifacts: str) -> dict[str, Any]:
    command = [
        "mlflow", "server",
        "--host", "0.0.0.0",
        "--port", str(MLFLOW_PORT),
        "--backend-store-uri", f"$({BACKEND_ENV})",
        "--artifacts-destination", artifacts_destination(artifacts),
        "--serve-artifacts",
    ]  # fmt: skip
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    if mlflow.database is None:
        mounts.append({"name": "data", "mountPath": SQLITE_DIR})
    container: dict[str, Any] = {
        "name": "mlflow",
        "image": mlflow.image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        # The image has no user of our uid; a writable HOME keeps libraries that cache
        # under ~ (credential helpers, matplotlib) off the read-only root filesystem.
        "env": [_backend_env(mlflow), {"name": "HOME", "value": "/tmp"}],
        "ports": [{"name": "http", "containerPort": MLFLOW_PORT, "protocol": "TCP"}],
        # Schema migrations run before the server listens: give startup five minutes.
        "startupProbe": _probe(period=10, failures=30),
        "readinessProbe": _probe(period=10, failures=3),
        "livenessProbe": _probe(period=20, failures=6),
        "resources": pods.resources(Resources()),
        "securityContext": pods.container_security(),
        "volumeMounts": mounts,
    }
    return pods.with_storage(plan, container)


def build(plan: Plan) -> list[Manifest]:
    mlflow = plan.spec.tracking.mlflow
    if mlflow is None or not mlflow.deploy:
        return []
    assert mlflow.artifacts is not None  # the spec requires it when deploy is true
    workload = plan.workload("mlflow", names.MLFLOW)
    selector = selector_labels(COMPONENT, names.MLFLOW)
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {}}]
    if mlflow.database is None:
        volumes.append({"name": "data", "emptyDir": {}})
    pod_spec: dict[str, Any] = {
        "serviceAccountName": workload.service_account,
        "automountServiceAccountToken": False,
        "securityContext": pods.pod_security(),
        "containers": [_container(plan, mlflow, mlflow.artifacts)],
        "volumes": volumes,
    }
    deployment = {
        "spec": {
            "replicas": 1,
            # SQLite cannot be shared by two pods, and two server versions should not
            # migrate one database at once: replace, never overlap.
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": {**selector, **identity.pod_labels(plan, workload)}},
                "spec": pod_spec,
            },
        }
    }
    service = {
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [
                {"name": "http", "port": MLFLOW_PORT, "targetPort": "http", "protocol": "TCP"}
            ],
        }
    }
    source = ("tracking", "mlflow")
    return [
        Manifest("apps/v1", "Deployment", names.MLFLOW, deployment, source, labels=selector),
        Manifest("v1", "Service", names.MLFLOW, service, source, labels=selector),
    ]
