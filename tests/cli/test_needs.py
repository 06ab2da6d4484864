"""`gitops.terraform.apply: none`: compile says, once per stack, which Terraform outputs the
cluster needs and how to hand them to publish; with the default (ci) the workflow does it."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ROOT, run_mlstack

VISION = ROOT / "specs/vision-azure/mlstack.yaml"


def _compile(tmp: Path, apply: str | None) -> str:
    text = VISION.read_text()
    if apply is not None:
        text = text.replace(
            "  path: stacks/vision\n", f"  path: stacks/vision\n  terraform: {{apply: {apply}}}\n"
        )
    spec = tmp / "vision.yaml"
    spec.write_text(text)
    done = run_mlstack("compile", str(spec), "-o", str(tmp / "out"), cache=tmp)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_applied_outside_mlstack_compile_names_the_outputs_once(tmp_path: Path) -> None:
    said = [line for line in _compile(tmp_path, "none").splitlines() if "apply: none" in line]
    assert said == [
        "vision: Terraform is applied outside mlstack (gitops.terraform.apply: none); the "
        "cluster needs its output azure_workload_client_ids of prod, staging: after apply, "
        "publish with --terraform-outputs DIR holding DIR/vision/ENV.json (terraform output "
        "-json)"
    ]


def test_applied_by_ci_compile_says_nothing_more(tmp_path: Path) -> None:
    assert "--terraform-outputs" not in _compile(tmp_path, None)
