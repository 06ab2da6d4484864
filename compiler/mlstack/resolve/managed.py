"""Settings of the clouds' managed ML services against what the stack runs on them: a setting
nothing runs on would change nothing, and is said at validate time."""

from __future__ import annotations

from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.models import ManagedTraining
from mlstack.spec.platform import AzureCloud
from mlstack.spec.serving import AzureMLServing


def check(ctx: Context) -> None:
    cloud = ctx.stack.platform.cloud
    if isinstance(cloud, AzureCloud) and cloud.workspace is not None:
        servings = any(isinstance(s, AzureMLServing) for s in enabled(ctx.stack.serving).values())
        trainings = any(
            isinstance(m.training, ManagedTraining) and m.training.operator == "azureml"
            for m in enabled(ctx.stack.models).values()
        )
        if not servings and not trainings:
            ctx.warn(
                "W0416",
                f"platform.cloud.workspace names workspace '{cloud.workspace.existing}', but "
                f"nothing{ctx.env_note} runs in Azure ML",
                ("platform", "cloud", "workspace"),
                "remove it, or add an azureml serving or training",
                key=True,
            )
