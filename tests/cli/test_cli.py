"""The command line as users run it: exit codes, formats, generated files in sync."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlstack.cli import cli
from mlstack.pipeline import check, check_files
from mlstack.reference import render as render_reference
from mlstack.schema import render as render_schema
from mlstack.starter import starter
from tests.helpers import DESIGN_REFERENCE, REFERENCE, ROOT, SPECS


def test_schema_file_is_current() -> None:
    committed = (ROOT / "mlstack.schema.json").read_text()
    assert committed == render_schema(), "run `make docs` and commit mlstack.schema.json"


def test_reference_doc_is_current() -> None:
    committed = (ROOT / "docs" / "reference.md").read_text()
    assert committed == render_reference(SPECS), "run `make docs` and commit docs/reference.md"


def test_specs_cover_every_cloud_and_validate() -> None:
    result = CliRunner().invoke(cli, ["validate", str(ROOT / "specs")])
    assert result.exit_code == 0, result.output
    texts = [p.read_text() for p in SPECS]
    for provider in ("aws", "gcp", "azure"):
        assert any(f"provider: {provider}" in t for t in texts)
    assert any("provider:" not in t for t in texts)


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure", "none"])
def test_init_writes_a_valid_starter(tmp_path: Path, cloud: str) -> None:
    target = tmp_path / "mlstack.yaml"
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["init", "--cloud", cloud, "--name", "churn", "-o", str(target)]
        ).exit_code
        == 0
    )
    assert target.read_text().startswith("# yaml-language-server: $schema=")
    result = runner.invoke(cli, ["validate", str(target)])
    assert result.exit_code == 0, result.output
    assert "(staging, prod)" in result.output
    again = runner.invoke(cli, ["init", "-o", str(target)])
    assert again.exit_code == 2


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure", "none"])
def test_starter_environments_share_no_state_or_namespace(tmp_path: Path, cloud: str) -> None:
    """The starter once had staging and prod on one state and one namespace: with a deploy
    repository added, applying or syncing one would have destroyed the other's resources."""
    gitops = "gitops:\n  repo: https://git.example.com/deploy.git\n"
    text = starter(cloud, "churn") + gitops
    (result,) = check_files([_file(tmp_path, "ok.yaml", text)])
    assert result.ok, result.diagnostics
    staging, prod = result.plans
    assert staging.namespace != prod.namespace
    if cloud != "none":
        assert staging.spec.platform.terraform.backend != prod.spec.platform.terraform.backend
    # The same starter without the overlays' own platform is refused: the check could fail.
    overlays = text.index("environments:")
    shared = text[:overlays] + re.sub(r"    platform:\n(?: {6,}.*\n)+", "", text[overlays:])
    shared = shared.replace("  prod:\ngitops", "  prod: {}\ngitops")
    assert shared.count("platform:") == 1
    (refused,) = check_files([_file(tmp_path, "shared.yaml", shared)])
    wanted = {"E0802"} | ({"E0801"} if cloud != "none" else set())
    assert {d.code for d in refused.diagnostics} == wanted


def _file(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_text(text)
    return folder / name


def test_formats_and_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: mlstack/v1alpha1\nkind: Stack\nmetadata: {name: x}\nmodles: {}\n")
    runner = CliRunner()
    as_json = runner.invoke(cli, ["validate", "--format", "json", str(bad)])
    assert as_json.exit_code == 1
    (entry,) = json.loads(as_json.stdout)
    assert (entry["code"], entry["line"], entry["column"]) == ("E0101", 4, 1)
    assert entry["hint"] == "did you mean 'models'?"
    github = runner.invoke(cli, ["validate", "--format", "github", str(bad)])
    assert github.stdout.startswith(f"::error file={bad},line=4,col=1,")
    assert runner.invoke(cli, ["validate", "--bogus", str(bad)]).exit_code == 2


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=False, cwd=ROOT
    )


def test_validate_never_loads_the_code_generators() -> None:
    probe = (
        "import sys\n"
        "from mlstack.cli import main\n"
        f"sys.argv = ['mlstack', 'validate', {str(REFERENCE)!r}]\n"
        "try:\n    main()\n"
        "finally:\n"
        "    print(sorted(m for m in sys.modules if m.split('.')[0] in ('cdk8s', 'cdktf', 'cdktn', 'jsii', 'constructs', 'git')))\n"
    )
    result = _run("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_internal_error_is_one_line_with_exit_3(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "import mlstack.pipeline as p\n"
        "def boom(*a, **k):\n    raise RuntimeError('kaboom')\n"
        "import mlstack.cli as c\n"
        "p.check = boom\n"
        f"sys.argv = ['mlstack', 'validate', {str(REFERENCE)!r}]\n"
        "c.main()\n"
    )
    result = _run("-c", probe)
    assert result.returncode == 3
    assert (
        result.stderr.strip()
        == "internal error: RuntimeError: kaboom (rerun with --debug for details)"
    )
    assert "Traceback" not in result.stderr


def test_fraud_spec_is_the_design_reference_stack() -> None:
    ours = REFERENCE.read_text().split("\n", 1)
    assert ours[0].startswith("# yaml-language-server: $schema=")
    reference = DESIGN_REFERENCE.read_text().split("\n", 1)
    assert reference[0].startswith("# Copied verbatim"), "keep the provenance line on top"
    assert ours[1] == reference[1]


def test_unreadable_file_is_a_diagnostic(tmp_path: Path) -> None:
    """E0011: a path that is not a readable file (here a directory given as a file)."""
    result = check(tmp_path)
    assert [(d.code, d.span.line if d.span else 0) for d in result.diagnostics] == [("E0011", 1)]
    assert result.diagnostics[0].message.startswith("cannot read the file: ")


def test_aws_starter_uses_pod_identity_while_unset_stays_irsa(tmp_path: Path) -> None:
    """New stacks get EKS Pod Identity written out; a stack without the field (one written
    before it existed) keeps IRSA, so its roles and annotations do not change under it."""
    gitops = "gitops:\n  repo: https://git.example.com/deploy.git\n"
    text = starter("aws", "churn") + gitops
    assert "    identity: pod-identity" in text
    (new,) = check_files([_file(tmp_path, "new.yaml", text)])
    unset = text.replace("    identity: pod-identity", "")
    (old,) = check_files([_file(tmp_path, "old.yaml", unset)])
    for result, mode in ((new, "pod-identity"), (old, "irsa")):
        assert result.ok, result.diagnostics
        assert {p.spec.platform.cloud.identity for p in result.plans} == {mode}  # type: ignore[union-attr]
