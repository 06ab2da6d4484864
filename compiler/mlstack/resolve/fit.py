"""Does each choice fit where it runs: cloud, framework, canary, scaling, schedules, URIs."""

from __future__ import annotations

from typing import Any

from mlstack.load import PathKey
from mlstack.parse import describe
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.models import ManagedTraining
from mlstack.spec.serving import IN_CLUSTER
from mlstack.spec.types import duration_seconds
from mlstack.spec.uris import CLOUD_SCHEMES, parse, scheme_of

CLOUD_OF = {
    "sagemaker": "aws", "lambda": "aws", "vertex": "gcp", "cloudrun": "gcp",
    "azureml": "azure", "azurefunctions": "azure",
}  # fmt: skip
ALL = ("sklearn", "xgboost", "lightgbm", "tensorflow", "pytorch", "onnx", "huggingface", "mlflow",
       "triton", "custom")  # fmt: skip
SERVES: dict[str, tuple[str, ...]] = {
    # KServe's built-in ClusterServingRuntimes; custom needs an image of its own.
    "kserve": ALL,
    # Seldon Core v2 servers: MLServer (sklearn, xgboost, lightgbm, mlflow, huggingface) and
    # Triton (tensorflow, pytorch, onnx, triton).
    "seldon": ALL[:-1],
    "torchserve": ("pytorch", "huggingface", "custom"),
    "tfserving": ("tensorflow",),
    "triton": ("triton", "onnx", "tensorflow", "pytorch"),
    "mlflow": ("mlflow", "sklearn", "xgboost", "lightgbm", "pytorch", "tensorflow", "onnx", "huggingface"),
    "sagemaker": ALL, "vertex": ALL, "azureml": ALL, "lambda": ALL, "cloudrun": ALL,
    "azurefunctions": ALL,
}  # fmt: skip
PREBUILT: dict[str, tuple[str, ...]] = {
    # Frameworks with a prebuilt serving image from the cloud; others need `image`.
    "sagemaker": ("sklearn", "xgboost", "tensorflow", "pytorch", "huggingface"),
    "vertex": ("sklearn", "xgboost", "tensorflow", "pytorch"),
    "azureml": ("mlflow", "triton"),
}
NO_SCHEME: dict[str, tuple[str, ...]] = {"seldon": ("hf", "models")}
"""URI schemes a runtime's own downloader cannot fetch."""
PYTHON_SERVER = ("sklearn", "xgboost", "lightgbm", "huggingface")
"""Frameworks KServe serves with its Python model server in RawDeployment mode, which exports
latency histograms but no per-status request counts."""
SCALE_TO_ZERO = ("cloudrun", "lambda", "azurefunctions")
CANARY = ("kserve", "seldon", "sagemaker", "vertex", "azureml", "cloudrun")
SCALING: dict[str, tuple[str, ...]] = {
    "seldon": ("rps", "cpu", "memory"), "torchserve": ("cpu", "memory"),
    "tfserving": ("cpu", "memory"), "triton": ("cpu", "memory"), "mlflow": ("cpu", "memory"),
    "sagemaker": ("rps", "concurrency", "cpu"), "vertex": ("cpu",), "azureml": ("cpu", "memory"),
    "lambda": ("concurrency",), "cloudrun": ("concurrency", "cpu"), "azurefunctions": (),
}  # fmt: skip
_ALARMS = {"aws": "CloudWatch alarms", "gcp": "Cloud Monitoring alert policies"}
AZURE_WINDOWS = (60, 300, 900, 1800, 3600, 21600, 43200, 86400)


