"""`mlstack publish` as users run it: the demo's local deploy repo, reruns, clear failures."""

from __future__ import annotations

from pathlib import Path

import git

from tests.helpers import run_mlstack


def test_publish_to_a_local_repo_it_creates_then_nothing_to_do(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy.git"
    first = run_mlstack(
        "publish",
        "specs/fraud/mlstack.yaml",
        "--repo",
        str(deploy),
        "-o",
        str(tmp_path / "out"),
        cache=tmp_path,
    )
    assert first.returncode == 0, first.stderr
    assert "main: pushed" in first.stdout
    repo = git.Repo(deploy)
    files = [b.path for b in repo.commit("main").tree.traverse() if b.type == "blob"]  # type: ignore[union-attr]
    assert "stacks/fraud/prod/kubernetes/kustomization.yaml" in files
    assert "stacks/fraud/staging/argocd/application.yaml" in files
    second = run_mlstack(
        "publish",
        "specs/fraud/mlstack.yaml",
        "--repo",
        str(deploy),
        "-o",
        str(tmp_path / "out"),
        cache=tmp_path,
    )
    assert second.returncode == 0 and "nothing to commit" in second.stdout
    assert len(list(repo.iter_commits("main"))) == 1


def test_unreachable_remote_is_one_line_exit_1(tmp_path: Path) -> None:
    result = run_mlstack(
        "publish",
        "specs/fraud/mlstack.yaml",
        "--repo",
        "https://deploy.invalid/ml.git",
        "-o",
        str(tmp_path / "out"),
        cache=tmp_path,
    )
    assert result.returncode == 1
    # specs/fraud's alerts reach no receiver (W0311): only the error lines count here.
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("error")]
    assert len(lines) == 1 and lines[0].startswith(
        "error: cannot clone https://deploy.invalid/ml.git: "
    )
    assert "Traceback" not in result.stderr


def test_help_says_where_the_caches_live(tmp_path: Path) -> None:
    for command in ("compile", "publish", "diff"):
        result = run_mlstack(command, "--help", cache=tmp_path)
        text = " ".join(result.stdout.split())
        assert "$MLSTACK_CACHE_DIR" in text and "(deploy/)" in text, command
