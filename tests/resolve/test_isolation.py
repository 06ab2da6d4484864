"""What environments may not share, and what mlstack may not own (resolve/isolation.py).

Each single-file rule also has a case in tests/errors; these tests cover what one file cannot
show (two stacks compiled together), the cases that must stay allowed, and what the resolved
plan grants and creates once the rules hold."""

from __future__ import annotations

from pathlib import Path

from mlstack.pipeline import check_files
from mlstack.plan import Plan, training_output
from mlstack.targets.argocd import application
from mlstack.targets.terraform.blocks import owned_artifacts
from tests.helpers import REFERENCE, check_text, codes

AWS = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {{name: {name}}}
platform:
  cloud: {{provider: aws, region: eu-west-1, account: "123456789012", cluster: ml}}
  terraform:
    backend:
      {backend}
gitops:
  repo: https://git.acme.example/platform/ml-deploy.git
  path: {path}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_two_stacks_on_one_state_are_refused_across_files(tmp_path: Path) -> None:
    backend = "s3: {bucket: tf, key: shared.tfstate, region: eu-west-1}"
    a = _write(tmp_path, "a", AWS.format(name="a", backend=backend, path="stacks/a"))
    b = _write(tmp_path, "b", AWS.format(name="b", backend=backend, path="stacks/b"))
    first, second = check_files([a, b])
    assert first.ok and first.plans, "the first file alone is fine"
    assert codes(second.diagnostics) == ["E0801"]
    assert not second.plans, "a clashing file must not compile"
    message = second.diagnostics[0].message
    assert "stack 'b'" in message and "stack 'a'" in message and str(a) in message
    assert second.diagnostics[0].span is not None and second.diagnostics[0].span.line == 8


def test_two_stacks_in_nested_deploy_folders_are_refused(tmp_path: Path) -> None:
    a = _write(
        tmp_path, "a", AWS.format(name="a", backend="s3: {bucket: tf, key: a}", path="stacks")
    )
    b = _write(
        tmp_path, "b", AWS.format(name="b", backend="s3: {bucket: tf, key: b}", path="stacks/b")
    )
    results = check_files([a, b])
    assert [codes(r.diagnostics) for r in results] == [[], ["E0803"]]
    assert "replace the other's tree" in results[1].diagnostics[0].message


def test_separate_states_folders_and_clusters_are_allowed(tmp_path: Path) -> None:
    """Same namespace on two clusters, a local state per environment folder, and prefixes
    that only share a beginning (stacks/a, stacks/ab) are not clashes."""
    text = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: fraud}
platform:
  cloud: {provider: aws, region: eu-west-1, account: "123456789012", cluster: ml}
gitops:
  repo: https://git.acme.example/platform/ml-deploy.git
  path: stacks/a
environments:
  staging:
    gitops: {argocd: {destination: {name: staging-cluster}}}
  prod:
    gitops: {argocd: {destination: {server: "https://prod.k8s.acme.example:6443"}}}
"""
    other = AWS.format(name="ab", backend="s3: {bucket: tf, key: ab}", path="stacks/ab")
    results = check_files([_write(tmp_path, "a", text), _write(tmp_path, "b", other)])
    assert [codes(r.diagnostics) for r in results] == [[], []]
    staging, prod = results[0].plans
    assert application(staging)["spec"]["destination"] == {
        "name": "staging-cluster",
        "namespace": "fraud",
    }
    assert application(prod)["spec"]["destination"] == {
        "server": "https://prod.k8s.acme.example:6443",
        "namespace": "fraud",
    }


def test_one_absolute_local_state_for_two_environments_is_refused(tmp_path: Path) -> None:
    text = AWS.format(name="a", backend="local: {path: /srv/tf/a.tfstate}", path="stacks/a")
    text += "environments:\n  staging:\n    platform: {kubernetes: {namespace: a-staging}}\n"
    text += "  prod: {}\n"
    result = check_text(tmp_path, text)
    assert codes(result.diagnostics) == ["E0801"]
    assert "environments.prod.platform.terraform.backend.local.path" in (
        result.diagnostics[0].hint or ""
    )


def _reference() -> tuple[Plan, ...]:
    (result,) = check_files([REFERENCE])
    assert result.ok
    return result.plans


def test_training_identity_writes_only_its_runs_prefix() -> None:
    """The reference's fraud-xgb is served from s3://acme-models/fraud/xgb/v7: its training
    and the pipeline step reusing it may write runs/ beside it and read nothing they serve."""
    for plan in _reference():
        assert training_output(plan.spec, "fraud-xgb") == "s3://acme-models/fraud/xgb/runs/"
        for kind, name in (("train", "fraud-xgb"), ("pipeline", "nightly-retrain")):
            grants = plan.workload(kind, name).grants
            models = [g for g in grants if g.bucket == "acme-models"]
            assert [(g.prefix, g.write) for g in models] == [("fraud/xgb/runs", True)], kind


def test_created_artifact_bucket_can_be_declined(tmp_path: Path) -> None:
    for plan in _reference():
        location = owned_artifacts(plan, "s3")
        assert location is not None and location.bucket == "acme-ml-artifacts"
    declined = REFERENCE.read_text().replace(
        "    artifacts: s3://acme-ml-artifacts/fraud\n",
        "    artifacts: s3://acme-ml-artifacts/fraud\n    createBucket: false\n",
    )
    result = check_text(tmp_path, declined)
    assert result.ok and all(owned_artifacts(p, "s3") is None for p in result.plans)


def test_createbucket_false_allows_artifacts_beside_models(tmp_path: Path) -> None:
    text = Path(__file__).parent.parent / "errors" / "ownership-artifacts-in-model-bucket.yaml"
    fixed = text.read_text().replace(
        "    database: {secret: mlflow-db}\n",
        "    database: {secret: mlflow-db}\n    createBucket: false\n",
    )
    assert check_text(tmp_path, fixed).ok
