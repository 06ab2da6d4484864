"""Escape hatches end to end: the real kustomize applies the patches, the real Terraform
merges the overrides, and a hatch that targets nothing stops the compile at its line with
out/ left as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import git
import yaml

from tests.helpers import REFERENCE, ROOT, check_text, kustomized, run_mlstack
from tests.tools import TF_PLUGIN_DIR, require_kubectl, require_terraform

PROD = """\
  prod:
    platform:
      terraform:
        backend:
          s3: {key: ml/fraud/prod.tfstate}
"""

HATCHES = """\
  prod:
    platform:
      kubernetes:
        patches:
          - target: {kind: InferenceService, name: fraud-api}
            patch: {metadata: {annotations: {sidecar.istio.io/inject: "true"}}}
          - target: {kind: Deployment, name: fraud-explain}
            patch:
              - {op: add, path: /spec/template/spec/hostNetwork, value: false}
      terraform:
        backend:
          s3: {key: ml/fraud/prod.tfstate}
        overrides:
          resource:
            aws_eks_node_group:
              cpu: {capacity_type: SPOT}
"""

MIRRORED_AWS = "5.100.0"


def _spec(tmp_path: Path, hatches: str = HATCHES) -> Path:
    text = REFERENCE.read_text()
    assert PROD in text
    spec = tmp_path / "fraud.yaml"
    spec.write_text(text.replace(PROD, hatches))
    return spec


def _compile(tmp_path: Path, spec: Path) -> subprocess.CompletedProcess[str]:
    return run_mlstack("compile", str(spec), "-o", str(tmp_path / "out"), cache=tmp_path)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_kustomize_applies_both_kinds_of_patch(tmp_path: Path) -> None:
    require_kubectl()
    compiled = _compile(tmp_path, _spec(tmp_path))
    assert compiled.returncode == 0, compiled.stderr
    objects = kustomized(tmp_path / "out" / "fraud" / "prod" / "kubernetes")
    service = objects["InferenceService", "fraud-api"]
    assert service["metadata"]["annotations"]["sidecar.istio.io/inject"] == "true"
    # The patch adds; it keeps what mlstack wrote.
    assert "mlstack.dev/source" in service["metadata"]["annotations"]
    assert (
        service["spec"]
        == yaml.safe_load(
            (tmp_path / "out/fraud/prod/kubernetes/inferenceservice-fraud-api.yaml").read_text()
        )["spec"]
    )
    pod = objects["Deployment", "fraud-explain"]["spec"]["template"]["spec"]
    assert pod["hostNetwork"] is False
    # Staging has no patches: its kustomization has none.
    staging = (tmp_path / "out/fraud/staging/kubernetes/kustomization.yaml").read_text()
    assert "patches" not in yaml.safe_load(staging)


def _terraform(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_terraform()[0], f"-chdir={folder}", *args, "-no-color"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "TF_IN_AUTOMATION": "1"},
    )


def _validated(terraform: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`terraform init` + `validate` of a copy, on the provider the local mirror holds (init
    already reads the override files): the first that fails, or validate's success."""
    copy = tmp_path / "tf"
    shutil.copytree(terraform, copy)
    main = json.loads((copy / "main.tf.json").read_text())
    main["terraform"]["required_providers"]["aws"]["version"] = MIRRORED_AWS
    (copy / "main.tf.json").write_text(json.dumps(main))
    init = _terraform(
        copy, "init", f"-plugin-dir={TF_PLUGIN_DIR}", "-backend=false", "-input=false"
    )
    return init if init.returncode else _terraform(copy, "validate")


