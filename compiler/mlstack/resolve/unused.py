"""Fields a stack sets that nothing it compiles to can honour: warned about at validate time
(SPEC.md, Output: a field the runtime or cloud cannot honour is a diagnostic, a warning when
nothing is lost, never silently dropped). tests/test_no_silent_drops.py finds such fields by
changing every leaf of the examples and of generated stacks.

Warnings, not errors: the stack deploys what it says everywhere else, and the value would
matter again on another platform (a pool's `nodes` once the stack has a cloud).
"""

from __future__ import annotations

from mlstack.resolve.context import Context
from mlstack.spec.pipelines import ContainerStep
from mlstack.spec.serving import AzureMLServing, SageMakerServing
from mlstack.spec.stack import Stack

GPU_BY_INSTANCE: dict[type, str] = {SageMakerServing: "SageMaker", AzureMLServing: "Azure ML"}
"""Managed runtimes whose instance type alone decides the GPUs of a deployment."""


def check(ctx: Context) -> None:
    _without_cloud(ctx)
    _unused_models(ctx)
    _managed_accelerators(ctx)


def _without_cloud(ctx: Context) -> None:
    """On a cluster without `platform.cloud` mlstack writes no Terraform: pools exist already,
    no bucket is created and no identity is granted (storageSecret reads everything)."""
    stack = ctx.stack
    if stack.platform.cloud is not None:
        return
    for name, pool in stack.compute.items():
        if "nodes" in pool.model_fields_set:
            ctx.warn(
                "W0750",
                f"pool '{name}': nodes has no effect without platform.cloud (mlstack creates "
                "and scales node pools only on a cloud)",
                ("compute", name, "nodes"),
                "remove nodes: the cluster's own autoscaler (if any) sizes this pool",
                key=True,
            )
    mlflow = stack.tracking.mlflow
    if mlflow is not None and "create_bucket" in mlflow.model_fields_set:
        ctx.warn(
            "W0750",
            "tracking.mlflow.createBucket has no effect without platform.cloud (mlstack "
            "creates buckets only on a cloud)",
            ("tracking", "mlflow", "createBucket"),
            "remove createBucket: the artifact location must exist",
            key=True,
        )
    for name, notebook in stack.notebooks.items():
        if notebook.models:
            ctx.warn(
                "W0750",
                f"notebook '{name}': models has no effect without platform.cloud (it scopes "
                "the notebook's cloud identity; platform.kubernetes.storageSecret reads all "
                "storage)",
                ("notebooks", name, "models"),
                "remove models",
                key=True,
            )


def _referenced(stack: Stack) -> set[str]:
    """Models something refers to, enabled or not: a model whose only serving is disabled
    in one environment is still the stack's (it is served in another)."""
    names: set[str] = set()
    for serving in stack.serving.values():
        names.add(serving.model)
        if serving.canary is not None:
            names.add(serving.canary.model)
    for pipeline in stack.pipelines.values():
        names.update(
            step.model
            for step in pipeline.steps.values()
            if isinstance(step, ContainerStep) and step.model
        )
    for notebook in stack.notebooks.values():
        names.update(notebook.models)
    return names


def _unused_models(ctx: Context) -> None:
    used = _referenced(ctx.stack)
    for name, model in ctx.stack.models.items():
        if name not in used and model.training is None:
            ctx.warn(
                "W0751",
                f"model '{name}' is used by nothing: no serving, canary, pipeline step or "
                "notebook names it and it has no training, so no output depends on it",
                ("models", name),
                "serve or train it, or remove it",
                key=True,
            )


def _managed_accelerators(ctx: Context) -> None:
    for name, serving in ctx.stack.serving.items():
        if not isinstance(serving, SageMakerServing | AzureMLServing) or not serving.accelerator:
            continue
        runtime = GPU_BY_INSTANCE[type(serving)]
        ctx.warn(
            "W0752",
            f"serving '{name}': {runtime} takes GPUs through instanceType, so accelerator "
            "is not used",
            ("serving", name, "accelerator"),
            f"remove accelerator: instanceType {serving.instance_type} decides the GPUs",
            key=True,
        )
