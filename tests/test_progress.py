"""Progress lines: on for a terminal, off in CI logs unless asked for."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlstack.pipeline import check
from mlstack.progress import reporter
from tests.helpers import REFERENCE, ROOT


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_nothing_unless_asked_then_one_line_per_environment() -> None:
    plans = check(REFERENCE).plans
    assert reporter(None, io.StringIO()) is None
    stream = io.StringIO()
    report = reporter(True, stream)
    assert report is not None
    for done, plan in enumerate(plans, start=1):
        report(done, len(plans), plan)
    assert stream.getvalue().splitlines() == [
        f"compiled {i}/{len(plans)} environments: {p.stack}/{p.environment}"
        for i, p in enumerate(plans, start=1)
    ]


def test_a_terminal_gets_one_line_rewritten_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    plans = check(REFERENCE).plans
    stream = _Terminal()
    report = reporter(None, stream)
    assert report is not None
    for done, plan in enumerate(plans, start=1):
        report(done, len(plans), plan)
    text = stream.getvalue()
    assert text.count("\r\033[K") == len(plans) and text.endswith("\n") and text.count("\n") == 1
    assert reporter(False, _Terminal()) is None


def test_ci_keeps_the_terminal_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert reporter(None, _Terminal()) is None


def test_compile_progress_flag(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mlstack", "compile", str(REFERENCE), "-o", str(tmp_path)]
    result = subprocess.run(
        [*command, "--progress", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CI": "true"},
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("compiled ")]
    count = len(check(REFERENCE).plans)
    assert lines[-1].startswith(f"compiled {count}/{count} environments: ")
    assert len(lines) == count