def test_terraform_merges_the_override_and_refuses_one_of_nothing(tmp_path: Path) -> None:
    require_terraform()
    compiled = _compile(tmp_path, _spec(tmp_path))
    assert compiled.returncode == 0, compiled.stderr
    terraform = tmp_path / "out" / "fraud" / "prod" / "terraform"
    override = json.loads((terraform / "override.tf.json").read_text())
    assert override == {"resource": {"aws_eks_node_group": {"cpu": {"capacity_type": "SPOT"}}}}
    assert not (tmp_path / "out/fraud/staging/terraform/override.tf.json").exists()
    valid = _validated(terraform, tmp_path / "good")
    assert valid.returncode == 0, valid.stderr
    # What the compile check below stands in for: Terraform itself refuses the override of a
    # block that does not exist, but only once it runs.
    (terraform / "override.tf.json").write_text(
        json.dumps({"resource": {"aws_eks_node_group": {"cpux": {"capacity_type": "SPOT"}}}})
    )
    refused = _validated(terraform, tmp_path / "bad")
    assert refused.returncode == 1
    assert "Missing resource to override" in refused.stderr


def test_a_hatch_of_nothing_stops_the_compile_at_its_line(tmp_path: Path) -> None:
    good = _spec(tmp_path)
    assert _compile(tmp_path, good).returncode == 0
    before = _snapshot(tmp_path / "out")
    bad = good.read_text().replace("name: fraud-explain}", "name: fraud-explian}")
    bad = bad.replace("cpu: {capacity_type", "gpux: {capacity_type")
    good.write_text(bad)
    lines = bad.splitlines()
    patch_line = next(i for i, line in enumerate(lines, 1) if "fraud-explian" in line)
    override_line = next(i for i, line in enumerate(lines, 1) if "gpux:" in line)
    failed = _compile(tmp_path, good)
    assert failed.returncode == 1
    assert f"fraud.yaml:{patch_line}:" in failed.stderr
    assert "error[E0901]: patch 2 of environment 'prod' targets Deployment 'fraud-explian'" in (
        failed.stderr
    )
    assert "did you mean 'fraud-explain'?" in failed.stderr
    assert f"fraud.yaml:{override_line}:" in failed.stderr
    assert "error[E0902]: override of resource.aws_eks_node_group.gpux" in failed.stderr
    assert "did you mean 'gpu'?" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert _snapshot(tmp_path / "out") == before


def test_an_environment_that_drops_the_target_is_refused(tmp_path: Path) -> None:
    """A base patch of a notebook one environment disables is that environment's mistake."""
    base_patch = """\
  kubernetes:
    namespace: fraud
    patches:
      - target: {kind: Notebook, name: research}
        patch: {metadata: {labels: {tier: gold}}}
"""
    text = REFERENCE.read_text().replace("  kubernetes:\n    namespace: fraud\n", base_patch, 1)
    text = text.replace(PROD, PROD + "    notebooks:\n      research: {enabled: false}\n", 1)
    spec = tmp_path / "fraud.yaml"
    spec.write_text(text)
    failed = _compile(tmp_path, spec)
    assert failed.returncode == 1, failed.stderr
    assert "E0901]: patch 1 of environment 'prod'" in failed.stderr
    assert "environment 'staging'" not in failed.stderr


def test_diff_shows_the_patched_objects_changed(tmp_path: Path) -> None:
    spec = tmp_path / "fraud.yaml"
    spec.write_text(REFERENCE.read_text())
    deploy = tmp_path / "deploy.git"
    out = str(tmp_path / "out")
    published = run_mlstack("publish", str(spec), "--repo", str(deploy), "-o", out, cache=tmp_path)
    assert published.returncode == 0, published.stderr
    _spec(tmp_path)
    changed = run_mlstack("diff", str(spec), "--repo", str(deploy), cache=tmp_path)
    assert changed.returncode == 0, changed.stderr
    lines = changed.stdout.splitlines()
    assert lines[lines.index("changed InferenceService fraud-api") + 1] == (
        "    metadata.annotations.sidecar.istio.io/inject ∅ → true"
    )
    assert lines[lines.index("changed Deployment fraud-explain") + 1] == (
        "    spec.template.spec.hostNetwork ∅ → false"
    )
    node_group = lines.index("changed aws_eks_node_group cpu")
    assert lines[node_group + 1].startswith("    capacity_type ")
    assert lines[node_group + 1].endswith(" → SPOT")
    assert "== fraud/staging" not in changed.stdout


