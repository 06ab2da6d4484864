"""mlstack runs where `fcntl` and `os.sched_getaffinity` do not exist (Windows; macOS has no
sched_getaffinity): validate, compile, publish and diff in a Python that has neither."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

SITECUSTOMIZE = """\
import os, sys
sys.modules["fcntl"] = None  # `import fcntl` raises ImportError, as on Windows
del os.sched_getaffinity
"""


def _path(site: Path) -> str:
    return os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))


def _run(*args: str, site: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": _path(site), "MLSTACK_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "mlstack", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_every_command_runs_without_fcntl_and_sched_getaffinity(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    probe = _run("--version", site=site, cache=tmp_path / "cache")
    assert probe.returncode == 0, probe.stderr
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; print(sys.modules['fcntl'], hasattr(os, 'sched_getaffinity'))",
        ],
        env={**os.environ, "PYTHONPATH": _path(site)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert check.stdout.split() == ["None", "False"]
    spec = "specs/edge-onprem/mlstack.yaml"
    deploy = str(tmp_path / "deploy.git")
    out = str(tmp_path / "out")
    cache = tmp_path / "cache"
    for args in (
        ("validate", spec),
        ("compile", spec, "-o", out, "--no-cache"),
        ("publish", spec, "--repo", deploy, "-o", out),
        ("diff", spec, "--repo", deploy, "--exit-code"),
    ):
        result = _run(*args, site=site, cache=cache)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert [p for p in (cache / "deploy").iterdir() if (p / ".git").is_dir()]  # the clone
