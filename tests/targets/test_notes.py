"""terraform/NOTES.md holds only prerequisites outside the stack (SPEC.md, Output), under one
heading, and `compile` says each once per stack. (A Note is a prerequisite by type: what a
spec asks that mlstack cannot do is a diagnostic, targets/terraform/blocks.py.)"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mlstack.cli import cli
from mlstack.prerequisites import HEADING, section
from tests.helpers import REFERENCE


def test_compile_says_each_prerequisite_once_per_stack(tmp_path: Path) -> None:
    """The reference stack's two environments share their cluster and account, so each of
    their NOTES.md prerequisites is said once, and nothing else is said as one."""
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["compile", str(REFERENCE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = [
        item
        for notes in sorted(out.glob("fraud/*/terraform/NOTES.md"))
        for item in section(notes.read_text("utf-8"))
    ]
    assert len(written) == 2 * len(set(written)) > 0
    lines = result.stdout.splitlines()
    heading = lines.index(
        "fraud needs, outside the stack (terraform/NOTES.md of each environment):"
    )
    said = [line.removeprefix("  - ") for line in lines[heading + 1 :] if line.startswith("  - ")]
    assert said == list(dict.fromkeys(written))
    assert all(
        text.startswith(HEADING)
        for text in (p.read_text() for p in out.glob("*/*/terraform/NOTES.md"))
    )
