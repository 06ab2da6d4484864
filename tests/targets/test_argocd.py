"""The Argo CD Application per environment: valid against the Application CRD, pointing at
the environment's folder in the deploy repo, with the sync policy the spec asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mlstack.pipeline import check
from mlstack.targets import argocd
from tests.helpers import REFERENCE, ROOT, SPECS
from tests.targets.schemas import problems
from tests.targets.test_training import _objects


@pytest.mark.parametrize("spec", SPECS, ids=[p.parent.name for p in SPECS])
def test_applications_are_valid(spec: Path) -> None:
    plans = check(spec).plans
    assert plans, "the spec must resolve, or the loop below checks nothing"
    for plan in plans:
        for artifact in argocd.compile_plan(plan):
            assert problems(yaml.safe_load(artifact.content), "1.33") == []


def test_reference_application_fields() -> None:
    staging, prod = check(REFERENCE).plans
    app = yaml.safe_load(argocd.compile_plan(staging)[0].content)
    assert app["metadata"]["name"] == "fraud-staging"
    assert app["metadata"]["namespace"] == "argocd"
    assert app["spec"]["project"] == "ml-platform"
    assert app["spec"]["source"] == {
        "repoURL": "https://git.acme.example/platform/ml-deploy.git",
        "targetRevision": "main",
        "path": "stacks/fraud/staging/kubernetes",
    }
    assert app["spec"]["destination"]["namespace"] == "fraud-staging"
    assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert not any(
        o.startswith("CreateNamespace") for o in app["spec"]["syncPolicy"]["syncOptions"]
    )
    assert (
        yaml.safe_load(argocd.compile_plan(prod)[0].content)["spec"]["destination"]["namespace"]
        == "fraud"
    )


def test_no_gitops_no_application(tmp_path: Path) -> None:
    text = REFERENCE.read_text()
    cut = text[: text.index("gitops:")] + text[text.index("environments:") :]
    path = tmp_path / "s.yaml"
    path.write_text(cut)
    assert [argocd.compile_plan(p) for p in check(path).plans] == [[], []]


def test_the_trainer_webhooks_time_stamp_does_not_leave_the_application_out_of_sync() -> None:
    """Trainer's webhook writes `runtimePatches[].time` into every TrainJob; Argo CD must not
    see it as drift of the TrainJobs it applies (unscheduled ones), and nothing else is
    ignored (scheduled TrainJobs are created by their CronWorkflow, not by Argo CD)."""
    edge = next(p for p in check(ROOT / "specs" / "edge-onprem" / "mlstack.yaml").plans)
    app = yaml.safe_load(argocd.compile_plan(edge)[0].content)
    assert app["spec"]["ignoreDifferences"] == [
        {
            "group": "trainer.kubeflow.org",
            "kind": "TrainJob",
            "jqPathExpressions": [".spec.runtimePatches[].time"],
        }
    ]
    for plan in check(REFERENCE).plans:  # fraud: its one TrainJob is scheduled
        assert (
            "ignoreDifferences" not in yaml.safe_load(argocd.compile_plan(plan)[0].content)["spec"]
        )


def test_the_specs_argo_cd_settings_reach_its_application() -> None:
    """recsys subscribes its Applications to Argo CD notifications and ignores the restart
    stamp of `kubectl rollout restart` on Deployments, which it has (the Triton serving), so
    the entry is not a no-op."""
    plans = check(ROOT / "specs" / "recsys-gcp" / "mlstack.yaml").plans
    for plan in plans:
        app = yaml.safe_load(argocd.compile_plan(plan)[0].content)
        assert (
            app["metadata"]["annotations"][
                "notifications.argoproj.io/subscribe.on-sync-failed.slack"
            ]
            == "recsys-ml"
        )
        assert app["metadata"]["annotations"]["mlstack.dev/source"].endswith("#/gitops")
        assert app["spec"]["ignoreDifferences"] == [
            {
                "group": "apps",
                "kind": "Deployment",
                "jsonPointers": [
                    "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"
                ],
            }
        ]
        assert any(
            kind == "Deployment" and obj["apiVersion"] == "apps/v1"
            for (kind, _), obj in _objects("recsys-gcp", plan.environment).items()
        )


def test_user_labels_win_over_stack_labels_but_not_over_mlstacks(tmp_path: Path) -> None:
    text = REFERENCE.read_text().replace(
        "  argocd:\n", "  argocd:\n    labels: {team: risk-oncall, tier: critical}\n", 1
    )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    app = yaml.safe_load(argocd.compile_plan(check(path).plans[0])[0].content)
    labels = app["metadata"]["labels"]
    assert (labels["team"], labels["tier"]) == ("risk-oncall", "critical")
    assert labels["mlstack.dev/stack"] == "fraud"
    assert problems(app, "1.33") == []
