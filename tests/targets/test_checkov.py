"""checkov over the compiled out/: no failed check unless tests/data/checkov-skips.yaml names
it with the reason. checkov runs from its own venv (.venv-checkov, made by `make test`),
because its pinned dependencies clash with ours."""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
SKIPS = ROOT / "tests" / "data" / "checkov-skips.yaml"


def _skips() -> dict[str, str]:
    data = yaml.safe_load(SKIPS.read_text()) or {}
    return {check: entry["reason"] for check, entry in data.items()}


@cache
def _failed(framework: str) -> list[tuple[str, str, str]]:
    if not CHECKOV.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHECKOV} is missing: `make test` installs it")
        pytest.skip("checkov is not installed here (make test installs it)")
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(ROOT / "out"),
            "--framework",
            framework,
            "--quiet",
            "--compact",
            "--skip-download",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    reports = json.loads(result.stdout) if result.stdout.strip() else []
    reports = reports if isinstance(reports, list) else [reports]
    return sorted(
        (check["check_id"], check["resource"], check["file_path"])
        for report in reports
        for check in report.get("results", {}).get("failed_checks", [])
    )


def test_skip_list_gives_reasons() -> None:
    for check, reason in _skips().items():
        assert check.startswith("CKV") and len(reason) > 20, check


def test_kubernetes_checks_pass_or_are_skipped_with_a_reason() -> None:
    skips = _skips()
    unexplained = [failure for failure in _failed("kubernetes") if failure[0] not in skips]
    assert unexplained == []


def test_terraform_checks_pass_or_are_skipped_with_a_reason() -> None:
    skips = _skips()
    unexplained = [failure for failure in _failed("terraform_json") if failure[0] not in skips]
    assert unexplained == []


def test_every_skip_still_matches_a_failure() -> None:
    """A fixed check leaves the list, so the list and the docs only name real exceptions."""
    failing = {
        check for framework in ("kubernetes", "terraform_json") for check, *_ in _failed(framework)
    }
    assert sorted(set(_skips()) - failing) == []


def test_out_holds_objects_checkov_scans() -> None:
    assert list(Path(ROOT / "out").rglob("kubernetes/*.yaml"))
    assert list(Path(ROOT / "out").rglob("terraform/main.tf.json"))
