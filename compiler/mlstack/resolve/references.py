"""Cross-references: every name used must be defined, enabled, and form no cycle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlstack.load import PathKey
from mlstack.parse import describe
from mlstack.resolve.context import Context
from mlstack.spec.models import InClusterTraining, ManagedTraining
from mlstack.spec.pipelines import ContainerStep, SparkStep
from mlstack.spec.stack import Stack
from mlstack.suggest import did_you_mean

_CODES = {
    "model": "E0301", "pool": "E0302", "serving": "E0303", "step": "E0305", "receiver": "E0310",
}  # fmt: skip
_SECTION_PATH: dict[str, PathKey] = {
    "model": ("models",),
    "pool": ("compute",),
    "serving": ("serving",),
    "step": (),
    "receiver": ("monitoring", "receivers"),
}
_SECTIONS = {
    "model": "models", "pool": "compute", "serving": "serving", "step": "steps",
    "receiver": "monitoring.receivers",
}  # fmt: skip


def enabled(table: Mapping[str, Any]) -> dict[str, Any]:
    return {name: item for name, item in table.items() if getattr(item, "enabled", True)}


def _ref(
    ctx: Context, what: str, name: str, table: Mapping[str, Any], user: PathKey, path: PathKey
) -> bool:
    """Report a dangling or disabled reference; True when the reference is usable."""
    if (*_SECTION_PATH[what], name) in ctx.broken:
        return False
    if name not in table:
        ctx.error(
            _CODES[what],
            f"{describe(user)} uses {what} '{name}', which is not defined",
            path,
            did_you_mean(name, table) or f"define it under '{_SECTIONS[what]}'",
        )
        return False
    if not getattr(table[name], "enabled", True):
        ctx.error(
            "E0307",
            f"{describe(user)} uses {what} '{name}', which is disabled{ctx.env_note}",
            path,
            f"disable {describe(user)} too, or enable {what} '{name}'",
        )
        return False
    return True


def receivers(ctx: Context) -> None:
    """Every receiver named by a route or an alert exists and is enabled."""
    monitoring = ctx.stack.monitoring
    for severity in ("page", "ticket", "info"):
        path: PathKey = ("monitoring", "routes", severity)
        for index, name in enumerate(getattr(monitoring.routes, severity)):
            _ref(ctx, "receiver", name, monitoring.receivers, path, (*path, index))
    for name, alert in enabled(monitoring.alerts).items():
        user: PathKey = ("monitoring", "alerts", name)
        for index, receiver in enumerate(alert.receivers):
            _ref(ctx, "receiver", receiver, monitoring.receivers, user, (*user, "receivers", index))


def check(ctx: Context) -> None:
    stack = ctx.stack
    receivers(ctx)
    models, pools, servings = stack.models, stack.compute, stack.serving
    for name, model in enabled(models).items():
        training = model.training
        if isinstance(training, InClusterTraining) and training.pool:
            _ref(
                ctx,
                "pool",
                training.pool,
                pools,
                ("models", name),
                ("models", name, "training", "pool"),
            )
    for name, serving in enabled(servings).items():
        user: PathKey = ("serving", name)
        _ref(ctx, "model", serving.model, models, user, (*user, "model"))
        if serving.canary is not None and (
            _ref(ctx, "model", serving.canary.model, models, user, (*user, "canary", "model"))
            and serving.canary.model == serving.model
        ):
            ctx.error(
                "E0304",
                f"{describe(user)} has a canary of the model it already serves",
                (*user, "canary", "model"),
                "name the candidate model in canary.model",
            )
        pool = getattr(serving, "pool", None)
        if pool:
            _ref(ctx, "pool", pool, pools, user, (*user, "pool"))
    for name, notebook in enabled(stack.notebooks).items():
        user = ("notebooks", name)
        if notebook.pool:
            _ref(ctx, "pool", notebook.pool, pools, user, (*user, "pool"))
        for index, model_name in enumerate(notebook.models):
            _ref(ctx, "model", model_name, models, user, (*user, "models", index))
    for name, pipeline in enabled(stack.pipelines).items():
        _pipeline(ctx, name, pipeline)
    for name, alert in enabled(stack.monitoring.alerts).items():
        user = ("monitoring", "alerts", name)
        if alert.serving is None:
            continue
        if (
            _ref(ctx, "serving", alert.serving, servings, user, (*user, "serving"))
            and alert.metric == "drift"
            and alert.serving not in enabled(stack.monitoring.drift)
        ):
            ctx.error(
                "E0308",
                f"{describe(user)} alerts on drift, but serving '{alert.serving}' has no drift check{ctx.env_note}",
                (*user, "metric"),
                f"add monitoring.drift.{alert.serving} with a reference dataset",
            )
    for name in enabled(stack.monitoring.drift):
        user = ("monitoring", "drift", name)
        if ("serving", name) in ctx.broken:
            continue
        if name not in servings:
            ctx.error(
                "E0303",
                f"drift check '{name}' is keyed by a serving that is not defined",
                user,
                did_you_mean(name, servings) or _serving_of(stack, name),
                key=True,
            )
        elif not servings[name].enabled:
            ctx.error(
                "E0307",
                f"drift check '{name}' watches serving '{name}', which is disabled{ctx.env_note}",
                user,
                f"disable monitoring.drift.{name} too",
                key=True,
            )


SPARKLESS_ENGINES = {
    "sagemaker": "use engine: argo (Spark Operator) for Spark steps",
    "kubeflow": "use engine: argo (Spark Operator) for Spark steps: every step of a Kubeflow "
    "run shares one account, so none can be given the API token a SparkApplication needs",
}
"""Engines without Spark steps, and the hint that says why."""


def _pipeline(ctx: Context, name: str, pipeline: Any) -> None:
    steps = pipeline.steps
    live = enabled(steps)
    for step_name, step in live.items():
        user: PathKey = ("pipelines", name, "steps", step_name)
        for index, dependency in enumerate(step.depends_on):
            _ref(ctx, "step", dependency, steps, user, (*user, "dependsOn", index))
        if getattr(step, "pool", None):
            _ref(ctx, "pool", step.pool, ctx.stack.compute, user, (*user, "pool"))
        if isinstance(step, ContainerStep) and step.model is not None:
            if not _ref(ctx, "model", step.model, ctx.stack.models, user, (*user, "model")):
                continue
            training = ctx.stack.models[step.model].training
            wanted = ManagedTraining if pipeline.engine == "sagemaker" else InClusterTraining
            if training is None:
                ctx.error(
                    "E0309",
                    f"{describe(user)} reuses the training of model '{step.model}', which has none",
                    (*user, "model"),
                    f"add models.{step.model}.training, or give the step an image",
                )
            elif not isinstance(training, wanted) or (
                wanted is ManagedTraining and training.operator != "sagemaker"
            ):
                ctx.error(
                    "E0704",
                    f"{describe(user)} runs on engine '{pipeline.engine}', which cannot run the '{training.operator}' training of model '{step.model}'",
                    (*user, "model"),
                    "sagemaker pipelines run sagemaker training; argo and kubeflow run pytorchjob, tfjob or job training",
                )
        if isinstance(step, SparkStep) and pipeline.engine in SPARKLESS_ENGINES:
            ctx.error(
                "E0704",
                f"{describe(user)} is a spark step, which engine '{pipeline.engine}' cannot run",
                (*user, "kind"),
                SPARKLESS_ENGINES[pipeline.engine],
            )
    _cycles(ctx, name, live)


def _cycles(ctx: Context, pipeline: str, steps: Mapping[str, Any]) -> None:
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(step: str, trail: list[str]) -> None:
        state[step] = 1
        for dependency in steps[step].depends_on:
            if dependency not in steps:
                continue
            if state.get(dependency) == 1:
                cycle = [*trail[trail.index(dependency) :], dependency]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    ctx.error(
                        "E0306",
                        f"steps of pipeline '{pipeline}' depend on each other in a cycle: {' -> '.join(cycle)}",
                        ("pipelines", pipeline, "steps", step, "dependsOn"),
                        "a pipeline is a DAG: remove one of these dependsOn entries",
                        key=True,
                    )
            elif dependency not in state:
                visit(dependency, [*trail, dependency])
        state[step] = 2

    for step in sorted(steps):
        if step not in state:
            visit(step, [step])


def _serving_of(stack: Stack, model: str) -> str:
    """A drift check keyed by a model is the usual slip: name the serving that serves it."""
    serving = next((n for n, s in stack.serving.items() if s.model == model), None)
    if serving is not None:
        return f"drift checks are keyed by serving name: model '{model}' is served by '{serving}'"
    return "drift checks are keyed by serving name"
