"""Stage 3 output: a frozen `Plan` per environment, all a target needs and nothing to re-check.

Targets read the merged, defaulted spec (disabled things already removed) plus what resolve
computed once for both of them: the namespace, generated names, which workload gets which
cloud grant under which identity name, and the span of every spec path for
`mlstack.dev/source` annotations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from mlstack.diagnostics import Span
from mlstack.load import PathKey
from mlstack.spec import Stack
from mlstack.spec.uris import CLOUD_SCHEMES, Location, parse, runs_beside

WorkloadKind = Literal["train", "pipeline", "notebook", "serve", "drift", "mlflow"]


@dataclass(frozen=True)
class Grant:
    """Access to one bucket prefix: `bucket` is `ACCOUNT/CONTAINER` on azure."""

    scheme: str
    bucket: str
    prefix: str
    write: bool


def storage_grants(spec: Stack, uri: str | None, *, write: bool) -> list[Grant]:
    """The grant reading (or writing) a URI needs; models:/ URIs are read from the MLflow
    artifact store. Resolve uses it for workloads, the Terraform target for cloud servings."""
    if uri is None:
        return []
    location = parse(uri)
    if location.scheme == "models":
        mlflow = spec.tracking.mlflow
        return storage_grants(spec, mlflow.artifacts if mlflow else None, write=False)
    if location.scheme not in CLOUD_SCHEMES:
        return []
    return [Grant(location.scheme, location.bucket, location.prefix, write)]


def json_pointer(path: PathKey) -> str:
    """RFC 6901: `/`-separated segments with `~` and `/` escaped; the root is empty."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def created_bucket(spec: Stack) -> Location | None:
    """The artifact location of a deployed MLflow server when mlstack creates (and so owns)
    its bucket: on the stack's own cloud, unless `createBucket: false`. Resolve refuses it
    when the bucket holds what the stack serves (resolve/isolation.py); the Terraform target
    creates it."""
    cloud = spec.platform.cloud
    mlflow = spec.tracking.mlflow
    if cloud is None or mlflow is None or not mlflow.deploy or not mlflow.create_bucket:
        return None
    location = parse(mlflow.artifacts) if mlflow.artifacts else None
    if location is None or CLOUD_SCHEMES.get(location.scheme) != cloud.provider:
        return None
    return location


def training_output(spec: Stack, model: str) -> str | None:
    """Where the training of `model` writes: its `training.output`, else a runs/ prefix
    beside the model's uri. The one place both resolve (grants, checks) and the targets
    (job definitions) read it from."""
    entry = spec.models[model]
    if entry.training is not None and entry.training.output is not None:
        return entry.training.output
    return runs_beside(entry.uri)


@dataclass(frozen=True)
class Workload:
    """Something that runs as pods under its own ServiceAccount."""

    kind: WorkloadKind
    name: str
    service_account: str
    grants: tuple[Grant, ...]
    identity: str | None
    """Cloud identity name (IAM role / GCP service account id / managed identity), or None
    when the workload reads no cloud storage or the stack has no cloud."""
    source: PathKey


@dataclass(frozen=True)
class CloudRole:
    """An identity a cloud service runs something of the stack under: a managed endpoint or
    function (`kind` = its runtime), a managed training or pipeline (`pipeline`) and the
    scheduler that starts one (`schedule`), Vertex AI training and its scheduler
    (`vertex-train`, `vertex-schedule`). Decided here, like a Workload, so the Terraform
    target only renders it."""

    kind: str
    name: str
    identity: str | None
    """The role / service account name; None where the cloud assigns the identity."""
    grants: tuple[Grant, ...]
    """Storage it reads (servings); training roles get theirs from their job definitions."""
    source: PathKey
    pulls: str | None = None
    """The Azure Container Registry it pulls the serving's own image from (mlstack.acr), so
    it holds AcrPull there; None: a prebuilt image or one pulled without an identity."""


@dataclass(frozen=True)
class Plan:
    stack: str
    environment: str
    file: str
    spec: Stack
    namespace: str
    workloads: tuple[Workload, ...]
    labels: Mapping[str, str]
    spans: Mapping[PathKey, Span] = field(repr=False)
    source_file: str = ""
    """The spec's path from its repository root (load.repository_path)."""
    cloud_roles: tuple[CloudRole, ...] = ()
    """Identities of what the cloud runs (resolve/identity.py `cloud_roles`)."""
    addons: tuple[str, ...] = ()
    """The cluster add-ons this environment installs (`gitops.addons`, resolve/addons.py)."""

    def span(self, path: PathKey) -> Span:
        """Where the value behind `path` (or its nearest ancestor) was written."""
        for cut in range(len(path), -1, -1):
            found = self.spans.get(path[:cut])
            if found is not None:
                return found
        return Span(self.file, 1, 1)

    def source(self, path: PathKey) -> str:
        """`FILE#POINTER` of the spec entry behind `path` (its nearest written ancestor):
        no line number and no working folder, so an edit elsewhere in the file or a compile
        from another folder changes no object (`mlstack explain` maps it back to a line)."""
        cut = next((c for c in range(len(path), 0, -1) if path[:c] in self.spans), 0)
        return f"{self.source_file}#{json_pointer(path[:cut])}"

    @property
    def terraform_apply(self) -> str:
        """Who applies the environment's `terraform/` (`gitops.terraform.apply`), which
        decides how its outputs reach the cluster; ci without `gitops`."""
        return self.spec.gitops.terraform.apply if self.spec.gitops else "ci"

    @cached_property
    def _workload_index(self) -> dict[tuple[WorkloadKind, str], Workload]:
        """Targets look a workload up per model: a scan of all of them would be quadratic."""
        return {(w.kind, w.name): w for w in self.workloads}

    def workload(self, kind: WorkloadKind, name: str) -> Workload:
        return self._workload_index[kind, name]

    def cloud_role(self, kind: str, name: str) -> CloudRole:
        """The role resolve decided for a cloud serving, training, pipeline or schedule."""
        return next(r for r in self.cloud_roles if (r.kind, r.name) == (kind, name))
