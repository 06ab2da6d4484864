"""Each environment is published where its own merged `gitops` says: branch, path and
repository per environment, one commit per repository and branch, and no stale folder left
where the stack publishes (real bare repositories, the CLI as users run it)."""

from __future__ import annotations

from pathlib import Path

import git
import yaml

from tests.helpers import run_mlstack

AUTHOR = git.Actor("t", "t@example.com")


def _spec(path: Path, repo: Path, environments: dict[str, str]) -> Path:
    """A small stack on `repo`; `environments` maps each environment to its gitops overlay
    (each gets a namespace of its own, as environments sharing a cluster must)."""
    lines = [
        "apiVersion: mlstack/v1alpha1",
        "kind: Stack",
        "metadata: {name: demo}",
        f"gitops: {{repo: {repo}}}",
        "environments:",
    ]
    for name, gitops in environments.items():
        lines.append(f"  {name}:")
        lines.append(f"    platform: {{kubernetes: {{namespace: demo-{name}}}}}")
        if gitops:
            lines.append(f"    gitops: {gitops}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _bare(path: Path, *branches: str) -> Path:
    """A deploy repository holding a README on each of `branches`."""
    git.Repo.init(path, bare=True, initial_branch="main")
    if branches:
        work = git.Repo.clone_from(str(path), path.with_suffix(".seed"))
        (path.with_suffix(".seed") / "README.md").write_text("deploy\n")
        work.index.add(["README.md"])
        work.index.commit("seed", author=AUTHOR, committer=AUTHOR)
        for branch in branches:
            work.git.push("origin", f"HEAD:refs/heads/{branch}")
    return path


def _files(repo: Path, branch: str) -> dict[str, bytes]:
    return {
        blob.path: blob.data_stream.read()
        for blob in git.Repo(repo).commit(branch).tree.traverse()
        if blob.type == "blob"  # type: ignore[union-attr]
    }


def _folders(repo: Path, branch: str) -> set[str]:
    """`FOLDER/ENV` of every environment on the branch."""
    return {
        path.rsplit("/argocd/", 1)[0]
        for path in _files(repo, branch)
        if path.endswith("/argocd/application.yaml")
    }


def _commits(repo: Path, branch: str) -> int:
    return len(list(git.Repo(repo).iter_commits(branch)))


def _application(repo: Path, branch: str, folder: str) -> dict[str, str]:
    document = yaml.safe_load(_files(repo, branch)[f"{folder}/argocd/application.yaml"])
    source: dict[str, str] = document["spec"]["source"]
    return source


def _publish(spec: Path, tmp: Path) -> str:
    result = run_mlstack("publish", str(spec), "-o", str(tmp / "out"), cache=tmp, cwd=tmp)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _diff(spec: Path, tmp: Path) -> str:
    result = run_mlstack("diff", str(spec), cache=tmp, cwd=tmp)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_two_branches_each_environment_on_its_own_and_none_left_behind(tmp_path: Path) -> None:
    deploy = _bare(tmp_path / "deploy.git", "main", "release")
    spec = tmp_path / "demo.yaml"
    _spec(spec, deploy, {"dev": "", "staging": "", "prod": ""})
    _publish(spec, tmp_path)
    assert _folders(deploy, "main") == {
        "stacks/demo/dev",
        "stacks/demo/staging",
        "stacks/demo/prod",
    }

    # prod moves to the release branch and a folder of its own; dev is removed.
    _spec(spec, deploy, {"staging": "", "prod": "{branch: release, path: deploy/demo}"})
    assert "no changes" not in _diff(spec, tmp_path)
    said = _publish(spec, tmp_path)
    assert said.count(": pushed") == 2, said
    assert _folders(deploy, "main") == {"stacks/demo/staging"}
    assert _folders(deploy, "release") == {"deploy/demo/prod"}
    assert _commits(deploy, "main") == 3 and _commits(deploy, "release") == 2
    assert _files(deploy, "release")[("README.md")] == b"deploy\n"
    prod = _application(deploy, "release", "deploy/demo/prod")
    assert (prod["targetRevision"], prod["path"]) == ("release", "deploy/demo/prod/kubernetes")
    staging = _application(deploy, "main", "stacks/demo/staging")
    assert (staging["targetRevision"], staging["path"]) == (
        "main",
        "stacks/demo/staging/kubernetes",
    )

    # Each environment is compared with its own branch and folder: nothing to do.
    assert _diff(spec, tmp_path) == "no changes"
    assert "nothing to commit" in _publish(spec, tmp_path)
    assert _commits(deploy, "main") == 3 and _commits(deploy, "release") == 2


def test_two_repositories_one_commit_each(tmp_path: Path) -> None:
    first, second = _bare(tmp_path / "a.git"), _bare(tmp_path / "b.git")
    spec = _spec(tmp_path / "demo.yaml", first, {"staging": "", "prod": f"{{repo: {second}}}"})
    said = _publish(spec, tmp_path)
    assert said.count(": pushed") == 2, said
    assert _folders(first, "main") == {"stacks/demo/staging"}
    assert _folders(second, "main") == {"stacks/demo/prod"}
    assert _commits(first, "main") == 1 and _commits(second, "main") == 1
    assert "demo (prod)" in git.Repo(second).commit("main").message
    assert _application(second, "main", "stacks/demo/prod")["repoURL"] == str(second)
    assert _application(first, "main", "stacks/demo/staging")["repoURL"] == str(first)
    assert _diff(spec, tmp_path) == "no changes"


def test_two_stacks_in_one_folder_are_refused(tmp_path: Path) -> None:
    """validate refuses two stacks in one folder of one repository (E0803); publish checks
    again for what validate cannot see: `--repo` sending stacks of two repositories to one."""
    deploy = _bare(tmp_path / "deploy.git", "main")
    spec = _spec(tmp_path / "demo.yaml", deploy, {"prod": "{path: shared}"})
    other = tmp_path / "other.yaml"

    def write_other(text: str) -> None:
        text = text.replace("name: demo", "name: other").replace("demo-", "other-")
        other.write_text(text.replace(str(deploy), str(tmp_path / "elsewhere.git")))

    write_other(spec.read_text())
    publish = ("publish", str(spec), str(other), "--repo", str(deploy))
    result = run_mlstack(*publish, "-o", str(tmp_path / "out"), cache=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {deploy} main: 'shared' is the folder of demo and other; "
        "give each stack a folder of its own (gitops.path)"
    ]
    assert _commits(deploy, "main") == 1
    write_other(spec.read_text().replace("{path: shared}", "{path: shared/prod}"))
    result = run_mlstack(*publish, "-o", str(tmp_path / "out"), cache=tmp_path)
    assert result.stderr.strip().splitlines() == [
        f"error: {deploy} main: 'shared/prod' (other) is inside 'shared' (demo); "
        "give each stack a folder of its own (gitops.path)"
    ]
    assert _commits(deploy, "main") == 1


def test_one_review_branch_for_environments_on_two_branches_is_refused(tmp_path: Path) -> None:
    deploy = _bare(tmp_path / "deploy.git", "main", "release")
    spec = _spec(tmp_path / "demo.yaml", deploy, {"staging": "", "prod": "{branch: release}"})
    result = run_mlstack(
        "publish", str(spec), "--branch", "review/x", "-o", str(tmp_path / "out"), cache=tmp_path
    )
    assert result.returncode == 2
    assert "follow main and release" in result.stderr
    assert {h.name for h in git.Repo(deploy).heads} == {"main", "release"}
