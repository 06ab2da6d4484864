"""What every generated Kubernetes object carries, and the object type the modules return.

Modules build whole object bodies as plain data (one jsii hand-over per object later, not one
call per field); metadata is filled in here so labels and the source annotation can never be
forgotten by a module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.targets.labels import SYNC_WAVE, common_labels, owner_annotation


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object: its body (without the common metadata) and the spec path
    that produced it."""

    api_version: str
    kind: str
    name: str
    body: dict[str, Any]
    source: PathKey
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    namespaced: bool = True

    @property
    def file_name(self) -> str:
        """Stable and unique per namespace: `kind-name.yaml`, lower case."""
        return f"{self.kind.lower()}-{self.name}.yaml"


def selector_labels(component: str, name: str) -> dict[str, str]:
    """Labels a workload's pods carry and its Service / PDB / monitors select on."""
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component}


_FOUNDATION = {
    "ServiceAccount", "Role", "RoleBinding", "Secret", "ConfigMap", "ResourceQuota",
    "LimitRange", "NetworkPolicy", "PersistentVolumeClaim",
    # tofu.py: the Terraform apply whose outputs Secret the workloads read.
    "GitRepository", "Terraform",
    # seldon.py: the runtime (scheduler, agent Role) the Servers and Models need.
    "SeldonRuntime",
}  # fmt: skip


def sync_wave(kind: str) -> str:
    """Argo CD order: the Namespace, then what workloads refer to (accounts, RBAC, config,
    quotas, policies, volumes), then the workloads and operator resources themselves."""
    if kind == "Namespace":
        return "-2"
    return "-1" if kind in _FOUNDATION else "0"


def full_object(plan: Plan, manifest: Manifest) -> dict[str, Any]:
    """The complete object as it is written out."""
    metadata: dict[str, Any] = {
        "name": manifest.name,
        "labels": {**common_labels(plan), **manifest.labels},
        "annotations": {
            **manifest.annotations,
            **owner_annotation(plan),
            "mlstack.dev/source": plan.source(manifest.source),
            SYNC_WAVE: sync_wave(manifest.kind),
        },
    }
    if manifest.namespaced:
        metadata["namespace"] = plan.namespace
    return {
        "apiVersion": manifest.api_version,
        "kind": manifest.kind,
        "metadata": metadata,
        **manifest.body,
    }
