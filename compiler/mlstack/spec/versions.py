"""`platform.kubernetes.versions`: the releases of the operators and tools the cluster runs.
Upstream renames fields and values between releases and rejects names of the other side of a
rename, so the output is written for one declared release of each (docs/versions.md).

Defaults are the releases current in late 2026, the ones the repository's schemas and sources
come from: KServe v0.20.0, Seldon Core v2.10.2, Argo Workflows v4.1.2, Kubeflow Trainer v2.3.0,
the Feast operator v0.66.0, Argo CD v3.5.1 (whose CRDs the Application is checked
against; v3.6.0 is out since November 2026).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mlstack.spec.base import SpecModel

Minor = Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+$")]


class Versions(SpecModel):
    """Minor release of each operator the output targets, quoted: "0.20"."""

    kserve: Minor = "0.20"
    """KServe: decides the deployment-mode names (Standard / Knative from 0.16)."""
    seldon: Minor = "2.10"
    """Seldon Core 2."""
    argo_workflows: Minor = "4.1"
    """Argo Workflows."""
    trainer: Minor = "2.3"
    """Kubeflow Trainer, under `kubeflow.trainer: v2` (runtimePatches from 2.2)."""
    feast: Minor = "0.66"
    """The Feast operator (feast.dev/v1)."""
    argocd: Minor = "3.5"
    """Argo CD."""


def at_least(version: str, minimum: tuple[int, int]) -> bool:
    """Whether a declared MAJOR.MINOR is `minimum` or later (compared as numbers: 0.9 < 0.16)."""
    major, minor = version.split(".")
    return (int(major), int(minor)) >= minimum
