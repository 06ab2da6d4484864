"""What the Azure servings' services cannot do as the spec asks, beyond the facts of their
runtime modules (runtimes/azureml.py: models outside blob storage are E0709), said at
validate time so that the Terraform target never has to leave it to a note:
- E0425: an `image` on an Azure Container Registry host that does not name the registry
  resource (mlstack.acr), so no AcrPull grant can be written for the identity that pulls it;
- E0426: an error_rate alert over a window a log search alert does not take (12h: the
  scheduled query rule API allows 1m-6h, 1d and 2d; metric alerts, the other Azure alerts,
  allow 12h: clouds/azure.py);
- W0425: `replicas.min: 0` on azurefunctions: the Elastic Premium plan that container images
  need keeps at least one instance warm, so the app never scales to zero (nothing is lost
  but the idle cost, hence a warning);
- W0426: a latency_p99 alert on azurefunctions: Microsoft.Web/sites reports only the average
  `HttpResponseTime`, so the alert fires on the average."""

from __future__ import annotations

from mlstack import acr
from mlstack.clouds import azure
from mlstack.load import PathKey
from mlstack.parse import describe
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.serving import AzureFunctionsServing, AzureMLServing
from mlstack.spec.types import duration_seconds


def check(ctx: Context) -> None:
    cloud = ctx.stack.platform.cloud
    if cloud is None or cloud.provider != "azure":
        return
    servings = enabled(ctx.stack.serving)
    for name, serving in servings.items():
        path: PathKey = ("serving", name)
        if isinstance(serving, AzureMLServing | AzureFunctionsServing):
            _registry(ctx, path, serving.image)
        if isinstance(serving, AzureFunctionsServing) and serving.replicas.min == 0:
            ctx.warn(
                "W0425",
                f"{describe(path)}: a container function app runs on an Elastic Premium plan, "
                "which keeps one instance warm, so it does not scale to zero",
                (*path, "replicas", "min"),
                "set replicas.min: 1 to say what runs, or use cloudrun or lambda to scale to zero",
            )
    for name, alert in enabled(ctx.stack.monitoring.alerts).items():
        serving = servings.get(alert.serving or "")
        if isinstance(serving, AzureFunctionsServing) and alert.metric == "latency_p99":
            ctx.warn(
                "W0426",
                f"{describe(('monitoring', 'alerts', name))}: a function app reports no "
                "percentile latency, so this alert fires on the average response time",
                ("monitoring", "alerts", name, "metric"),
                "set the threshold for the average, or serve the model where p99 is measured "
                "(azureml, or in the cluster)",
            )
        if (
            isinstance(serving, AzureMLServing | AzureFunctionsServing)
            and alert.metric == "error_rate"
            and duration_seconds(alert.for_) not in azure.QUERY_WINDOWS
            and duration_seconds(alert.for_) in azure.WINDOWS  # else E0705
        ):
            ctx.error(
                "E0426",
                f"{describe(('monitoring', 'alerts', name))}: an error rate is a log search "
                "alert on Azure, and those take no 12h window",
                ("monitoring", "alerts", name, "for"),
                "use one of 1m, 5m, 15m, 30m, 1h, 6h, 1d",
            )


def _registry(ctx: Context, path: PathKey, image: str | None) -> None:
    if image is None or not acr.is_acr(image) or acr.registry(image) is not None:
        return
    ctx.error(
        "E0425",
        f"{describe(path)}: the image's registry host '{acr.host(image)}' does not name an "
        "Azure Container Registry, so its puller cannot be granted AcrPull on it",
        (*path, "image"),
        "write the image with the registry's login server NAME.azurecr.io (NAME: the "
        "registry's resource name, in platform.cloud.resourceGroup)",
    )
