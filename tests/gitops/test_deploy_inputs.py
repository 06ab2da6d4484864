"""The deploy side's files in real bare repositories: publish keeps the Azure client ids a
kustomization reads (and says which are still awaited), drops them once nothing reads them,
and diff does not count them as removed."""

from __future__ import annotations

import json
from pathlib import Path

import git

from mlstack.gitops.client_ids import write
from mlstack.gitops.diff import compare
from mlstack.gitops.publish import Request, StackTree, publish
from tests.helpers import run_mlstack

ENV_FILE = "azure-client-ids.env"
READS = (
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n"
    f"configMapGenerator:\n- name: mlstack-azure-client-ids\n  envs: [{ENV_FILE}]\n"
)
PLAIN = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n"
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


def _publish(remote: str, tmp: Path, files: dict[str, str]) -> tuple[str | None, tuple[str, ...]]:
    outcome = publish(
        Request(remote, (_stack(tmp, files),), new_branch=True, cache=tmp / "cache", backoff=0.01)
    )
    return outcome.commit, outcome.awaiting


def _deploy_step(remote: str, tmp: Path, path: str, text: str) -> None:
    """What the deploy step does after `terraform apply`: commit the ids into the deploy repo."""
    clone = git.Repo.clone_from(remote, tmp / "deploy-step")
    (Path(clone.working_tree_dir or "") / path).write_text(text)
    clone.index.add([path])
    clone.index.commit("client ids", author=git.Actor("ci", "ci@example.com"))
    clone.remotes.origin.push("main")


def _remote_file(remote: str, path: str) -> str | None:
    try:
        blob = git.Repo(remote).commit("main").tree / path
    except KeyError:
        return None
    return str(blob.data_stream.read().decode())


def test_publish_keeps_the_client_ids_while_a_kustomization_reads_them(tmp_path: Path) -> None:
    remote = str(tmp_path / "deploy.git")
    git.Repo.init(remote, bare=True, initial_branch="main")
    prod_ids = f"stacks/vision/prod/kubernetes/{ENV_FILE}"
    staging_ids = f"stacks/vision/staging/kubernetes/{ENV_FILE}"

    commit, awaiting = _publish(remote, tmp_path, _tree(READS))
    assert commit is not None and awaiting == (prod_ids, staging_ids)
    assert _remote_file(remote, prod_ids) is None

    _deploy_step(remote, tmp_path, prod_ids, IDS)
    assert _publish(remote, tmp_path, _tree(READS)) == (None, (staging_ids,))
    commit, awaiting = _publish(remote, tmp_path, _tree(READS, replicas=3))
    assert commit is not None and awaiting == (staging_ids,)
    assert _remote_file(remote, prod_ids) == IDS
    assert _remote_file(remote, "stacks/vision/prod/kubernetes/a.yaml") == "replicas: 3\n"

    commit, awaiting = _publish(remote, tmp_path, _tree(PLAIN, replicas=3))
    assert commit is not None and awaiting == (staging_ids,)
    assert _remote_file(remote, prod_ids) is None


def test_diff_does_not_count_the_client_ids_as_removed() -> None:
    deployed = {
        "vision/prod/kubernetes/kustomization.yaml": READS.encode(),
        f"vision/prod/kubernetes/{ENV_FILE}": IDS.encode(),
    }
    assert compare(deployed, {"vision/prod/kubernetes/kustomization.yaml": READS.encode()}) == {}
    left_azure = compare(deployed, {"vision/prod/kubernetes/kustomization.yaml": PLAIN.encode()})
    assert f"--- a/vision/prod/kubernetes/{ENV_FILE}" in left_azure["vision/prod"].unified


def test_azure_stack_published_then_given_its_ids(tmp_path: Path) -> None:
    """The whole flow on specs/vision-azure: publish says what it awaits, the deploy step
    writes prod's ids with `azure-client-ids`, and publish and diff leave them be."""
    spec, deploy = "specs/vision-azure/mlstack.yaml", str(tmp_path / "deploy.git")
    options = ("--repo", deploy, "-o", str(tmp_path / "out"))
    first = run_mlstack("publish", spec, *options, cache=tmp_path)
    assert first.returncode == 0, first.stderr
    awaited = [line.split()[1].rstrip(":") for line in first.stdout.splitlines()[1:]]
    assert awaited == [f"stacks/vision/{env}/kubernetes/{ENV_FILE}" for env in ("prod", "staging")]

    clone = git.Repo.clone_from(deploy, tmp_path / "checkout")
    folder = tmp_path / "checkout" / "stacks/vision/prod/kubernetes"
    accounts = ["drift-label-api", "mlflow", "notebook-vision-lab", "serve-label-api"]
    accounts += ["serve-ocr", "train-label-classifier"]
    output = tmp_path / "output.json"
    output.write_text(json.dumps(dict.fromkeys(accounts, "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e")))
    with output.open() as source:
        write(folder, source)
    clone.index.add([f"stacks/vision/prod/kubernetes/{ENV_FILE}"])
    clone.index.commit("client ids", author=git.Actor("ci", "ci@example.com"))
    clone.remotes.origin.push("main")

    unchanged = run_mlstack("diff", spec, "--repo", deploy, "--exit-code", cache=tmp_path)
    assert (unchanged.returncode, unchanged.stdout.strip()) == (0, "no changes")
    again = run_mlstack("publish", spec, *options, cache=tmp_path)
    assert again.returncode == 0 and "nothing to commit" in again.stdout
    assert f"awaiting stacks/vision/staging/kubernetes/{ENV_FILE}" in again.stdout
    assert "prod/kubernetes" not in again.stdout
    assert (
        _remote_file(deploy, f"stacks/vision/prod/kubernetes/{ENV_FILE}")
        == (folder / ENV_FILE).read_text()
    )
