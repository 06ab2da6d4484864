"""The platform app-of-apps in a real bare deploy repository: the add-ons of every stack on a
branch are merged per cluster, one file (one owner) per shared object, whichever stack
publishes last; two stacks that want one shared object different stop the publish; what is
published builds with the real kustomize; the add-ons leave with the last stack that
installs them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import git
import pytest
import yaml

from mlstack.gitops import platform
from tests.helpers import ROOT, kustomized_documents, run_mlstack
from tests.targets.schemas import problems

STACK = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {{name: {name}}}
platform:
  kubernetes: {{namespace: {name}, storageSecret: {name}-s3, kserve: {{deploymentMode: Knative}}}}
tracking:
  mlflow: {mlflow}
models:
  m: {{framework: sklearn, uri: "{uri}"}}
serving:
  {name}-api: {{model: m, runtime: {runtime}}}
monitoring:
  prometheus: {{}}
gitops:
  repo: https://git.acme.example/platform/ml-deploy.git
  path: stacks/{name}
  addons: {addons}
"""
DEPLOYED = '{deploy: true, artifacts: "s3://ml-store/mlflow"}'


def _write(tmp: Path, name: str, **fields: str) -> Path:
    values = {"mlflow": DEPLOYED, "runtime": "kserve", "addons": "auto", "uri": "models:/m/1"}
    values.update(fields)
    path = tmp / "stacks" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STACK.format(name=name, **values))
    return path


def _publish(tmp: Path, spec: Path) -> subprocess.CompletedProcess[str]:
    return run_mlstack(
        "publish", str(spec), "--repo", "./deploy.git", "-o", str(tmp / "out"), cache=tmp, cwd=tmp
    )


def _tree(tmp: Path) -> dict[str, bytes]:
    commit = git.Repo(tmp / "deploy.git").commit("main")
    return {
        str(b.path): b.data_stream.read()
        for b in commit.tree.traverse()
        if b.type == "blob"  # type: ignore[union-attr]
    }


def _checkout(tmp: Path) -> Path:
    target = tmp / "checkout"
    shutil.rmtree(target, ignore_errors=True)
    git.Repo.clone_from(tmp / "deploy.git", target)
    return target


needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl")


@needs_kubectl
def test_two_stacks_on_one_cluster_share_one_owner_per_object(tmp_path: Path) -> None:
    shop, bank = _write(tmp_path, "shop"), _write(tmp_path, "bank")
    assert _publish(tmp_path, shop).returncode == 0
    first = _tree(tmp_path)
    done = _publish(tmp_path, bank)
    assert done.returncode == 0, done.stderr
    second = _tree(tmp_path)
    # bank needs the same add-ons on the same cluster: the platform is unchanged.
    assert {k: v for k, v in second.items() if k.startswith("platform/")} == {
        k: v for k, v in first.items() if k.startswith("platform/")
    }
    built = kustomized_documents(
        subprocess.run(
            ["kubectl", "kustomize", str(_checkout(tmp_path) / "platform")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    names = [d["metadata"]["name"] for d in built]
    assert sorted(names) == sorted(set(names))  # one Application per add-on
    assert set(names) == {
        f"addon-{a}-in-cluster"
        for a in ("cert-manager", "knative", "kserve", "kube-prometheus-stack")
    }
    for document in built:
        assert problems(document, "1.33") == []
    # The shared cluster objects: once, in the add-on's folder, built by kustomize.
    objects = _checkout(tmp_path) / "platform/in-cluster/kserve"
    kinds = subprocess.run(
        ["kubectl", "kustomize", str(objects)], capture_output=True, text=True, check=True
    ).stdout
    assert [(d["kind"], d["metadata"]["name"]) for d in kustomized_documents(kinds)] == [
        ("ClusterStorageContainer", "mlflow-models")
    ]
    app = yaml.safe_load(second[f"apps/{platform.FILE}"])
    assert app["spec"]["source"]["path"] == "platform"
    assert app["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "-1"}
    assert problems(app, "1.33") == []


def test_two_stacks_that_want_one_object_different_stop_the_publish(tmp_path: Path) -> None:
    assert _publish(tmp_path, _write(tmp_path, "shop")).returncode == 0
    before = _tree(tmp_path)
    external = (
        '{deploy: false, uri: "https://mlflow.bank.example", artifacts: "s3://ml-store/mlflow"}'
    )
    done = _publish(tmp_path, _write(tmp_path, "bank", mlflow=external))
    assert done.returncode != 0
    assert "platform/in-cluster/kserve/clusterstoragecontainer-mlflow-models.yaml" in done.stderr
    assert "stacks/bank/default" in done.stderr and "stacks/shop/default" in done.stderr
    assert _tree(tmp_path) == before  # nothing pushed


def test_the_add_ons_leave_with_the_last_stack_that_installs_them(tmp_path: Path) -> None:
    shop, bank = (
        _write(tmp_path, "shop"),
        _write(tmp_path, "bank", runtime="seldon", uri="s3://ml-store/m/1"),
    )
    for spec in (shop, bank):
        assert _publish(tmp_path, spec).returncode == 0
    both = {k for k in _tree(tmp_path) if k.startswith("platform/in-cluster/")}
    assert "platform/in-cluster/seldon.yaml" in both and "platform/in-cluster/kserve.yaml" in both
    assert (
        _publish(
            tmp_path,
            _write(tmp_path, "bank", runtime="seldon", uri="s3://ml-store/m/1", addons="none"),
        ).returncode
        == 0
    )
    left = {k for k in _tree(tmp_path) if k.startswith("platform/in-cluster/")}
    assert "platform/in-cluster/seldon.yaml" not in left
    assert "platform/in-cluster/kserve.yaml" in left  # shop still installs it
    assert _publish(tmp_path, _write(tmp_path, "shop", addons="none")).returncode == 0
    tree = _tree(tmp_path)
    assert not [k for k in tree if k.startswith("platform/")]
    assert f"apps/{platform.FILE}" not in tree


@needs_kubectl
def test_every_published_environment_and_the_platform_build(tmp_path: Path) -> None:
    """What `make demo` publishes: every environment of specs/ and each branch's platform."""
    done = run_mlstack(
        "publish",
        str(ROOT / "specs"),
        "--repo",
        "./deploy.git",
        "-o",
        str(tmp_path / "out"),
        "--terraform-outputs",
        str(ROOT / "specs/vision-azure/terraform-outputs"),
        cache=tmp_path,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    repo = git.Repo(tmp_path / "deploy.git")
    built = 0
    for branch in ("main", "lyon-plant-2"):
        target = tmp_path / branch
        git.Repo.clone_from(tmp_path / "deploy.git", target, branch=branch)
        folders = [p.parent for p in target.rglob("kustomization.yaml") if ".git" not in p.parts]
        assert target / "platform" in folders, branch
        for folder in folders:
            subprocess.run(["kubectl", "kustomize", str(folder)], capture_output=True, check=True)
            built += 1
    assert built > 10
    assert repo.commit("main")
