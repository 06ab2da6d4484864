"""How a model artifact gets into a plain-runtime pod: an initContainer per URI scheme that
copies `models.M.uri` into an emptyDir the server then mounts read-only at /mnt/models, or,
for `pvc://CLAIM/PATH`, the claim itself mounted read-only (nothing to copy).

Downloader images (pinned; each chosen because it authenticates with the pod's workload
identity out of the box, so no key ever reaches the pod on a stack with a cloud):

- `s3://`  amazon/aws-cli (AWS's image): `aws s3 cp --recursive`. IRSA or EKS Pod Identity
  through the variables EKS injects; an S3-compatible store (MinIO) through AWS_ENDPOINT_URL.
- `gs://`  google-cloud-cli `-slim` (Google's image): `gcloud storage rsync --recursive`,
  GKE Workload Identity through the metadata server.
- `azureblob://` and `hf://`  kserve/storage-initializer: KServe's own downloader, so a
  model fetched by a plain runtime and by KServe lands identically. Azure blobs through
  `DefaultAzureCredential` (Azure Workload Identity's AZURE_CLIENT_ID / token file),
  addressed by the blob endpoint URL; Hugging Face through `huggingface_hub.snapshot_download`
  (`hf://ORG/NAME:REVISION`, its spelling of our `@REVISION`). There is no official
  huggingface-cli image; this one runs the same library the CLI wraps.
- `models:/`  ghcr.io/mlflow/mlflow `-full` (MLflow's image with the S3/GCS/Azure clients):
  `mlflow artifacts download` against MLFLOW_TRACKING_URI, reading the registry's artifact
  location with the serving's grant on it.

On a stack without a cloud, `platform.kubernetes.storageSecret` is handed to the downloader
as environment (`envFrom`): its keys are the variables the tool reads (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AZURE_STORAGE_ACCESS_KEY, ...), and `storageEndpoint` (MinIO) becomes
AWS_ENDPOINT_URL and MLFLOW_S3_ENDPOINT_URL (pods.with_storage). The downloader runs with the server's cpu/memory (an init
container's requests overlap the server's, so this costs no extra quota) and never a GPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlstack.plan import Plan
from mlstack.spec.base import Resources
from mlstack.spec.platform import AwsCloud
from mlstack.spec.uris import parse
from mlstack.targets.kubernetes import pods
from mlstack.targets.kubernetes.storage import storage_uri
from mlstack.targets.kubernetes.tracking import tracking_uri

MODEL_DIR = "/mnt/models"
MODEL_VOLUME = "model"
TMP_VOLUME = "tmp"

AWS_CLI = "amazon/aws-cli:2.32.8"
GCLOUD = "gcr.io/google.com/cloudsdktool/google-cloud-cli:562.0.0-slim"
KSERVE_INITIALIZER = "kserve/storage-initializer:v0.15.2"
MLFLOW = "ghcr.io/mlflow/mlflow:v3.10.1-full"

IMAGES = {
    "s3": AWS_CLI,
    "gs": GCLOUD,
    "azureblob": KSERVE_INITIALIZER,
    "hf": KSERVE_INITIALIZER,
    "models": MLFLOW,
}
"""Downloader image per URI scheme (pvc needs none)."""


@dataclass(frozen=True)
class ModelSource:
    """What a pod needs so that its server finds the model under MODEL_DIR."""

    init_containers: list[dict[str, Any]]
    volumes: list[dict[str, Any]]
    mount: dict[str, Any]
    """The server container's (read-only) mount of the model."""


def _command(plan: Plan, uri: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Downloader arguments and environment for one URI (HOME=/tmp: the root is read-only)."""
    location = parse(uri)
    env: list[dict[str, Any]] = [{"name": "HOME", "value": "/tmp"}]
    if location.scheme == "s3":
        cloud = plan.spec.platform.cloud
        if isinstance(cloud, AwsCloud):
            env.append({"name": "AWS_REGION", "value": cloud.region})
        return ["aws", "s3", "cp", "--recursive", "--only-show-errors", uri, MODEL_DIR], env
    if location.scheme == "gs":
        env.append({"name": "CLOUDSDK_CONFIG", "value": "/tmp/gcloud"})
        return ["gcloud", "storage", "rsync", "--recursive", uri, MODEL_DIR], env
    if location.scheme == "azureblob":
        return [storage_uri(uri), MODEL_DIR], env
    if location.scheme == "hf":
        env.append({"name": "HF_HOME", "value": "/tmp/huggingface"})
        name = f"hf://{location.bucket}/{location.prefix}"
        revision = uri.partition("@")[2]
        return [f"{name}:{revision}" if revision else name, MODEL_DIR], env
    # models:/NAME/VERSION: resolve rejects it without tracking.mlflow.
    env.append({"name": "MLFLOW_TRACKING_URI", "value": tracking_uri(plan) or ""})
    command = ["mlflow", "artifacts", "download", "--artifact-uri", uri, "--dst-path", MODEL_DIR]
    return command, env


def model_source(plan: Plan, uri: str, resources: Resources) -> ModelSource:
    location = parse(uri)
    if location.scheme == "pvc":
        mount: dict[str, Any] = {"name": MODEL_VOLUME, "mountPath": MODEL_DIR, "readOnly": True}
        if location.prefix:
            mount["subPath"] = location.prefix
        claim = {"claimName": location.bucket, "readOnly": True}
        return ModelSource([], [{"name": MODEL_VOLUME, "persistentVolumeClaim": claim}], mount)
    args, env = _command(plan, uri)
    container: dict[str, Any] = {
        "name": "model-download",
        "image": IMAGES[location.scheme],
        "env": env,
        "resources": pods.resources(resources.model_copy(update={"gpu": 0})),
        "securityContext": pods.container_security(),
        "volumeMounts": [
            {"name": MODEL_VOLUME, "mountPath": MODEL_DIR},
            {"name": TMP_VOLUME, "mountPath": "/tmp"},
        ],
    }
    # The storage initializer has its own ENTRYPOINT taking (uri, dest); the CLIs get theirs.
    container["args" if IMAGES[location.scheme] == KSERVE_INITIALIZER else "command"] = args
    if location.scheme != "hf":
        container = pods.with_storage(plan, container)
    return ModelSource(
        [container],
        [{"name": MODEL_VOLUME, "emptyDir": {}}],
        {"name": MODEL_VOLUME, "mountPath": MODEL_DIR, "readOnly": True},
    )