def check(ctx: Context) -> None:
    cloud = ctx.stack.platform.cloud
    provider = cloud.provider if cloud else None
    for name, serving in enabled(ctx.stack.serving).items():
        _serving(ctx, name, serving, provider)
    for name, model in enabled(ctx.stack.models).items():
        training = model.training
        if isinstance(training, ManagedTraining):
            _needs_cloud(
                ctx,
                f"training operator '{training.operator}'",
                CLOUD_OF.get(training.operator, ""),
                provider,
                ("models", name, "training", "operator"),
            )
            if training.operator == "sagemaker" and training.schedule:
                _eventbridge(ctx, training.schedule, ("models", name, "training", "schedule"))
    for name, pipeline in enabled(ctx.stack.pipelines).items():
        if pipeline.engine == "sagemaker":
            _needs_cloud(
                ctx, "pipeline engine 'sagemaker'", "aws", provider, ("pipelines", name, "engine")
            )
            if pipeline.schedule:
                _eventbridge(ctx, pipeline.schedule, ("pipelines", name, "schedule"))
    features = ctx.stack.features
    if features is not None and features.store != "feast":
        _needs_cloud(
            ctx,
            f"feature store '{features.store}'",
            {"sagemaker": "aws", "vertex": "gcp"}[features.store],
            provider,
            ("features", "store"),
            code="E0402",
        )
    _uris(ctx, provider)
    _alerts(ctx, provider)


_MANAGED = {"aws": "sagemaker", "gcp": "vertex", "azure": "azureml"}
_FUNCTION = {"aws": "lambda", "gcp": "cloudrun", "azure": "azurefunctions"}
_PORTABLE = {"training": "pytorchjob, tfjob or job", "pipeline": "argo or kubeflow",
             "feature": "feast", "runtime": "an in-cluster runtime such as kserve"}  # fmt: skip


def _equivalent(what: str, provider: str | None) -> str:
    """What to use instead, on this stack's cloud (or on none)."""
    kind = what.split(maxsplit=1)[0] if not what.startswith("feature") else "feature"
    portable = _PORTABLE.get(kind, "an in-cluster option")
    if provider is None:
        return f"add platform.cloud, or use {portable}"
    choice = {
        "runtime": _FUNCTION[provider]
        if any(f in what for f in _FUNCTION.values())
        else _MANAGED[provider],
        "training": _MANAGED[provider],
        "feature": {"aws": "sagemaker", "gcp": "vertex"}.get(provider),
    }.get(kind)
    return f"on {provider} use {choice}, or {portable}" if choice else f"use {portable}"


def _needs_cloud(
    ctx: Context, what: str, wanted: str, provider: str | None, path: PathKey, code: str = "E0401"
) -> None:
    if provider == wanted:
        return
    if provider is None:
        ctx.error(
            code,
            f"{what} needs platform.cloud with provider '{wanted}'",
            path,
            _equivalent(what, None),
        )
    else:
        ctx.error(
            code,
            f"{what} runs on {wanted}, but this stack's cloud is {provider}",
            path,
            _equivalent(what, provider),
        )


