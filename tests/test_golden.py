"""out/ is the compiled specs/, committed and reviewed like code; a stale out/ fails here.

Regenerate with `pytest tests/test_golden.py --update-golden` (or `make golden`), then read
the diff before committing it.
"""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

OUT = ROOT / "out"


def _compile(target: Path) -> None:
    """The plain path: no cache, one process (tests/test_compile_paths.py compares the rest)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlstack",
            "compile",
            "specs",
            "--no-cache",
            "--jobs",
            "1",
            "-o",
            str(target),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_out_is_the_compiled_specs(tmp_path: Path, update_golden: bool) -> None:
    fresh = tmp_path / "out"
    _compile(fresh)
    if update_golden:
        shutil.rmtree(OUT, ignore_errors=True)
        shutil.copytree(fresh, OUT)
        return
    expected, actual = _tree(OUT), _tree(fresh)
    assert sorted(actual) == sorted(expected), "files differ: run `make golden` and review"
    stale = [name for name in expected if expected[name] != actual[name]]
    assert stale == [], "stale golden files: run `make golden` and review the diff"


def test_compile_twice_is_byte_identical(tmp_path: Path) -> None:
    _compile(tmp_path / "a")
    _compile(tmp_path / "b")
    comparison = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b"), comparison.report()


def test_failed_compile_leaves_out_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _compile(out)
    before = _tree(out)
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (ROOT / "specs/fraud/mlstack.yaml")
        .read_text()
        .replace("model: fraud-xgb\n", "model: fraud-xbg\n", 1)
    )
    result = subprocess.run(
        [sys.executable, "-m", "mlstack", "compile", str(broken), "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "E0301" in result.stderr
    assert _tree(out) == before
