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
from mlstack.spec.uris import CLOUD_SCHEMES, parse

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
class Plan:
    stack: str
    environment: str
    file: str
    spec: Stack
    namespace: str
    workloads: tuple[Workload, ...]
    labels: Mapping[str, str]
    spans: Mapping[PathKey, Span] = field(repr=False)

    def source(self, path: PathKey) -> str:
        """`FILE:LINE` of the spec line behind `path` (nearest ancestor when unknown)."""
        for cut in range(len(path), -1, -1):
            span = self.spans.get(path[:cut])
            if span is not None:
                return f"{span.file}:{span.line}"
        return f"{self.file}:1"

    @cached_property
    def _workload_index(self) -> dict[tuple[WorkloadKind, str], Workload]:
        """Targets look a workload up per model: a scan of all of them would be quadratic."""
        return {(w.kind, w.name): w for w in self.workloads}

    def workload(self, kind: WorkloadKind, name: str) -> Workload:
        return self._workload_index[kind, name]
