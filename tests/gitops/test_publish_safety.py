"""Publish never removes or writes outside the deploy clone's working tree: malicious folders
given through the API and symlinks committed to the deploy repository are refused in one
line before anything is touched, and a sentinel folder beside the clone stays byte-identical."""

from __future__ import annotations

import os
from pathlib import Path

import git
import pytest

from mlstack.gitops.publish import Request, StackTree, publish
from mlstack.gitops.repo import PublishError, cache_folder
from tests.helpers import run_mlstack

AUTHOR = git.Actor("t", "t@example.com")


def _snapshot(root: Path) -> dict[str, bytes | str | None]:
    """Every entry under `root`: file bytes, symlink target, or None for a folder."""
    found: dict[str, bytes | str | None] = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[name] = os.readlink(path)
        elif path.is_dir():
            found[name] = None
        else:
            found[name] = path.read_bytes()
    return found


def _sentinel(folder: Path) -> Path:
    for name in ("demo/prod/a.yaml", "keep.txt", "azure-client-ids.env"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"sentinel {name}\n")
    return folder


def _stack(tmp: Path, target: str) -> StackTree:
    source = tmp / "out" / "demo"
    (source / "prod").mkdir(parents=True, exist_ok=True)
    (source / "prod" / "a.yaml").write_text("compiled\n")
    return StackTree("demo", source, target, ("prod",))


def _deploy_with_symlink(tmp: Path, link: str, points_to: Path) -> Path:
    """A deploy repository whose main branch commits `link` as a symlink to `points_to`."""
    bare = tmp / "deploy.git"
    git.Repo.init(bare, bare=True, initial_branch="main")
    work = git.Repo.clone_from(str(bare), tmp / "seed")
    (tmp / "seed" / link).parent.mkdir(parents=True, exist_ok=True)
    (tmp / "seed" / link).symlink_to(points_to)
    work.index.add([link])
    work.index.commit("a symlink", author=AUTHOR, committer=AUTHOR)
    work.git.push("origin", "HEAD:refs/heads/main")
    return bare


@pytest.mark.parametrize(
    "target",
    ["../sentinel", "stacks/../../sentinel", "SENTINEL", ".", "", "stacks//demo", ".git/hooks"],
)
def test_folders_outside_the_working_tree_are_refused(tmp_path: Path, target: str) -> None:
    cache = tmp_path / "cache"
    sentinel = _sentinel(cache / "sentinel")
    target = target.replace("SENTINEL", str(sentinel))
    remote = tmp_path / "deploy.git"
    git.Repo.init(remote, bare=True, initial_branch="main")
    request = Request(str(remote), (_stack(tmp_path, target),), new_branch=True, cache=cache)
    before = _snapshot(sentinel)
    with pytest.raises(PublishError) as refused:
        publish(request)
    assert "\n" not in str(refused.value) and str(refused.value).startswith("refusing to publish")
    assert _snapshot(sentinel) == before
    assert not git.Repo(remote).heads
    git_folder = cache_folder(str(remote), cache) / ".git"
    assert not (git_folder / "hooks" / "prod").exists()


@pytest.mark.parametrize("link", ["stacks", "stacks/demo", "stacks/demo/prod/kubernetes"])
def test_a_symlink_in_the_deploy_repo_pointing_outside_is_refused(
    tmp_path: Path, link: str
) -> None:
    victim = _sentinel(tmp_path / "victim")
    remote = _deploy_with_symlink(tmp_path, link, victim)
    (tmp_path / "out" / "demo" / "prod" / "kubernetes").mkdir(parents=True)
    (tmp_path / "out" / "demo" / "prod" / "kubernetes" / "kustomization.yaml").write_text(
        "configMapGenerator:\n- name: ids\n  envs: [azure-client-ids.env]\n"
    )
    stack = StackTree("demo", tmp_path / "out" / "demo", "stacks/demo", ("prod",))
    before = _snapshot(victim)
    with pytest.raises(PublishError) as refused:
        publish(Request(str(remote), (stack,), cache=tmp_path / "cache"))
    assert "symlink" in str(refused.value) and "\n" not in str(refused.value)
    assert _snapshot(victim) == before
    assert len(list(git.Repo(remote).iter_commits("main"))) == 1


def test_cli_publish_into_a_symlinked_stacks_folder_exits_1_and_writes_nothing(
    tmp_path: Path,
) -> None:
    victim = _sentinel(tmp_path / "victim")
    remote = _deploy_with_symlink(tmp_path, "stacks", victim)
    spec = tmp_path / "demo.yaml"
    spec.write_text(
        f"apiVersion: mlstack/v1alpha1\nkind: Stack\nmetadata: {{name: demo}}\n"
        f"gitops: {{repo: {remote}}}\n"
    )
    before = _snapshot(victim)
    result = run_mlstack("publish", str(spec), "-o", str(tmp_path / "out"), cache=tmp_path)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "error: refusing to publish to 'stacks/demo': the deploy repository has a symlink"
    )
    assert _snapshot(victim) == before
    assert len(list(git.Repo(remote).iter_commits("main"))) == 1
