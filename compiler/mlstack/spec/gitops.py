"""`gitops`: the deploy repository and the Argo CD Application that syncs it."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from mlstack.spec.base import SpecModel
from mlstack.spec.pods import Annotations, Labels
from mlstack.spec.types import Name

IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
"""Argo CD's name for the cluster it runs in."""


class Destination(SpecModel):
    """The cluster an environment deploys to: Argo CD's `server` URL or its cluster `name`."""

    server: Annotated[str, Field(pattern=r"^https://[^\s@/]+(:[0-9]+)?(/\S*)?$")] | None = None
    """API server URL of a cluster registered in Argo CD."""
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")] | None = None
    """Name of a cluster registered in Argo CD."""

    @model_validator(mode="after")
    def _one(self) -> Destination:
        if (self.server is None) == (self.name is None):
            raise PydanticCustomError(
                "E0114",
                "a destination is exactly one of 'server' or 'name'",
                {"hint": f"for example destination: {{server: {IN_CLUSTER_SERVER}}}"},
            )
        return self

    def key(self) -> str:
        """What identifies the cluster for the isolation check (resolve/isolation.py)."""
        return f"server={self.server}" if self.server else f"name={self.name}"


class IgnoreDifference(SpecModel):
    """Argo CD's `ignoreDifferences` entry (ResourceIgnoreDifferences): fields of the
    selected objects that Argo CD does not compare, because something in the cluster owns
    them (a webhook, an autoscaler, another controller)."""

    group: str = ""
    """API group of the objects ("" for core kinds)."""
    kind: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9]*$")]
    """Kind of the objects."""
    name: str | None = None
    """Only the object of this name."""
    namespace: str | None = None
    """Only objects in this namespace."""
    json_pointers: list[str] = []
    """RFC 6901 pointers of the ignored fields, e.g. /spec/replicas."""
    jq_path_expressions: list[str] = []
    """jq paths of the ignored fields, e.g. .spec.template.metadata.annotations."""
    managed_fields_managers: list[str] = []
    """Ignore every field these field managers own (server-side apply)."""

    @model_validator(mode="after")
    def _ignores_something(self) -> IgnoreDifference:
        if not (self.json_pointers or self.jq_path_expressions or self.managed_fields_managers):
            raise PydanticCustomError(
                "E0135",
                "an ignoreDifferences entry for {kind} names no field to ignore",
                {
                    "kind": self.kind,
                    "hint": "add jsonPointers (e.g. [/spec/replicas]), jqPathExpressions or "
                    "managedFieldsManagers",
                },
            )
        return self


class ArgoCD(SpecModel):
    """The Argo CD Application per environment."""

    project: Name = "default"
    """Argo CD project."""
    namespace: Name = "argocd"
    """Namespace Argo CD runs in (where the Application is created)."""
    auto_sync: bool = True
    """Sync automatically on every commit to the deploy repo."""
    prune: bool = False
    """Delete objects that disappeared from the deploy repo."""
    self_heal: bool = False
    """Revert changes made in the cluster by hand."""
    destination: Destination = Destination(server=IN_CLUSTER_SERVER)
    """Cluster the environment deploys to: {server: URL} or {name: CLUSTER}; default the
    cluster Argo CD runs in. Environments in different clusters may share a namespace."""
    ignore_differences: list[IgnoreDifference] = []
    """Fields Argo CD does not compare (after the ones mlstack ignores itself), in Argo CD's
    own terms: `[{group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}]`."""
    labels: Labels = {}
    """Extra labels on the Application (after mlstack's own)."""
    annotations: Annotations = {}
    """Extra annotations on the Application, e.g. Argo CD notification subscriptions:
    `notifications.argoproj.io/subscribe.on-sync-failed.slack: ml-alerts`."""


PATH_PATTERN = r"^(?!(.*/)?(\.\.?|\.[gG][iI][tT])(/|$))[\w.-]+(/[\w.-]+)*$"
"""The JSON Schema's form of the rule below, for editors."""


def _inside_repository(value: str) -> str:
    """`path` is replaced whole by publish, so it must be a folder of its own inside the
    deploy repository: never its root (that would delete `.git`), never `.git` itself, never outside it."""
    if not re.fullmatch(PATH_PATTERN, value):
        raise PydanticCustomError(
            "E0117",
            "must be a folder inside the deploy repository",
            {
                "hint": "a relative path without '.' or '..' segments, e.g. stacks/fraud "
                "(publish replaces that folder)"
            },
        )
    return value


class TerraformApply(SpecModel):
    """Who applies each environment's `terraform/`, and so how its outputs reach the cluster."""

    apply: Literal["ci", "controller", "none"] = "ci"
    """ci: the shipped workflow plans on pull requests and applies on merge, before the
    Kubernetes side is published with the outputs (Azure client ids); controller: Flux's
    tofu-controller in the cluster applies it and writes the outputs to a Secret; none:
    applied outside mlstack, compile lists the outputs the cluster needs."""


class GitOps(SpecModel):
    """Where compiled output is published and how Argo CD picks it up."""

    repo: Annotated[
        str, Field(pattern=r"^(https://[^\s@]+|ssh://\S+|git@[\w.-]+:\S+|file://\S+|/\S+)$")
    ]
    """Deploy repository: https://, ssh://, git@host:path, or a local path."""
    branch: Annotated[str, Field(pattern=r"^[\w./-]+$")] = "main"
    """Branch Argo CD follows and publish pushes to."""
    path: (
        Annotated[
            str,
            AfterValidator(_inside_repository),
            Field(json_schema_extra={"pattern": PATH_PATTERN}),
        ]
        | None
    ) = None
    """Folder of this stack in the deploy repo, relative to its root (no '..'); default:
    stacks/NAME. Each environment goes to PATH/ENV/."""
    argocd: ArgoCD = ArgoCD()
    """Argo CD Application settings."""
    terraform: TerraformApply = TerraformApply()
    """How the environment's Terraform is applied."""