def test_overlays_replace_patches_and_merge_overrides(tmp_path: Path) -> None:
    text = REFERENCE.read_text().replace(
        "  terraform:\n    backend:\n",
        "  terraform:\n    overrides:\n      resource:\n        aws_eks_node_group:\n"
        "          gpu: {capacity_type: SPOT}\n    backend:\n",
        1,
    )
    text = text.replace(
        "  kubernetes:\n    namespace: fraud\n",
        "  kubernetes:\n    namespace: fraud\n    patches:\n"
        "      - target: {kind: Notebook, name: research}\n"
        "        patch: {metadata: {labels: {base: 'yes'}}}\n",
        1,
    )
    result = check_text(tmp_path, text.replace(PROD, HATCHES))
    assert result.ok, result.diagnostics
    plans = {plan.environment: plan.spec.platform for plan in result.plans}
    assert [p.target.name for p in plans["staging"].kubernetes.patches] == ["research"]
    assert [p.target.name for p in plans["prod"].kubernetes.patches] == [
        "fraud-api",
        "fraud-explain",
    ]
    assert plans["staging"].terraform.overrides == {
        "resource": {"aws_eks_node_group": {"gpu": {"capacity_type": "SPOT"}}}
    }
    assert plans["prod"].terraform.overrides == {
        "resource": {
            "aws_eks_node_group": {
                "gpu": {"capacity_type": "SPOT"},
                "cpu": {"capacity_type": "SPOT"},
            }
        }
    }


MIGRATED = ROOT / "tests" / "data" / "migration" / "churn.yaml"
"""An existing InferenceService and its Argo CD Application, said as a spec (docs/kubernetes.md,
"Moving an existing deployment in"): fields for what mlstack models, a patch for the rest."""


def test_a_migrated_inference_service_keeps_what_it_had(tmp_path: Path) -> None:
    require_kubectl()
    compiled = _compile(tmp_path, MIGRATED)
    assert compiled.returncode == 0, compiled.stderr
    environment = tmp_path / "out" / "churn" / "default"
    objects = kustomized(environment / "kubernetes")
    isvc = objects["InferenceService", "churn"]
    predictor = isvc["spec"]["predictor"]
    assert (predictor["containerConcurrency"], predictor["timeout"]) == (8, 30)
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (2, 6)
    assert predictor["priorityClassName"] == "ml-critical"
    assert {"key": "ml", "operator": "Exists", "effect": "NoSchedule"} in predictor["tolerations"]
    assert predictor["model"]["env"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert isvc["metadata"]["annotations"]["sidecar.istio.io/inject"] == "true"
    account = objects["ServiceAccount", predictor["serviceAccountName"]]
    assert account["imagePullSecrets"] == [{"name": "harbor-pull"}]
    application = yaml.safe_load((environment / "argocd" / "application.yaml").read_text())
    assert application["spec"]["source"]["path"] == "stacks/churn/default/kubernetes"
    assert application["spec"]["syncPolicy"]["automated"]


def test_diff_against_a_base_whose_patch_targets_nothing(tmp_path: Path) -> None:
    config = git.Repo.init(tmp_path / "config", initial_branch="main")
    spec = tmp_path / "config" / "mlstack.yaml"
    good = _spec(tmp_path).read_text()
    spec.write_text(good.replace("name: fraud-explain}", "name: fraud-explian}"))
    config.index.add(["mlstack.yaml"])
    config.index.commit("base", author=git.Actor("t", "t@example.com"))
    spec.write_text(good)
    result = run_mlstack("diff", "mlstack.yaml", "--base", "HEAD", cwd=spec.parent, cache=tmp_path)
    assert result.returncode == 1
    assert "error: the stacks at HEAD do not compile: patch 2 of environment 'prod'" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
