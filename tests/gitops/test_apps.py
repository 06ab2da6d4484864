"""The app-of-apps in a real bare deploy repository: each stack owns `apps/STACK.yaml`, two
stacks published by separate runs do not fight over the root, and the root (what a user
applies once) is a valid Application that reads `apps/`."""

from __future__ import annotations

from pathlib import Path

import git
import pytest
import yaml

from mlstack.gitops.apps import root_name
from tests.helpers import ROOT, run_mlstack
from tests.targets.schemas import CRDS, problems

FRAUD = str(ROOT / "specs/fraud/mlstack.yaml")
RECSYS = str(ROOT / "specs/recsys-gcp/mlstack.yaml")


def _tree(remote: Path) -> dict[str, bytes]:
    commit = git.Repo(remote).commit("main")
    return {
        str(b.path): b.data_stream.read()
        for b in commit.tree.traverse()
        if b.type == "blob" and not str(b.path).startswith("stacks/")  # type: ignore[union-attr]
    }


def _publish(tmp: Path, spec: str, *more: str) -> None:
    done = run_mlstack(
        "publish", spec, "--repo", "./deploy.git", "-o", str(tmp / "out"), *more, cache=tmp, cwd=tmp
    )
    assert done.returncode == 0, done.stderr


def test_each_stack_owns_its_file_and_the_root_is_shared(tmp_path: Path) -> None:
    _publish(tmp_path, FRAUD)
    first = _tree(tmp_path / "deploy.git")
    assert sorted(first) == ["apps/argocd-cm.health.yaml", "apps/fraud.yaml", "argocd/root.yaml"]
    apps = list(yaml.safe_load_all(first["apps/fraud.yaml"]))
    assert [a["metadata"]["name"] for a in apps] == ["fraud-prod", "fraud-staging"]
    assert {a["spec"]["source"]["path"] for a in apps} == {
        "stacks/fraud/prod/kubernetes",
        "stacks/fraud/staging/kubernetes",
    }
    root = yaml.safe_load(first["argocd/root.yaml"])
    assert root["metadata"] == {
        "name": "mlstack-ml-deploy-main",
        "namespace": "argocd",
        "labels": {"app.kubernetes.io/managed-by": "mlstack"},
    }
    # The repository the environments' Applications read, where apps/ is too.
    assert root["spec"]["source"] == {
        "repoURL": "https://git.acme.example/platform/ml-deploy.git",
        "targetRevision": "main",
        "path": "apps",
        "directory": {"recurse": False},
    }
    assert "finalizers" not in root["metadata"]

    # A second stack, another run: its own file; fraud's file is untouched.
    _publish(tmp_path, RECSYS)
    second = _tree(tmp_path / "deploy.git")
    assert sorted(p for p in second if not p.startswith("platform/")) == [
        "apps/argocd-cm.health.yaml",
        "apps/fraud.yaml",
        "apps/platform.addons.yaml",  # recsys installs its add-ons (platform/)
        "apps/recsys.yaml",
        "argocd/root.yaml",
    ]
    assert second["apps/fraud.yaml"] == first["apps/fraud.yaml"]
    # Publishing the first stack again finds the same root: no commit, no fight.
    before = git.Repo(tmp_path / "deploy.git").commit("main").hexsha
    _publish(tmp_path, FRAUD)
    assert git.Repo(tmp_path / "deploy.git").commit("main").hexsha == before


@pytest.mark.skipif(not CRDS.exists(), reason="the shared schema kit is not beside this checkout")
def test_the_root_and_the_apps_are_valid_applications(tmp_path: Path) -> None:
    _publish(tmp_path, FRAUD)
    tree = _tree(tmp_path / "deploy.git")
    documents = [yaml.safe_load(tree["argocd/root.yaml"])]
    documents += list(yaml.safe_load_all(tree["apps/fraud.yaml"]))
    for document in documents:
        assert problems(document, "1.33") == []


def test_a_stack_folder_inside_apps_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "fraud.yaml"
    spec.write_text(Path(FRAUD).read_text().replace("path: stacks/fraud", "path: apps/fraud"))
    done = run_mlstack(
        "publish", str(spec), "--repo", "./deploy.git", "--dry-run", cache=tmp_path, cwd=tmp_path
    )
    assert done.returncode == 1
    assert "'apps/fraud' (fraud) is inside 'apps/'" in done.stderr


def test_root_names_are_dns_labels_per_repository_and_branch() -> None:
    assert root_name("git@ssh.dev.azure.com:v3/acme/platform/ml-deploy", "main") == (
        "mlstack-ml-deploy-main"
    )
    assert root_name("/tmp/x/Deploy.git", "release/2026_q1") == "mlstack-deploy-release-2026-q1"
