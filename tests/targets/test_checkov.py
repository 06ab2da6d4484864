"""checkov over the compiled out/: every failed (check, resource) pair is waived in
tests/data/checkov-skips.yaml, per check with the reason and the resources it covers, and every
waived pair still fails. Waiving a check id alone would let a new resource that fails an
already-waived check pass unseen. checkov runs from its own venv (.venv-checkov, made by
`make install`), because its pinned dependencies clash with ours."""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path

import yaml

from tests.helpers import ROOT
from tests.tools import require_path

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
SKIPS = ROOT / "tests" / "data" / "checkov-skips.yaml"
OUT = ROOT / "out"
FRAMEWORKS = ("kubernetes", "terraform_json")


def _waivers() -> dict[str, dict[str, object]]:
    return yaml.safe_load(SKIPS.read_text()) or {}


def waived() -> set[tuple[str, str]]:
    return {
        (check, resource)
        for check, entry in _waivers().items()
        for resource in entry.get("resources", [])  # type: ignore[attr-defined]
    }


def _terraform_type(file: Path, first_line: int) -> str:
    """The resource type of the block that starts at `first_line` of an indented main.tf.json:
    checkov's terraform_json runner sometimes names a resource `resource.NAME`."""
    lines = file.read_text().splitlines()[:first_line]
    indent = len(lines[-1]) - len(lines[-1].lstrip())
    for line in reversed(lines):
        if len(line) - len(line.lstrip()) == indent - 2:
            return str(json.loads("{" + line.strip().rstrip("{").rstrip() + "0}").popitem()[0])
    raise AssertionError(f"no block type above line {first_line} of {file}")


def resource_key(check: dict[str, object]) -> str:
    """STACK/RESOURCE, the same in every environment of a stack: `Kind/name` for Kubernetes
    (the namespace differs per environment), `type.name` for Terraform."""
    file_path = str(check["file_path"]).lstrip("/")
    stack = file_path.split("/", 1)[0]
    resource = str(check["resource"])
    if file_path.endswith(".tf.json"):
        name = resource.split(".", 1)[1]
        if resource.startswith("resource."):
            first_line = check["file_line_range"][0]  # type: ignore[index]
            resource = f"{_terraform_type(OUT / file_path, first_line)}.{name}"
        return f"{stack}/{resource}"
    kind, _namespace, name = resource.split(".", 2)
    return f"{stack}/{kind}/{name}"


@cache
def _checkov(framework: str) -> tuple[dict[str, object], ...]:
    require_path(CHECKOV, install="make install (checkov gets its own .venv-checkov)")
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(OUT),
            "--framework",
            framework,
            "--quiet",
            "--compact",
            "--skip-download",
            # checkov reads an override file as blocks of their own, not merged into the ones
            # they change (as Terraform does): the overridden blocks are checked in main.tf.json.
            "--skip-path",
            "override\\.tf\\.json$",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"},
    )
    reports = json.loads(result.stdout) if result.stdout.strip() else []
    reports = reports if isinstance(reports, list) else [reports]
    assert reports, f"checkov printed no report: {result.stderr[-2000:]}"
    return tuple(
        check for report in reports for check in report.get("results", {}).get("failed_checks", [])
    )


def failures(framework: str) -> set[tuple[str, str]]:
    return {(str(check["check_id"]), resource_key(check)) for check in _checkov(framework)}


def test_every_waiver_gives_a_reason_and_resources() -> None:
    for check, entry in _waivers().items():
        assert check.startswith("CKV"), check
        assert len(str(entry.get("reason", ""))) > 20, check
        resources = entry.get("resources")
        assert isinstance(resources, list) and resources, f"{check}: list the resources it waives"
        assert resources == sorted(set(resources)), f"{check}: keep resources sorted and unique"


def test_kubernetes_failures_are_all_waived() -> None:
    assert sorted(failures("kubernetes") - waived()) == []


def test_terraform_failures_are_all_waived() -> None:
    assert sorted(failures("terraform_json") - waived()) == []


def test_every_waiver_still_matches_a_failure() -> None:
    """A fixed resource leaves the list, so the list and the docs only name real exceptions."""
    failing = set().union(*(failures(framework) for framework in FRAMEWORKS))
    assert sorted(waived() - failing) == []


def test_resource_keys_name_the_block_type() -> None:
    """The `resource.NAME` quirk is resolved to the real type, and checkov saw both trees."""
    keys = {key for framework in FRAMEWORKS for _, key in failures(framework)}
    assert any(key.startswith("vision/azurerm_kubernetes_cluster_node_pool.") for key in keys)
    assert any(key.startswith("fraud/Deployment/") for key in keys)
    assert not any("/resource." in key for key in keys)
