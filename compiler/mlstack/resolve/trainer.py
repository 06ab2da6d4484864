"""Does in-cluster training fit the Kubeflow Trainer API the cluster runs
(`platform.kubernetes.kubeflow.trainer`)."""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.models import InClusterTraining


def check(ctx: Context) -> None:
    if ctx.stack.platform.kubernetes.kubeflow.trainer != "v2":
        return
    for name, model in enabled(ctx.stack.models).items():
        if isinstance(model.training, InClusterTraining):
            _trainer_v2(ctx, name, model.training)


def _trainer_v2(ctx: Context, name: str, training: InClusterTraining) -> None:
    """What Kubeflow Trainer v2 cannot do as v1 did: it has no TensorFlow runtime, a TrainJob
    has no backoffLimit (its runtime's Job retries, Kubernetes' default 6, then the JobSet
    fails). Not checked: whether the command starts torchrun, the only reader of the PET_*
    variables the torch runtime sets (docs/choices.md: the reference stack itself does not)."""
    path: PathKey = ("models", name, "training")
    if training.operator == "tfjob":
        ctx.error(
            "E0717",
            f"model '{name}' trains with operator 'tfjob', which Kubeflow Trainer v2 cannot "
            "run (it has no TensorFlow runtime)",
            (*path, "operator"),
            "set platform.kubernetes.kubeflow.trainer: v1 to keep the Training Operator's "
            "TFJob, or train with pytorchjob or job",
        )
    elif training.operator == "pytorchjob" and "backoff_limit" in training.model_fields_set:
        ctx.warn(
            "W0715",
            f"model '{name}': a Kubeflow Trainer v2 TrainJob has no backoffLimit; its "
            "runtime's Job retries (Kubernetes' default, 6)",
            (*path, "backoffLimit"),
            "remove backoffLimit, or set platform.kubernetes.kubeflow.trainer: v1 for a "
            "PyTorchJob with this limit",
        )
