"""Settings of the clouds' managed ML services against what the stack runs on them: a setting
nothing runs on would change nothing, and is said at validate time."""

from __future__ import annotations

from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.models import ManagedTraining
from mlstack.spec.platform import AzureCloud
from mlstack.spec.serving import AzureMLServing, SageMakerServing
from mlstack.spec.uris import overlaps

SERVERLESS_LACKS = {"dataCapture": "data_capture", "vpc": "vpc"}
"""Real-time endpoint settings SageMaker Serverless Inference does not support (its feature
exclusions: data capture, VPC configuration)."""


def check(ctx: Context) -> None:
    _workspace(ctx)
    _sagemaker(ctx)


def _sagemaker(ctx: Context) -> None:
    servings = enabled(ctx.stack.serving)
    for name, serving in servings.items():
        if not isinstance(serving, SageMakerServing) or serving.serverless is None:
            continue
        for field, attribute in SERVERLESS_LACKS.items():
            if getattr(serving, attribute) is not None:
                ctx.error(
                    "E0419",
                    f"serving '{name}' is serverless, and SageMaker serverless endpoints have "
                    f"no {field}",
                    ("serving", name, field),
                    "remove it, or serve on instances (instanceType instead of serverless)",
                    key=True,
                )
    for name, drift in enabled(ctx.stack.monitoring.drift).items():
        serving = servings.get(name)
        capture = serving.data_capture if isinstance(serving, SageMakerServing) else None
        if capture is not None and drift.current and overlaps(drift.current, capture.destination):
            ctx.warn(
                "W0417",
                f"drift check '{name}' reads {drift.current}, where SageMaker writes the "
                "serving's data capture as JSON lines; the drift job reads parquet or csv, so "
                "it fails on every run",
                ("monitoring", "drift", name, "current"),
                "convert the captures to parquet or csv elsewhere (e.g. a scheduled pipeline "
                "step) and point current there",
            )


def _workspace(ctx: Context) -> None:
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
