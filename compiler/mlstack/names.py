"""Generated names: one place, so the Kubernetes and Terraform targets can never disagree.

Kubernetes object names come from spec names (at most 40 characters, so a suffix still fits
in 63). Cloud identity names must also be unique per account across stacks and environments,
and each cloud has its own limits (GCP service account ids: 6-30 characters), so they carry a
short hash of the full (stack, environment, service account) triple when cut.
"""

from __future__ import annotations

import hashlib

MLFLOW = "mlflow"


def training(model: str) -> str:
    return f"{model}-train"


def training_run(model: str, definition: str) -> str:
    """An unscheduled training job, named after what defines it: a changed image, command,
    resource or output is a new job (one run), an unrelated sync finds the old one finished.
    `{model}-run-` + 6 hex keeps pod names such as `NAME-worker-1023` within 63."""
    return f"{model}-run-{hashlib.sha256(definition.encode()).hexdigest()[:6]}"


def drift(serving: str) -> str:
    return f"{serving}-drift"


def kserve_canary(serving: str) -> str:
    """The canary's InferenceService: never the primary's name, so adding, changing or
    promoting a canary leaves the primary InferenceService in place."""
    return f"{serving}-canary"


def kserve_graph(serving: str) -> str:
    """The InferenceGraph clients call; it exists with or without a canary."""
    return f"{serving}-graph"


def service_account(kind: str, name: str) -> str:
    """ServiceAccount of a workload; the kind prefix keeps kinds apart ("serve-fraud-api")."""
    return MLFLOW if kind == "mlflow" else f"{kind}-{name}"


def _hash(*parts: str, length: int = 6) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _fit(name: str, limit: int, *parts: str) -> str:
    if len(name) <= limit:
        return name
    digest = _hash(*parts)
    return f"{name[: limit - len(digest) - 1].rstrip('-')}-{digest}"


def scoped(stack: str, environment: str, name: str, limit: int = 63) -> str:
    """`STACK-ENV-NAME`, unique in an account or cluster several stacks share; cut with a
    short hash of the full triple past `limit`."""
    return _fit(f"{stack}-{environment}-{name}", limit, stack, environment, name)


def cloud_identity(provider: str, stack: str, environment: str, account: str) -> str:
    """IAM role (aws), service account id (gcp) or user-assigned identity (azure) name."""
    full = f"{stack}-{environment}-{account}"
    if provider == "gcp":
        return _gcp(stack, environment, account)
    if provider == "aws":
        return _fit(f"mlstack-{full}", 64, stack, environment, account)
    return _fit(full, 128, stack, environment, account)


def _gcp(stack: str, environment: str, account: str) -> str:
    """GCP ids are 6-30 chars and per project: always hashed so stacks never collide."""
    digest = _hash(stack, environment, account)
    head = account[: 30 - len(digest) - 1].rstrip("-")
    return f"{head}-{digest}"


POOL_LABEL = "mlstack.dev/pool"
"""Node label every pool carries (Terraform) and every placed workload selects (Kubernetes)."""


def pool_labels(stack: str, environment: str, pool: str) -> dict[str, str]:
    """The labels of a pool's nodes, which placed workloads select on all of: environments
    and stacks sharing a cluster each have their own nodes, so staging never lands on prod."""
    return {POOL_LABEL: pool, "mlstack.dev/stack": stack, "mlstack.dev/environment": environment}


GPU_TAINT = ("nvidia.com/gpu", "present", "NoSchedule")
"""Taint of accelerator pools: only pods that asked for GPUs land there."""
SPOT_TAINT = ("mlstack.dev/spot", "true", "NoSchedule")
"""Taint of spot pools: only workloads placed on the pool by name tolerate eviction."""
AZURE_SPOT_TAINT = ("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule")
"""The taint AKS itself puts on spot pools (declared by Terraform, tolerated by workloads)."""
RESERVED_NODE_PREFIXES = ("mlstack.dev/",)
"""Node label and taint keys under mlstack's own prefix: placement selects and tolerates them."""
RESERVED_NODE_KEYS = (GPU_TAINT[0], AZURE_SPOT_TAINT[0])
"""The other keys mlstack declares on pools (GPU taint, AKS's spot label and taint): a pool
that set them itself would fight the declared ones."""
AZURE_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
"""ServiceAccount annotation naming the managed identity; its value exists only after apply."""
AZURE_CLIENT_IDS = "mlstack-azure-client-ids"
"""The build-time ConfigMap an Azure kustomization reads the client ids from (never applied)."""
AZURE_CLIENT_IDS_FILE = "azure-client-ids.env"
"""Its env file beside kustomization.yaml: `SERVICEACCOUNT=CLIENT_ID` lines, written by the
deploy step after `terraform apply` (`mlstack azure-client-ids`), never by compile."""
