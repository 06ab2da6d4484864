"""Publish killed (SIGKILL) at named points leaves the deploy repository as it was and the next
run lands; `diff` waits for a publisher holding the clone cache's lock."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import git
import pytest

from mlstack.gitops.repo import cache_lock
from tests.helpers import REFERENCE, ROOT


def _publish(spec: Path, deploy: Path, out: Path, point: str) -> int:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mlstack",
            "publish",
            str(spec),
            "--repo",
            str(deploy),
            "-o",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        check=False,
        env={**os.environ, "MLSTACK_TEST_CRASH_AT": point},
    ).returncode


def _head(deploy: Path) -> str:
    return git.Repo(deploy).commit("main").hexsha


@pytest.mark.parametrize("point", ["publish-after-apply", "publish-before-push"])
def test_a_killed_publish_changes_nothing_and_the_next_one_lands(
    tmp_path: Path, point: str
) -> None:
    spec, deploy, out = tmp_path / "fraud.yaml", tmp_path / "deploy.git", tmp_path / "out"
    spec.write_text(REFERENCE.read_text())
    assert _publish(spec, deploy, out, "") == 0
    before = _head(deploy)
    spec.write_text(REFERENCE.read_text().replace("max: 40}", "max: 41}"))
    assert _publish(spec, deploy, out, point) == -9
    assert _head(deploy) == before
    assert sorted(p.name for p in out.iterdir()) == ["fraud"]
    assert _publish(spec, deploy, out, "") == 0
    assert _head(deploy) != before
    tree = git.Repo(deploy).commit("main").tree
    published = (tree / "stacks/fraud/prod/kubernetes").traverse()
    assert any(b"maxReplicas: 41" in blob.data_stream.read() for blob in published)  # type: ignore[union-attr]


def test_diff_waits_for_the_publisher_holding_the_cache(tmp_path: Path) -> None:
    spec, deploy = tmp_path / "fraud.yaml", tmp_path / "deploy.git"
    spec.write_text(REFERENCE.read_text())
    assert _publish(spec, deploy, tmp_path / "out", "") == 0
    command = [sys.executable, "-m", "mlstack", "diff", str(spec), "--repo", str(deploy)]
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
    unlocked = time.monotonic() - started
    with cache_lock(str(deploy.resolve())):
        waiting = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        time.sleep(2 * unlocked + 2)
        assert waiting.poll() is None  # it would have finished in `unlocked` seconds
    stdout, _ = waiting.communicate(timeout=120)
    assert (waiting.returncode, stdout.strip()) == (0, "no changes")
