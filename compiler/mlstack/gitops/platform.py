"""The platform app-of-apps of a deploy branch: the cluster add-ons every stack on it installs.

Each environment compiles the add-ons it installs into its own `argocd/platform/CLUSTER/`
(targets/addons.py); they are shared objects, so publish does not copy them per stack but
merges the `argocd/platform/` of every environment on the branch (found through the
Applications in `apps/`, other stacks' included) into one `platform/` folder, one file per
object. Two environments that want the same file with different content (two releases of
an operator, two external MLflow servers behind one `models:/`) stop the publish, naming
both: a shared object has exactly one owner, the add-on's Application. `apps/FILE` is the
platform app-of-apps, which the root applies in the wave before the environments.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from mlstack.addons import DEPLOY_FOLDER, PLATFORM
from mlstack.gitops.repo import PublishError
from mlstack.spec.gitops import IN_CLUSTER_SERVER
from mlstack.targets import yaml_out
from mlstack.targets.labels import MANAGED_BY, SYNC_WAVE

FILE = "platform.addons.yaml"
"""In `apps/`; the dot keeps it apart from every `apps/STACK.yaml` (stack names have none)."""


def _environment_folder(application: Mapping[str, Any]) -> str | None:
    """`PATH/ENV` of an environment's Application (its source is `PATH/ENV/kubernetes`)."""
    path = PurePosixPath(str(application["spec"]["source"].get("path", "")))
    return path.parent.as_posix() if path.name == "kubernetes" else None


def collect(work: Path, applications: list[dict[str, Any]]) -> dict[str, bytes]:
    """Every environment's compiled add-on files on the branch, by path in `platform/`."""
    merged: dict[str, bytes] = {}
    owner: dict[str, str] = {}
    for application in applications:
        folder = _environment_folder(application)
        source = work / folder / PLATFORM if folder else None
        if source is None or not source.is_dir():
            continue
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            name = path.relative_to(source).as_posix()
            content = path.read_bytes()
            if name in merged and merged[name] != content:
                raise PublishError(
                    f"{folder} and {owner[name]} install {DEPLOY_FOLDER}/{name} differently; "
                    "one cluster has one of each add-on and of each shared object (align "
                    "their platform.kubernetes.versions and tracking, or deploy them to "
                    "different clusters)"
                )
            merged.setdefault(name, content)
            owner.setdefault(name, str(folder))
    return merged


def write(work: Path, files: Mapping[str, bytes]) -> None:
    """Replace `platform/` by `files` and the kustomization listing the Applications (the
    top-level `CLUSTER/ADDON.yaml` files; the objects folders are their sources)."""
    target = work / DEPLOY_FOLDER
    if target.exists():
        shutil.rmtree(target)
    if not files:
        return
    for name, content in files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(content)
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(n for n in files if len(PurePosixPath(n).parts) == 2),
    }
    (target / "kustomization.yaml").write_bytes(yaml_out.dump(kustomization))


def application(name: str, namespace: str, repo_url: str, branch: str) -> bytes:
    """The platform app-of-apps: in the root's wave -1, so the environments (wave 0) sync
    once every add-on Application is Healthy."""
    return yaml_out.dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": dict(MANAGED_BY),
                "annotations": {SYNC_WAVE: "-1"},
            },
            "spec": {
                "project": "default",
                "source": {"repoURL": repo_url, "targetRevision": branch, "path": DEPLOY_FOLDER},
                "destination": {"server": IN_CLUSTER_SERVER, "namespace": namespace},
                # No prune, as for the root: removing an add-on is a person's decision.
                "syncPolicy": {
                    "automated": {"prune": False, "selfHeal": True},
                    "syncOptions": ["ServerSideApply=true"],
                },
            },
        }
    )
