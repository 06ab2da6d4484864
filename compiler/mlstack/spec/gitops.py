"""`gitops`: the deploy repository and the Argo CD Application that syncs it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mlstack.spec.base import SpecModel
from mlstack.spec.types import Name


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


class GitOps(SpecModel):
    """Where compiled output is published and how Argo CD picks it up."""

    repo: Annotated[
        str, Field(pattern=r"^(https://[^\s@]+|ssh://\S+|git@[\w.-]+:\S+|file://\S+|/\S+)$")
    ]
    """Deploy repository: https://, ssh://, git@host:path, or a local path."""
    branch: Annotated[str, Field(pattern=r"^[\w./-]+$")] = "main"
    """Branch Argo CD follows and publish pushes to."""
    path: Annotated[str, Field(pattern=r"^[\w.-]+(/[\w.-]+)*$")] | None = None
    """Folder of this stack in the deploy repo; default: stacks/NAME."""
    argocd: ArgoCD = ArgoCD()
    """Argo CD Application settings."""
