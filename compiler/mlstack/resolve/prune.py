"""Remove what an environment disabled, and fill defaults that depend on other fields."""

from __future__ import annotations

from typing import Any

from mlstack.resolve.references import enabled
from mlstack.spec import Stack


def prune(stack: Stack) -> Stack:
    pipelines = {
        name: p.model_copy(update={"steps": enabled(p.steps)})
        for name, p in enabled(stack.pipelines).items()
    }
    monitoring = stack.monitoring.model_copy(
        update={
            "alerts": enabled(stack.monitoring.alerts),
            "drift": enabled(stack.monitoring.drift),
        }
    )
    update: dict[str, Any] = {
        "compute": enabled(stack.compute),
        "models": enabled(stack.models),
        "pipelines": pipelines,
        "notebooks": enabled(stack.notebooks),
        "serving": enabled(stack.serving),
        "monitoring": monitoring,
        "environments": {},
    }
    if stack.features is not None:
        update["features"] = stack.features.model_copy(
            update={"groups": enabled(stack.features.groups)}
        )
    kubernetes = stack.platform.kubernetes
    if kubernetes.namespace is None:
        platform = stack.platform.model_copy(
            update={"kubernetes": kubernetes.model_copy(update={"namespace": stack.metadata.name})}
        )
        update["platform"] = platform
    if stack.gitops is not None and stack.gitops.path is None:
        update["gitops"] = stack.gitops.model_copy(update={"path": f"stacks/{stack.metadata.name}"})
    return stack.model_copy(update=update)
