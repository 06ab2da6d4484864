"""What the Terraform modules return: whole blocks as plain data, notes and extra files, plus
the document rules (provider pins, tags) every module shares."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from mlstack.load import PathKey
from mlstack.plan import Plan, created_bucket
from mlstack.spec.monitoring import Alert
from mlstack.spec.uris import Location

PROVIDERS: dict[str, dict[str, str]] = {
    # Pinned to the versions the schema kit was taken from (tests/kit/README.md).
    "aws": {"source": "hashicorp/aws", "version": "6.47.0"},
    "google": {"source": "hashicorp/google", "version": "6.50.0"},
    "azurerm": {"source": "hashicorp/azurerm", "version": "5.2.0"},
    "azapi": {"source": "Azure/azapi", "version": "2.12.0"},
}


@dataclass(frozen=True)
class Block:
    """`resource.TYPE.NAME` or `data.TYPE.NAME` with its body; `source` is the spec path."""

    kind: Literal["resource", "data"]
    type: str
    name: str
    body: dict[str, Any]
    source: PathKey

    def ref(self, attribute: str) -> str:
        """A Terraform expression for one of this block's attributes."""
        prefix = "data." if self.kind == "data" else ""
        return f"${{{prefix}{self.type}.{self.name}.{attribute}}}"


@dataclass(frozen=True)
class Note:
    """A line of `terraform/NOTES.md`: a prerequisite outside the stack that its output needs
    (a cluster add-on, an account setting), the only thing the contract lets NOTES.md hold
    (SPEC.md, Output); `compile` prints each once per stack. What a spec asks that mlstack
    cannot do is a diagnostic instead (resolve/managed_limits.py), how-to text is in docs/."""

    text: str
    source: PathKey


@dataclass(frozen=True)
class File:
    """A file written beside main.tf.json under `terraform/`, for what a provider takes as a
    document rather than as blocks (a Vertex pipeline spec, an Azure ML job definition);
    `path` is relative to `terraform/`."""

    path: str
    content: bytes
    source: PathKey


def resource(type_: str, name: str, body: Mapping[str, Any], source: PathKey) -> Block:
    """A resource block from a typed body (one of the TypedDicts in the `*_attrs` modules)."""
    return Block("resource", type_, name, dict(body), source)


def data(type_: str, name: str, body: Mapping[str, Any], source: PathKey) -> Block:
    """A data-source block from a typed body."""
    return Block("data", type_, name, dict(body), source)


class Lifecycle(TypedDict, total=False):
    """Terraform's `lifecycle` meta-argument, shared by every provider."""

    ignore_changes: list[str]
    create_before_destroy: bool
    prevent_destroy: bool


PROTECTED: Lifecycle = {"prevent_destroy": True}
"""On storage mlstack creates: a `terraform destroy` or a rename must never delete artifacts;
removing the resource takes a reviewed edit of the generated code (docs/choices.md)."""


def cloud_alerts(plan: Plan, runtimes: tuple[type, ...]) -> Iterator[tuple[str, Alert, Any]]:
    """(name, alert, serving) for every metric alert on a serving of one of `runtimes`; drift
    alerts stay in Prometheus, where the drift job exports its score."""
    for name, alert in plan.spec.monitoring.alerts.items():
        serving = plan.spec.serving.get(alert.serving or "")
        if alert.metric not in (None, "drift") and isinstance(serving, runtimes):
            yield name, alert, serving


def tf_name(name: str) -> str:
    """A Terraform block name from a spec name (DNS label): dashes become underscores."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def tags(plan: Plan) -> dict[str, str]:
    """`managed-by`, `mlstack-stack`, `mlstack-environment` and the stack's labels, for AWS
    and Azure tags (free-form keys)."""
    return {
        **plan.labels,
        "managed-by": "mlstack",
        "mlstack-stack": plan.stack,
        "mlstack-environment": plan.environment,
    }


def gcp_labels(plan: Plan) -> dict[str, str]:
    """The same for GCP labels: lowercase letters, digits, `-` and `_`, at most 63."""

    def clean(text: str) -> str:
        return re.sub(r"[^a-z0-9_-]", "_", text.lower())[:63]

    return {clean(k): clean(v) for k, v in tags(plan).items()}


def owned_artifacts(plan: Plan, scheme: str) -> Location | None:
    """Where a deployed MLflow server writes, when that is `scheme` storage on the stack's
    cloud and `createBucket` is on: the one storage location a stack owns (docs/terraform.md;
    resolve/ownership.py refuses it when it holds models, references or training output)."""
    location = created_bucket(plan.spec)
    return location if location is not None and location.scheme == scheme else None
