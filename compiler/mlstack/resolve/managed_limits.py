"""What a managed cloud service cannot do with what the stack asks of it, said at validate time
(these were lines of terraform/NOTES.md, which now holds only prerequisites outside the stack:
SPEC.md, Output). Each check reads the spec and the cloud and runtime registries, never the
targets, so `mlstack validate` answers without them."""

from __future__ import annotations

from mlstack import catalogue, clouds, runtimes
from mlstack.clouds.aws_images import ECR, image_uri
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.models import ManagedTraining
from mlstack.spec.serving import LambdaServing, SageMakerServing
from mlstack.spec.uris import scheme_of

BIGQUERY_TYPE = {
    "int": "INT64",
    "float": "FLOAT64",
    "string": "STRING",
    "bool": "BOOL",
    "timestamp": "TIMESTAMP",
}
"""Feature types as the BigQuery columns of a Vertex AI feature view's source."""

STAGED_BY_SAGEMAKER = ("s3", "hf")
"""URIs SageMaker puts in front of a prebuilt image itself: an S3 model data location, or a
Hugging Face model id the inference toolkit downloads."""


def check(ctx: Context) -> None:
    """On the stack's own cloud only: a service on another cloud is an error of its own."""
    cloud = ctx.stack.platform.cloud
    if cloud is None:
        return
    _training_commands(ctx, clouds.get(cloud.provider))
    for name, serving in enabled(ctx.stack.serving).items():
        if isinstance(serving, SageMakerServing) and cloud.provider == "aws":
            _sagemaker(ctx, name, serving, cloud.region)
        if isinstance(serving, LambdaServing) and cloud.provider == "aws":
            _lambda_image(ctx, name, serving, cloud.region)
    if cloud.provider == "aws":
        _sagemaker_offline_store(ctx)
    if cloud.provider == "gcp":
        _vertex_feature_views(ctx)


def _training_commands(ctx: Context, cloud: clouds.Cloud) -> None:
    """An Azure ML command job runs its command, never the image's entrypoint. (A managed
    training's output on the cloud's storage is resolve/fit.py's E0741.)"""
    for name, model in enabled(ctx.stack.models).items():
        training = model.training
        if not isinstance(training, ManagedTraining) or training.operator != cloud.managed:
            continue
        if training.operator == "azureml" and not training.command:
            ctx.error(
                "E0754",
                f"model '{name}': an Azure ML command job needs a command (the image's "
                "entrypoint is not run)",
                ("models", name, "training", "image"),
                "add training.command",
            )


def _lambda_image(ctx: Context, name: str, serving: LambdaServing, region: str) -> None:
    """Lambda pulls container images from Amazon ECR only (a public or other registry's image
    must be copied there first)."""
    if not ECR.match(serving.image):
        ctx.error(
            "E0757",
            f"serving '{name}': Lambda runs container images from Amazon ECR only, and "
            f"{serving.image} is not in ECR",
            ("serving", name, "image"),
            f"push the image to an ECR repository in {region} and name it "
            "(ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG)",
        )


def _sagemaker(ctx: Context, name: str, serving: SageMakerServing, region: str) -> None:
    models = [serving.model] + ([serving.canary.model] if serving.canary else [])
    for model in models:
        entry = ctx.stack.models.get(model)
        if entry is None or serving.image is not None:
            continue
        if image_uri(entry.framework, region, serving.instance_type) is None:
            ctx.error(
                "E0753",
                f"serving '{name}': SageMaker has no prebuilt {entry.framework} image in "
                f"{region} for model '{model}'",
                ("serving", name, "model" if model == serving.model else "canary"),
                "set image to a serving image in ECR, or serve from a region that has one",
            )
            continue
        scheme = scheme_of(entry.uri)
        if scheme not in STAGED_BY_SAGEMAKER:
            ctx.error(
                "E0755",
                f"serving '{name}': SageMaker cannot load model '{model}' from {entry.uri} "
                "by itself, and its prebuilt image does not fetch it",
                ("serving", name, "model" if model == serving.model else "canary"),
                "serve an s3:// or hf:// URI, or set image to a server that fetches the model",
            )

    scaled = serving.serverless is None and serving.replicas.max > serving.replicas.min
    metric = (
        serving.autoscaling.metric
        if serving.autoscaling
        else runtimes.get("sagemaker").scaling.fallback()[0]
    )
    on_cpu = metric == "cpu"
    known = catalogue.instance("sagemaker", serving.instance_type or "")
    if scaled and on_cpu and known is None:
        ctx.warn(
            "W0758",
            f"serving '{name}': mlstack does not know the vCPUs of {serving.instance_type}, so "
            "its CPU target is taken as a sum over cores (CPUUtilization adds up every core)",
            ("serving", name, "instanceType"),
            "multiply the per-core target by the instance's vCPUs, or scale on rps or concurrency",
        )


def _sagemaker_offline_store(ctx: Context) -> None:
    features = ctx.stack.features
    if features is None or features.store != "sagemaker":
        return
    mlflow = ctx.stack.tracking.mlflow
    artifacts = mlflow.artifacts if mlflow else None
    for name, group in features.groups.items():
        if group.offline and (artifacts is None or scheme_of(artifacts) != "s3"):
            ctx.error(
                "E0756",
                f"feature group '{name}' wants an offline store, which SageMaker keeps on S3 "
                "under the MLflow artifact location, and the stack has none on S3",
                ("features", "groups", name, "offline"),
                "set tracking.mlflow.artifacts to an s3:// location, or offline: false",
            )


def _vertex_feature_views(ctx: Context) -> None:
    features = ctx.stack.features
    if features is None or features.store != "vertex":
        return
    for name, group in features.groups.items():
        if not group.online:
            continue
        columns = [f"{group.record_id} STRING", "feature_timestamp TIMESTAMP"] + [
            f"{column} {BIGQUERY_TYPE[kind]}" for column, kind in group.features.items()
        ]
        ctx.warn(
            "W0759",
            f"feature group '{name}': Vertex AI serves online features through a feature view "
            "over a BigQuery table, which the spec does not name; mlstack creates the online "
            "store only",
            ("features", "groups", name, "online"),
            f"create a table ({', '.join(columns)}; event time {group.event_time} as "
            "feature_timestamp) and a feature view over it with entity_id_columns = "
            f"[{group.record_id}]" + (f", synced at least every {group.ttl}" if group.ttl else ""),
        )