def _serving(ctx: Context, name: str, serving: Any, provider: str | None) -> None:
    runtime: str = serving.runtime
    path: PathKey = ("serving", name)
    if runtime in CLOUD_OF:
        _needs_cloud(ctx, f"runtime '{runtime}'", CLOUD_OF[runtime], provider, (*path, "runtime"))
    models = ctx.stack.models
    for model_path, model_name in (
        (("model",), serving.model),
        (("canary", "model"), serving.canary.model if serving.canary else None),
    ):
        if model_name is None or model_name not in models:
            continue
        framework = models[model_name].framework
        if framework not in SERVES[runtime]:
            ctx.error(
                "E0702",
                f"runtime '{runtime}' cannot serve model '{model_name}' (framework {framework})",
                (*path, *model_path),
                "runtimes for "
                + framework
                + ": "
                + ", ".join(r for r, fw in SERVES.items() if framework in fw),
            )
        elif runtime in PREBUILT and serving.image is None and framework not in PREBUILT[runtime]:
            ctx.error(
                "E0706",
                f"{runtime} has no prebuilt serving image for {framework} (model '{model_name}')",
                (*path, "runtime"),
                "set image: to a serving container for this model",
            )
        elif runtime in IN_CLUSTER and framework == "custom" and serving.image is None:
            ctx.error(
                "E0706",
                f"model '{model_name}' is framework 'custom', so {describe(path)} needs an image",
                (*path, "model"),
                "set image: to your model server",
            )
    for model_path, model_name in (
        (("model",), serving.model),
        (("canary", "model"), serving.canary.model if serving.canary else None),
    ):
        model = models.get(model_name or "")
        if (
            model is not None
            and runtime in NO_SCHEME
            and scheme_of(model.uri) in NO_SCHEME[runtime]
        ):
            ctx.error(
                "E0709",
                f"runtime '{runtime}' cannot load model '{model_name}' from its {'models:/' if scheme_of(model.uri) == 'models' else scheme_of(model.uri) + '://'} URI",
                (*path, *model_path),
                "Seldon downloads with rclone (s3, gs, azureblob, pvc): mirror the model to object storage",
            )
    replicas = serving.replicas
    if replicas.min == 0 and not _scales_to_zero(ctx, serving, runtime):
        ctx.error(
            "E0703",
            f"{describe(path)}: runtime '{runtime}' cannot scale to zero",
            (*path, "replicas", "min"),
            "set replicas.min to 1 or more"
            + ("; KServe scales to zero only in Knative mode" if runtime == "kserve" else ""),
        )
    if serving.canary is not None and runtime not in CANARY:
        ctx.error(
            "E0701",
            f"{describe(path)} has a canary, but runtime '{runtime}' cannot split traffic",
            (*path, "canary"),
            "use kserve, seldon, sagemaker, vertex, azureml or cloudrun for canaries",
            key=True,
        )
    kserve = ctx.stack.platform.kubernetes.kserve
    autoscaling = serving.autoscaling
    if autoscaling is not None:
        allowed = SCALING.get(runtime) or (
            ("concurrency", "rps") if kserve.knative else ("cpu", "memory")
        )
        if autoscaling.metric not in allowed:
            detail = f" in {kserve.deployment_mode} mode" if runtime == "kserve" else ""
            ctx.error(
                "E0708",
                f"{describe(path)}: runtime '{runtime}'{detail} cannot scale on {autoscaling.metric}",
                (*path, "autoscaling", "metric"),
                ("use " + " or ".join(allowed))
                if allowed
                else "remove autoscaling; the platform scales it",
            )
        elif runtime == "seldon" and autoscaling.metric in ("cpu", "memory"):
            # Accepted (SPEC allows the metric) but not generated: Seldon rules out a second
            # autoscaler on a Server's pods, so its own lag-based scaling stays in charge.
            ctx.warn(
                "W0712",
                f"{describe(path)}: Seldon scales models on inference lag between replicas.min "
                f"and replicas.max; autoscaling on {autoscaling.metric} is not generated",
                (*path, "autoscaling", "metric"),
                "use rps (an HPA on Seldon's infer_rps metric), or remove autoscaling",
            )


def _scales_to_zero(ctx: Context, serving: Any, runtime: str) -> bool:
    if runtime == "kserve":
        return ctx.stack.platform.kubernetes.kserve.knative
    if runtime == "sagemaker":
        return serving.serverless is not None
    return runtime in SCALE_TO_ZERO


def _eventbridge(ctx: Context, schedule: str, path: PathKey) -> None:
    """EventBridge Scheduler's cron needs '?' in day-of-month or day-of-week: not both set."""
    fields = schedule.split()
    if len(fields) == 5 and fields[2] != "*" and fields[4] != "*":
        ctx.error(
            "E0705",
            "EventBridge Scheduler cannot run a schedule that restricts both day of month and day of week",
            path,
            "keep one of the two fields '*'",
        )


