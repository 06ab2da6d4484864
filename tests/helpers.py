"""Shared test helpers: load YAML text through the real pipeline."""

from __future__ import annotations

from pathlib import Path

from mlstack.diagnostics import Diagnostic
from mlstack.pipeline import Checked, check

ROOT = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = ROOT.parent / "shared" / "design" / "reference-stack.yaml"
REFERENCE = ROOT / "specs" / "fraud" / "mlstack.yaml"
"""The reference stack of the design docs, with the editor's schema line on top."""
SPECS = sorted((ROOT / "specs").glob("*/mlstack.yaml"))


def check_text(tmp_path: Path, text: str, name: str = "mlstack.yaml") -> Checked:
    path = tmp_path / name
    path.write_text(text)
    return check(path)


def codes(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


MINIMAL = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: demo}
"""
