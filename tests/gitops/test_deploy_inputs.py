"""The deploy side's files in real bare repositories: publish keeps the Azure client ids a
kustomization reads, refuses an environment that has them nowhere, drops them once nothing
reads them, and diff does not count them as removed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import git
import pytest

from mlstack.gitops.diff import compare
from mlstack.gitops.publish import Request, StackTree, Unbuildable, publish
from mlstack.names import AZURE_CLIENT_ID_ANNOTATION
from tests.helpers import ROOT, kustomized_documents, run_mlstack

ENV_FILE = "azure-client-ids.env"
READS = (
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n"
    f"configMapGenerator:\n- name: mlstack-azure-client-ids\n  envs: [{ENV_FILE}]\n"
)
PLAIN = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n"
OUTPUTS = ROOT / "specs/vision-azure/terraform-outputs"
IDS = "serve-ocr=0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e\n"


def _stack(tmp: Path, files: dict[str, str]) -> StackTree:
    source = tmp / "out" / "vision"
    if source.exists():
        for path in sorted(source.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    return StackTree("vision", source, "stacks/vision", ("prod", "staging"))


def _tree(prod_kustomization: str, replicas: int = 2) -> dict[str, str]:
    return {
        "prod/kubernetes/kustomization.yaml": prod_kustomization,
        "prod/kubernetes/a.yaml": f"replicas: {replicas}\n",
        "staging/kubernetes/kustomization.yaml": READS,
        "staging/kubernetes/a.yaml": "replicas: 1\n",
    }


def _publish(remote: str, tmp: Path, files: dict[str, str]) -> str | None:
    outcome = publish(
        Request(remote, (_stack(tmp, files),), new_branch=True, cache=tmp / "cache", backoff=0.01)
    )
    return outcome.commit


def _remote_file(remote: str, path: str) -> str | None:
    try:
        blob = git.Repo(remote).commit("main").tree / path
    except KeyError:
        return None
    return str(blob.data_stream.read().decode())


PROD_IDS = f"prod/kubernetes/{ENV_FILE}"
STAGING_IDS = f"staging/kubernetes/{ENV_FILE}"


def test_publish_keeps_the_client_ids_while_a_kustomization_reads_them(tmp_path: Path) -> None:
    remote = str(tmp_path / "deploy.git")
    git.Repo.init(remote, bare=True, initial_branch="main")
    prod_ids, staging_ids = (f"stacks/vision/{name}" for name in (PROD_IDS, STAGING_IDS))

    given = {PROD_IDS: IDS, STAGING_IDS: IDS}
    assert _publish(remote, tmp_path, {**_tree(READS), **given}) is not None
    assert _remote_file(remote, prod_ids) == IDS
    # A fresh compile holds no ids: the deploy repo's are kept, so nothing changes.
    assert _publish(remote, tmp_path, _tree(READS)) is None
    assert _publish(remote, tmp_path, _tree(READS, replicas=3)) is not None
    assert _remote_file(remote, prod_ids) == IDS
    assert _remote_file(remote, "stacks/vision/prod/kubernetes/a.yaml") == "replicas: 3\n"

    assert _publish(remote, tmp_path, _tree(PLAIN, replicas=3)) is not None
    assert _remote_file(remote, prod_ids) is None
    assert _remote_file(remote, staging_ids) == IDS


def test_publish_refuses_an_environment_that_cannot_build(tmp_path: Path) -> None:
    """Without its ids anywhere, an Azure environment is not published: kustomize would fail."""
    remote = str(tmp_path / "deploy.git")
    git.Repo.init(remote, bare=True, initial_branch="main")
    with pytest.raises(Unbuildable) as refused:
        _publish(remote, tmp_path, {**_tree(READS), STAGING_IDS: IDS})
    assert refused.value.missing == (f"stacks/vision/{PROD_IDS}",)
    assert not git.Repo(remote).heads


def test_diff_does_not_count_the_client_ids_as_removed() -> None:
    deployed = {
        "vision/prod/kubernetes/kustomization.yaml": READS.encode(),
        f"vision/prod/kubernetes/{ENV_FILE}": IDS.encode(),
    }
    assert compare(deployed, {"vision/prod/kubernetes/kustomization.yaml": READS.encode()}) == {}
    left_azure = compare(deployed, {"vision/prod/kubernetes/kustomization.yaml": PLAIN.encode()})
    assert f"--- a/vision/prod/kubernetes/{ENV_FILE}" in left_azure["vision/prod"].unified


def test_azure_stack_published_with_its_terraform_outputs(tmp_path: Path) -> None:
    """The whole flow on specs/vision-azure: without its outputs publish refuses and pushes
    nothing; with `--terraform-outputs` the ids are in the commit, every environment builds
    with the real kustomize, and diff and a second publish leave them be."""
    spec, deploy = str(ROOT / "specs/vision-azure/mlstack.yaml"), str(tmp_path / "deploy.git")
    options = ("--repo", f"./{Path(deploy).name}", "-o", str(tmp_path / "out"))
    refused = run_mlstack("publish", spec, *options, cache=tmp_path, cwd=tmp_path)
    assert refused.returncode == 1
    assert f"kustomize cannot build without stacks/vision/prod/kubernetes/{ENV_FILE}" in (
        refused.stderr
    )
    assert not git.Repo(deploy).heads

    given = ("--terraform-outputs", str(OUTPUTS))
    first = run_mlstack("publish", spec, *options, *given, cache=tmp_path, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    # The ids join the commit; out/ stays what compile wrote (the golden tree has no ids).
    assert not list((tmp_path / "out").rglob(ENV_FILE))
    clone = git.Repo.clone_from(deploy, tmp_path / "checkout")
    for env in ("prod", "staging"):
        folder = Path(clone.working_tree_dir or "") / f"stacks/vision/{env}/kubernetes"
        recorded = json.loads((OUTPUTS / "vision" / f"{env}.json").read_text())
        ids = recorded["azure_workload_client_ids"]["value"]
        if shutil.which("kubectl"):
            built = subprocess.run(
                ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, check=True
            )
            accounts = [
                d for d in kustomized_documents(built.stdout) if d["kind"] == "ServiceAccount"
            ]
            assert {
                a["metadata"]["name"]: a["metadata"]["annotations"][AZURE_CLIENT_ID_ANNOTATION]
                for a in accounts
                if a["metadata"]["name"] in ids
            } == ids

    unchanged = run_mlstack("diff", spec, "--repo", deploy, "--exit-code", cache=tmp_path)
    assert (unchanged.returncode, unchanged.stdout.strip()) == (0, "no changes")
    again = run_mlstack("publish", spec, *options, cache=tmp_path, cwd=tmp_path)
    assert again.returncode == 0 and "nothing to commit" in again.stdout, again.stderr
