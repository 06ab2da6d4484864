"""Does the spec ask for something the declared operator releases lack
(`platform.kubernetes.versions`): a name or field the cluster's controller would reject."""

from __future__ import annotations

from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.models import InClusterTraining
from mlstack.spec.platform import KSERVE_RENAMED_MODES
from mlstack.spec.versions import at_least

OLD_MODE = {"Knative": "Serverless", "Standard": "RawDeployment"}
TRAINER_RUNTIME_PATCHES = (2, 2)
"""Trainer v2.2 replaced `podTemplateOverrides` with `runtimePatches` (CHANGELOG-2.2.md)."""
ARGO_SCHEDULES = (3, 6)
"""CronWorkflow `schedules` (a list) arrived in Argo Workflows v3.6; v4 removed `schedule`."""


def check(ctx: Context) -> None:
    kubernetes = ctx.stack.platform.kubernetes
    versions = kubernetes.versions
    mode = kubernetes.kserve.deployment_mode
    if (
        "deployment_mode" in kubernetes.kserve.model_fields_set
        and mode in OLD_MODE
        and not at_least(versions.kserve, KSERVE_RENAMED_MODES)
    ):
        ctx.error(
            "E0716",
            f"KServe {versions.kserve} does not know deployment mode '{mode}', a name of "
            "KServe 0.16 and later",
            ("platform", "kubernetes", "kserve", "deploymentMode"),
            f"write {OLD_MODE[mode]} (the same mode), or declare "
            'platform.kubernetes.versions.kserve: "0.16" or later',
        )
    scheduled = any(
        isinstance(m.training, InClusterTraining) and m.training.schedule is not None
        for m in enabled(ctx.stack.models).values()
    ) or any(p.engine == "argo" and p.schedule for p in enabled(ctx.stack.pipelines).values())
    if scheduled and not at_least(versions.argo_workflows, ARGO_SCHEDULES):
        ctx.error(
            "E0716",
            f"Argo Workflows {versions.argo_workflows} has no CronWorkflow `schedules`, which "
            "mlstack's schedules use (added in 3.6; 4.0 removed the single `schedule`)",
            ("platform", "kubernetes", "versions", "argoWorkflows"),
            'upgrade Argo Workflows and declare "3.6" or later',
        )
    trains = any(
        isinstance(m.training, InClusterTraining) and m.training.operator == "pytorchjob"
        for m in enabled(ctx.stack.models).values()
    )
    if (
        trains
        and kubernetes.kubeflow.trainer == "v2"
        and not at_least(versions.trainer, TRAINER_RUNTIME_PATCHES)
    ):
        ctx.error(
            "E0716",
            f"Kubeflow Trainer {versions.trainer} has no TrainJob runtimePatches, which "
            "place mlstack's training pods (added in 2.2, replacing podTemplateOverrides)",
            ("platform", "kubernetes", "versions", "trainer"),
            'upgrade Trainer and declare "2.2" or later, or set kubeflow.trainer: v1',
        )
