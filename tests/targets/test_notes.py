"""terraform/NOTES.md holds only prerequisites outside the stack (SPEC.md, Output), and
`compile` says each once per stack. Every `Note(...)` in the Terraform target is read from
the source: one that is not `kind="prerequisite"` must be in a module another branch is
rewriting (UNSORTED), which keeps such notes in a section of their own until it lands."""

from __future__ import annotations

import ast
from pathlib import Path

from click.testing import CliRunner

from mlstack.cli import cli
from mlstack.prerequisites import HEADING, section
from tests.helpers import REFERENCE, ROOT

TARGET = ROOT / "compiler" / "mlstack" / "targets" / "terraform"

UNSORTED = {
    "aws_lambda": "managed-gcp-aws (provisioned concurrency); the ECR note is left to convert",
    "aws_serving": "anti-drop: the no-prebuilt-image-in-region note is left to convert",
    "azure_alarms": "managed-azure (ratio alerts)",
    "azure_functions": "managed-azure (AcrPull, scaling)",
    "azure_serving": "managed-azure (traffic, autoscale, AcrPull, canary)",
    "gcp_serving": "managed-gcp-aws (Vertex deployed model, Cloud Run invokers)",
}
"""Module -> the branch replacing its notes with resources or diagnostics."""


def _notes(path: Path) -> list[tuple[int, bool]]:
    """(line, is a prerequisite) of every Note(...) call in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Note":
            kinds = [k.value for k in node.keywords if k.arg == "kind"]
            prerequisite = any(
                isinstance(k, ast.Constant) and k.value == "prerequisite" for k in kinds
            )
            found.append((node.lineno, prerequisite))
    return found


def test_every_note_is_a_prerequisite() -> None:
    unsorted = {
        f"{path.stem}:{line}"
        for path in sorted(TARGET.glob("*.py"))
        for line, prerequisite in _notes(path)
        if not prerequisite
    }
    stray = sorted(n for n in unsorted if n.split(":")[0] not in UNSORTED)
    assert not stray, f"not a prerequisite (make it a diagnostic, or docs): {stray}"
    stale = sorted(set(UNSORTED) - {n.split(":")[0] for n in unsorted})
    assert not stale, f"no unsorted note left (remove the entry): {stale}"


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
