"""Does each choice fit where it runs: cloud, framework, canary, scaling, schedules, URIs."""

from __future__ import annotations

from typing import Any

from mlstack import clouds, runtimes
from mlstack.load import PathKey
from mlstack.parse import describe
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.models import ManagedTraining
from mlstack.spec.types import duration_seconds
from mlstack.spec.uris import CLOUD_SCHEMES, parse, scheme_of

CLOUD_OF = {
    **{r.name: r.cloud for r in runtimes.REGISTRY.values() if r.cloud},
    **{c.managed: c.name for c in clouds.REGISTRY.values()},
}
"""Runtime or managed training operator -> the cloud it runs on."""


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
            next(c.name for c in clouds.REGISTRY.values() if c.feature_store == features.store),
            provider,
            ("features", "store"),
            code="E0402",
        )
    _uris(ctx, provider)
    _alerts(ctx, provider)


_PORTABLE = {"training": "pytorchjob, tfjob or job", "pipeline": "argo or kubeflow",
             "feature": "feast", "runtime": "an in-cluster runtime such as kserve"}  # fmt: skip


def _equivalent(what: str, provider: str | None) -> str:
    """What to use instead, on this stack's cloud (or on none)."""
    kind = what.split(maxsplit=1)[0] if not what.startswith("feature") else "feature"
    portable = _PORTABLE.get(kind, "an in-cluster option")
    if provider is None:
        return f"add platform.cloud, or use {portable}"
    cloud = clouds.get(provider)
    functions = tuple(c.function for c in clouds.REGISTRY.values())
    choice = {
        "runtime": cloud.function if any(f in what for f in functions) else cloud.managed,
        "training": cloud.managed,
        "feature": cloud.feature_store,
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
    facts = runtimes.get(runtime)
    path: PathKey = ("serving", name)
    if facts.cloud is not None:
        _needs_cloud(ctx, f"runtime '{runtime}'", facts.cloud, provider, (*path, "runtime"))
    models = ctx.stack.models
    for model_path, model_name in (
        (("model",), serving.model),
        (("canary", "model"), serving.canary.model if serving.canary else None),
    ):
        if model_name is None or model_name not in models:
            continue
        framework = models[model_name].framework
        if framework not in facts.serves:
            ctx.error(
                "E0702",
                f"runtime '{runtime}' cannot serve model '{model_name}' (framework {framework})",
                (*path, *model_path),
                "runtimes for "
                + framework
                + ": "
                + ", ".join(r.name for r in runtimes.REGISTRY.values() if framework in r.serves),
            )
        elif (
            facts.prebuilt is not None and serving.image is None and framework not in facts.prebuilt
        ):
            ctx.error(
                "E0706",
                f"{runtime} has no prebuilt serving image for {framework} (model '{model_name}')",
                (*path, "runtime"),
                "set image: to a serving container for this model",
            )
        elif facts.in_cluster and framework == "custom" and serving.image is None:
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
        if model is not None and scheme_of(model.uri) in facts.no_scheme:
            ctx.error(
                "E0709",
                f"runtime '{runtime}' cannot load model '{model_name}' from its {'models:/' if scheme_of(model.uri) == 'models' else scheme_of(model.uri) + '://'} URI",
                (*path, *model_path),
                facts.no_scheme_hint,
            )
    kserve = ctx.stack.platform.kubernetes.kserve
    serverless = getattr(serving, "serverless", None) is not None
    replicas = serving.replicas
    if replicas.min == 0 and not facts.scales_to_zero(kserve.knative, serverless):
        ctx.error(
            "E0703",
            f"{describe(path)}: runtime '{runtime}' cannot scale to zero",
            (*path, "replicas", "min"),
            "set replicas.min to 1 or more" + facts.zero_hint(),
        )
    if serving.canary is not None and not facts.canary:
        ctx.error(
            "E0701",
            f"{describe(path)} has a canary, but runtime '{runtime}' cannot split traffic",
            (*path, "canary"),
            f"use {_either(tuple(r.name for r in runtimes.REGISTRY.values() if r.canary))} "
            "for canaries",
            key=True,
        )
    autoscaling = serving.autoscaling
    if autoscaling is not None:
        allowed = facts.scaling_metrics(kserve.knative)
        if autoscaling.metric not in allowed:
            ctx.error(
                "E0708",
                f"{describe(path)}: runtime '{runtime}'{facts.mode(kserve.deployment_mode)} "
                f"cannot scale on {autoscaling.metric}",
                (*path, "autoscaling", "metric"),
                ("use " + " or ".join(allowed))
                if allowed
                else "remove autoscaling; the platform scales it",
            )
        elif autoscaling.metric in facts.scaling.unscaled:
            ctx.warn(
                "W0712",
                f"{describe(path)}: "
                + facts.scaling.unscaled_note.format(metric=autoscaling.metric),
                (*path, "autoscaling", "metric"),
                facts.scaling.unscaled_hint,
            )


def _either(names: tuple[str, ...]) -> str:
    """`a, b or c`."""
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


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


def _no_errors(ctx: Context, serving: Any) -> tuple[str, str] | None:
    """(who, hint) when the serving's server counts no errors (its metric profile says so),
    so that an error-rate alert would be written for a series that does not exist."""
    model = ctx.stack.models.get(serving.model)
    if model is None:
        return None
    knative = ctx.stack.platform.kubernetes.kserve.knative
    found = runtimes.get(serving.runtime).profile(model.framework, knative)
    return found.no_errors if found is not None and found.errors is None else None


def _alerts(ctx: Context, provider: str | None) -> None:
    servings = ctx.stack.serving
    for name, alert in enabled(ctx.stack.monitoring.alerts).items():
        path: PathKey = ("monitoring", "alerts", name)
        serving = servings.get(alert.serving or "")
        missing = _no_errors(ctx, serving) if serving is not None else None
        if missing is not None and alert.metric == "error_rate":
            who, hint = missing
            ctx.error(
                "E0711",
                f"{describe(path)} watches the error rate of serving '{alert.serving}', which {who} does not export",
                (*path, "metric"),
                hint,
            )
        if serving is None or runtimes.get(serving.runtime).in_cluster or alert.metric == "drift":
            continue
        if alert.expr is not None:
            ctx.error(
                "E0707",
                f"{describe(path)} is raw PromQL, but serving '{alert.serving}' runs on {serving.runtime}, outside Prometheus",
                (*path, "expr"),
                "use metric/above/below; mlstack turns them into the cloud's alarm",
            )
            continue
        if provider is None:
            continue
        problem = clouds.get(provider).alarm_window(duration_seconds(alert.for_), alert.for_)
        if problem is not None:
            ctx.error("E0705", f"{describe(path)}: {problem[0]}", (*path, "for"), problem[1])
