"""`gitops` -> `argocd/application.yaml`: the Argo CD Application that syncs one environment's
`kubernetes/` folder from the deploy repository.

Plain YAML, no cdk8s: the Application lives in Argo CD's namespace, not in the stack's, and
is applied once by a platform engineer (or an app-of-apps); it then keeps the rest in sync.
"""

from __future__ import annotations

from typing import Any

from mlstack.plan import Plan
from mlstack.resolve.references import enabled
from mlstack.spec.models import InClusterTraining
from mlstack.targets import Artifact, yaml_out
from mlstack.targets.kubernetes import trainjob
from mlstack.targets.kubernetes.training import on_trainer_v2
from mlstack.targets.labels import common_labels, owner_annotation


def _ignored(plan: Plan) -> list[dict[str, Any]]:
    """Fields the cluster writes into objects Argo CD applies, which would leave the
    Application OutOfSync forever: Kubeflow Trainer's webhook stamps each TrainJob
    `runtimePatches` entry with `time` (and keeps it while the entry is unchanged,
    pkg/webhooks/trainjob_webhook.go at v2.3.0). Only unscheduled TrainJobs are Argo CD's;
    scheduled ones are created by their CronWorkflow."""
    applied = any(
        isinstance(m.training, InClusterTraining)
        and m.training.schedule is None
        and on_trainer_v2(plan, m.training)
        for m in enabled(plan.spec.models).values()
    )
    if not applied:
        return []
    return [
        {
            "group": trainjob.GROUP,
            "kind": "TrainJob",
            "jqPathExpressions": [".spec.runtimePatches[].time"],
        }
    ]


def application(plan: Plan) -> dict[str, Any]:
    gitops = plan.spec.gitops
    assert gitops is not None and gitops.path is not None
    argocd = gitops.argocd
    sync: dict[str, Any] = {
        # mlstack generates the Namespace itself (with its Pod Security labels), so Argo CD
        # must not create a bare one first: no CreateNamespace=true.
        # Operator resources whose CRD is not installed yet must not fail the dry run of
        # the whole sync; they sync once the operator is there.
        "syncOptions": [
            "ServerSideApply=true",
            "PruneLast=true",
            "SkipDryRunOnMissingResource=true",
        ],
        "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"}},
    }
    if argocd.auto_sync:
        sync["automated"] = {"prune": argocd.prune, "selfHeal": argocd.self_heal}
    spec: dict[str, Any] = {
        "project": argocd.project,
        "source": {
            "repoURL": gitops.repo,
            "targetRevision": gitops.branch,
            "path": f"{gitops.path}/{plan.environment}/kubernetes",
        },
        "destination": {
            **argocd.destination.model_dump(exclude_none=True),
            "namespace": plan.namespace,
        },
        "syncPolicy": sync,
    }
    ignored = _ignored(plan) + [
        entry.model_dump(by_alias=True, exclude_defaults=True)
        for entry in argocd.ignore_differences
    ]
    if ignored:
        spec["ignoreDifferences"] = ignored
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": f"{plan.stack}-{plan.environment}",
            "namespace": argocd.namespace,
            "labels": {**common_labels(plan), **argocd.labels},
            "annotations": {
                **argocd.annotations,
                **owner_annotation(plan),
                "mlstack.dev/source": plan.source(("gitops",)),
            },
            # Deleting the Application deletes what it deployed.
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": spec,
    }


def compile_plan(plan: Plan) -> list[Artifact]:
    if plan.spec.gitops is None:
        return []
    return [Artifact("argocd/application.yaml", yaml_out.dump(application(plan)))]
