"""Pod-level building blocks every workload module shares: secure defaults, resources and
placement on a pool, so no module can forget one of them."""

from __future__ import annotations

from typing import Any

from mlstack import names
from mlstack.plan import Plan
from mlstack.spec.base import Resources
from mlstack.spec.compute import node_taints
from mlstack.spec.serving import InClusterServing

DEFAULT_CPU = "500m"
DEFAULT_MEMORY = "1Gi"
NONROOT_UID = 1000
SELDON_AGENT = Resources(cpu="200m", memory="1Gi")
"""Seldon's agent sidecar on every Server pod (seldon-core-v2-setup values, v2.10.2)."""
SELDON_RCLONE = Resources(cpu="50m", memory="256Mi")
"""Seldon's rclone sidecar: its request cpu and its memory limit (same values file)."""
KSERVE_ROUTER = Resources(cpu="250m", memory="256Mi")
"""Requests = limits of each KServe InferenceGraph router pod (a Go reverse proxy; KServe's
own default requests are 100m / 100Mi)."""


def resources(spec: Resources) -> dict[str, Any]:
    """Requests equal limits (Guaranteed QoS): what is scheduled is what runs."""
    values: dict[str, Any] = {
        "cpu": spec.cpu or DEFAULT_CPU,
        "memory": spec.memory or DEFAULT_MEMORY,
    }
    if spec.gpu:
        values["nvidia.com/gpu"] = str(spec.gpu)
    return {"requests": dict(values), "limits": dict(values)}


def container_security(*, read_only_root: bool = True) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": read_only_root,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security(uid: int = NONROOT_UID) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def placement(plan: Plan, pool_name: str | None) -> dict[str, Any]:
    """nodeSelector and tolerations for a workload placed on `pool_name` (none: no fields)."""
    if pool_name is None:
        return {}
    cloud = plan.spec.platform.cloud
    tolerations = [
        {"key": key, "operator": "Equal", "value": value, "effect": effect}
        for key, value, effect in node_taints(
            plan.spec.compute[pool_name], cloud.provider if cloud else None
        )
    ]
    out: dict[str, Any] = {
        "nodeSelector": names.pool_labels(plan.stack, plan.environment, pool_name)
    }
    if tolerations:
        out["tolerations"] = tolerations
    return out


def serving_placement(plan: Plan, serving: InClusterServing) -> dict[str, Any]:
    """The pool's placement, then the serving's own tolerations and priority class."""
    out = placement(plan, serving.pool)
    extra = [t.model_dump(by_alias=True, exclude_none=True) for t in serving.tolerations]
    if extra:
        out["tolerations"] = [*out.get("tolerations", []), *extra]
    if serving.priority_class_name is not None:
        out["priorityClassName"] = serving.priority_class_name
    return out


def serving_env(serving: InClusterServing) -> list[dict[str, Any]]:
    """The spec's `env`, in its order, as container env entries (after mlstack's own: a
    later entry of the same name is the one Kubernetes uses)."""
    return [
        {"name": name, "value": value}
        if isinstance(value, str)
        else {"name": name, "valueFrom": value.model_dump(by_alias=True)}
        for name, value in serving.env.items()
    ]


STORAGE_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
"""The storage Secret's keys the workloads read (docs/kubernetes.md), for APIs that take
variables one by one and have no `envFrom` (Kubeflow Trainer's TrainJob)."""


def storage_env_from(plan: Plan) -> list[dict[str, Any]]:
    """Without a cloud there is no workload identity: the storage Secret's keys (for MinIO:
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) become environment variables, which is where
    boto3, gcsfs, the Azure SDKs and the CLIs look for them."""
    secret = plan.spec.platform.kubernetes.storage_secret
    if plan.spec.platform.cloud is not None or secret is None:
        return []
    return [{"secretRef": {"name": secret}}]


ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "MLFLOW_S3_ENDPOINT_URL")
"""Where the S3 clients read an S3-compatible endpoint: the AWS CLI (>= 2.13) and boto3
(>= 1.28) read AWS_ENDPOINT_URL, MLflow's S3 artifact repository MLFLOW_S3_ENDPOINT_URL."""


def with_storage(plan: Plan, container: dict[str, Any]) -> dict[str, Any]:
    """The container with the cloud-less stack's storage access: the Secret's keys by
    reference (`envFrom`) and `platform.kubernetes.storageEndpoint` as the endpoint variables
    (resolve rejects an endpoint on a stack with a cloud). Unchanged on a stack with a cloud."""
    env_from = storage_env_from(plan)
    if not env_from:
        return container
    out = {**container, "envFrom": env_from}
    endpoint = plan.spec.platform.kubernetes.storage_endpoint
    if endpoint is not None:
        out["env"] = [
            *container.get("env", []),
            *({"name": name, "value": endpoint} for name in ENDPOINT_VARIABLES),
        ]
    return out
