"""The app-of-apps of a deploy branch: bootstrapping Argo CD is one `kubectl apply`.

Each stack published to a branch owns one file, `apps/STACK.yaml`, holding the Applications
of its environments on that branch (copies of their `argocd/application.yaml`), so two
stacks never write the same file. `argocd/root.yaml` is the one Application that syncs
`apps/`; it is derived from every `apps/*.yaml` the branch holds after the stacks are
staged (other stacks' included), so whichever stack publishes last writes the same root.
The root sits outside `apps/`: it does not manage itself, and deleting it (no finalizer)
leaves the environments running.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from mlstack.addons import DEPLOY_FOLDER
from mlstack.gitops.repo import PublishError
from mlstack.spec.gitops import IN_CLUSTER_SERVER
from mlstack.targets import yaml_out
from mlstack.targets.labels import MANAGED_BY

APPS = "apps"
ROOT = "argocd/root.yaml"
RESERVED = (APPS, PurePosixPath(ROOT).parent.as_posix(), DEPLOY_FOLDER)
"""Top-level folders of the deploy repository that publish writes besides stack folders."""
APPLICATION = "argocd/application.yaml"


def stack_apps(source: Path, environments: list[str]) -> bytes | None:
    """`apps/STACK.yaml`: the stack's Applications of `environments` (under `source`, its
    folder in out/), or None when it has none (a stack without `gitops`)."""
    documents = [
        (source / env / APPLICATION).read_bytes()
        for env in sorted(environments)
        if (source / env / APPLICATION).is_file()
    ]
    return b"---\n".join(documents) if documents else None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def root_name(repo_url: str, branch: str, role: str = "") -> str:
    """`mlstack-REPO-BRANCH` (a DNS label): two deploy repositories, or two branches of one,
    synced by one Argo CD get two roots; `role` names another app-of-apps of the branch
    (`mlstack-platform-REPO-BRANCH`)."""
    repo = PurePosixPath(re.split(r"[:/]", repo_url.rstrip("/"))[-1]).name.removesuffix(".git")
    prefix = f"mlstack-{role}-" if role else "mlstack-"
    return f"{prefix}{_slug(repo)}-{_slug(branch)}"[:63].rstrip("-")


def applications(apps: Mapping[str, bytes]) -> list[dict[str, Any]]:
    return [
        document
        for content in apps.values()
        for document in yaml.safe_load_all(content)
        if isinstance(document, dict) and document.get("kind") == "Application"
    ]


def argocd_namespace(apps: Mapping[str, bytes], remote: str, branch: str) -> str:
    """The one Argo CD namespace the Applications in `apps` live in (the root's too)."""
    namespaces = sorted({str(d["metadata"]["namespace"]) for d in applications(apps)})
    if len(namespaces) != 1:
        raise PublishError(
            f"{remote} {branch}: the Applications in {APPS}/ live in the Argo CD namespaces "
            f"{' and '.join(namespaces)}; one root cannot own them (set one "
            "gitops.argocd.namespace)"
        )
    return namespaces[0]


def root_repo_url(apps: Mapping[str, bytes], remote: str) -> str:
    """The repository the root (and the platform app-of-apps) reads: the one `repoURL` of
    the Applications in `apps`, else (a `--repo` publishing stacks that name other
    repositories) the remote publish pushes to."""
    urls = sorted({str(d["spec"]["source"]["repoURL"]) for d in applications(apps)})
    return urls[0] if len(urls) == 1 else remote


def root_application(apps: Mapping[str, bytes], remote: str, branch: str) -> bytes:
    """The root Application for the Applications in `apps` (`apps/*.yaml` -> content).

    It lives where they do (their one Argo CD namespace) and reads root_repo_url."""
    namespace = argocd_namespace(apps, remote, branch)
    repo_url = root_repo_url(apps, remote)
    root = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": root_name(repo_url, branch),
            "namespace": namespace,
            "labels": dict(MANAGED_BY),
        },
        "spec": {
            "project": "default",
            "source": {
                "repoURL": repo_url,
                "targetRevision": branch,
                "path": APPS,
                "directory": {"recurse": False},
            },
            "destination": {"server": IN_CLUSTER_SERVER, "namespace": namespace},
            # No prune: removing an environment's Application deletes its workloads (its
            # finalizer), which is a person's decision, not a side effect of a commit.
            "syncPolicy": {
                "automated": {"prune": False, "selfHeal": True},
                "syncOptions": ["ServerSideApply=true"],
            },
        },
    }
    return yaml_out.dump(root)