def _uris(ctx: Context, provider: str | None) -> None:
    stack = ctx.stack
    uses: list[tuple[PathKey, str]] = [
        (("models", n, "uri"), m.uri) for n, m in enabled(stack.models).items()
    ]
    if stack.tracking.mlflow and stack.tracking.mlflow.artifacts:
        uses.append((("tracking", "mlflow", "artifacts"), stack.tracking.mlflow.artifacts))
    for name, drift in enabled(stack.monitoring.drift).items():
        uses.append((("monitoring", "drift", name, "reference"), drift.reference))
        if drift.current is not None:
            uses.append((("monitoring", "drift", name, "current"), drift.current))
    for name, pipeline in enabled(stack.pipelines).items():
        for step_name, step in enabled(pipeline.steps).items():
            uses += [
                (("pipelines", name, "steps", step_name, "reads", index), uri)
                for index, uri in enumerate(getattr(step, "reads", ()))
            ]
    for path, uri in uses:
        location = parse(uri)
        if location.cloud and provider and location.cloud != provider:
            ctx.error(
                "E0403",
                f"'{uri}' is {location.cloud} storage, but this stack's cloud is {provider}",
                path,
                f"use {next(s for s, c in CLOUD_SCHEMES.items() if c == provider)}:// storage on {provider}",
            )
        if location.scheme == "models" and stack.tracking.mlflow is None:
            ctx.error(
                "E0406",
                "a models:/ URI needs the MLflow registry, but tracking.mlflow is not set",
                path,
                "add tracking.mlflow, or point uri at the artifact itself",
            )
    if provider is not None and stack.platform.kubernetes.storage_endpoint is not None:
        # An error, not a warning: with a cloud every workload reads storage through its
        # workload identity, so the endpoint would be dropped and its store never read.
        ctx.error(
            "E0409",
            f"platform.kubernetes.storageEndpoint is for clusters without a cloud, but this stack's cloud is {provider}",
            ("platform", "kubernetes", "storageEndpoint"),
            f"remove storageEndpoint and read {next(s for s, c in CLOUD_SCHEMES.items() if c == provider)}:// storage through workload identity, or remove platform.cloud",
            key=True,
        )
    if provider is None and stack.platform.kubernetes.storage_secret is None:
        cloudy = [(p, u) for p, u in uses if scheme_of(u) in CLOUD_SCHEMES]
        if cloudy:
            ctx.error(
                "E0404",
                f"'{cloudy[0][1]}' is cloud storage, but without platform.cloud there is no workload identity to read it",
                cloudy[0][0],
                "set platform.kubernetes.storageSecret to a Secret with storage credentials, or add platform.cloud",
            )


def _python_raw_kserve(ctx: Context, serving: Any) -> bool:
    model = ctx.stack.models.get(serving.model)
    return (
        serving.runtime == "kserve"
        and not ctx.stack.platform.kubernetes.kserve.knative
        and model is not None
        and model.framework in PYTHON_SERVER
    )


def _alerts(ctx: Context, provider: str | None) -> None:
    servings = ctx.stack.serving
    for name, alert in enabled(ctx.stack.monitoring.alerts).items():
        path: PathKey = ("monitoring", "alerts", name)
        serving = servings.get(alert.serving or "")
        if (
            serving is not None
            and alert.metric == "error_rate"
            and _python_raw_kserve(ctx, serving)
        ):
            ctx.error(
                "E0711",
                f"{describe(path)} watches the error rate of serving '{alert.serving}', which its KServe Standard-mode server does not export",
                (*path, "metric"),
                "alert on latency_p99 or throughput, or use deploymentMode: Knative (its queue-proxy counts errors)",
            )
        if serving is None or serving.runtime in IN_CLUSTER or alert.metric == "drift":
            continue
        if alert.expr is not None:
            ctx.error(
                "E0707",
                f"{describe(path)} is raw PromQL, but serving '{alert.serving}' runs on {serving.runtime}, outside Prometheus",
                (*path, "expr"),
                "use metric/above/below; mlstack turns them into the cloud's alarm",
            )
            continue
        seconds = duration_seconds(alert.for_)
        window = (*path, "for")
        if provider in ("aws", "gcp") and (seconds < 60 or seconds % 60):
            ctx.error(
                "E0705",
                f"{describe(path)}: 'for: {alert.for_}' must be whole minutes for {_ALARMS[provider]}",
                window,
                "use 1m, 5m, 10m, ...",
            )
        elif provider == "aws" and seconds > 86400:
            ctx.error(
                "E0705",
                f"{describe(path)}: CloudWatch evaluates at most one day",
                window,
                "use 1d or less",
            )
        elif provider == "azure" and seconds not in AZURE_WINDOWS:
            ctx.error(
                "E0705",
                f"{describe(path)}: 'for: {alert.for_}' is not an Azure Monitor window size",
                window,
                "use one of 1m, 5m, 15m, 30m, 1h, 6h, 12h, 1d",
            )
