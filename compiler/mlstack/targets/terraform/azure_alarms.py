"""`monitoring.alerts` on azureml and azurefunctions servings as Azure Monitor metric alerts.

Cloud servings are outside Prometheus, so each alert watches the service's own platform
metric (Azure Monitor supported metrics):
- `Microsoft.MachineLearningServices/workspaces/onlineEndpoints`: `RequestLatency_P99`
  (milliseconds, aggregation Average, dimension `deployment`) and `RequestsPerMinute` (Count,
  Average, dimensions `deployment`, `statusCode`, `statusCodeClass`, `modelStatusCode`).
  Latency is split by deployment (`*`), so a canary breaches on its own; throughput compares
  requests per minute with 60 x the requests-per-second threshold.
- `Microsoft.Web/sites` (function apps): `HttpResponseTime` (seconds, Average: Azure Monitor
  has no percentile for it, so latency_p99 is alerted on the average: W0426 at validate time) and
  `Requests` (Count, Total over the window: threshold x window seconds).
A metric alert compares one metric with a static threshold, so an error *rate* (5xx / all)
cannot be one; those are log search alerts (azure_ratio_alerts.py). `for`
becomes `window_size` (ISO 8601; resolve/fit.py allows only Azure's window sizes) with a
frequency no longer than it; severity page/ticket/info maps to 0 (Critical)/1 (Error)/3
(Informational). Each alert calls its receivers' action groups (azure_channels.py). Throughput
is counted over all deployments (no split), so a canary's share is never compared with the
serving's threshold; Azure evaluates no point for a window without requests, so a "below"
throughput alert does not fire on total silence (Azure metric alerts have no missing-data
setting; said in the module report).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.monitoring import Alert
from mlstack.spec.serving import AzureFunctionsServing, AzureMLServing
from mlstack.spec.types import duration_seconds
from mlstack.targets import alert_text as text
from mlstack.targets.terraform import azure_channels, channels
from mlstack.targets.terraform import azure_ratio_alerts as ratio
from mlstack.targets.terraform.azure_attrs import Criteria, MonitorMetricAlert
from mlstack.targets.terraform.azure_cluster import azure_cloud, scoped
from mlstack.targets.terraform.blocks import Block, Note, cloud_alerts, resource, tags, tf_name

SEVERITY = {"page": 0, "ticket": 1, "info": 3}
WINDOWS = {
    60: "PT1M", 300: "PT5M", 900: "PT15M", 1800: "PT30M", 3600: "PT1H",
    21600: "PT6H", 43200: "PT12H", 86400: "P1D",
}  # fmt: skip


@dataclass(frozen=True)
class Service:
    """Where a runtime's metrics live in Azure Monitor."""

    namespace: str
    scope: str
    latency: str
    latency_unit: float
    """Seconds per unit of the latency metric."""
    requests: str
    requests_aggregation: Literal["Average", "Total"]
    per_window: bool
    """Requests metric counts the whole window (Total), else per minute (Average)."""
    split: str | None


def azureml(serving: str) -> Service:
    return Service(
        namespace="Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        scope=f"${{azapi_resource.{tf_name(serving)}.id}}",
        latency="RequestLatency_P99",
        latency_unit=0.001,
        requests="RequestsPerMinute",
        requests_aggregation="Average",
        per_window=False,
        split="deployment",
    )


def functions(serving: str) -> Service:
    return Service(
        namespace="Microsoft.Web/sites",
        scope=f"${{azurerm_linux_function_app.{tf_name(serving)}.id}}",
        latency="HttpResponseTime",
        latency_unit=1.0,
        requests="Requests",
        requests_aggregation="Total",
        per_window=True,
        split=None,
    )


def frequency(seconds: int) -> str:
    return (
        "PT1M"
        if seconds <= 3600
        else "PT5M"
        if seconds <= 21600
        else "PT15M"
        if seconds <= 43200
        else "PT1H"
    )


def criteria(alert: Alert, service: Service) -> Criteria:
    above = alert.above is not None
    threshold = alert.threshold
    body: Criteria = {
        "metric_namespace": service.namespace,
        "operator": "GreaterThan" if above else "LessThan",
    }
    if alert.metric == "latency_p99":
        assert isinstance(threshold, str)
        body |= {
            "metric_name": service.latency,
            "aggregation": "Average",
            "threshold": duration_seconds(threshold) / service.latency_unit,
        }
        if service.split:
            body["dimension"] = [{"name": service.split, "operator": "Include", "values": ["*"]}]
    else:
        assert isinstance(threshold, int | float)
        window = duration_seconds(alert.for_) if service.per_window else 60
        body |= {
            "metric_name": service.requests,
            "aggregation": service.requests_aggregation,
            "threshold": float(threshold) * window,
        }
    return body


def build(plan: Plan) -> list[Block | Note]:
    cloud = azure_cloud(plan)
    if cloud is None:
        return []
    out: list[Block | Note] = []
    found = list(cloud_alerts(plan, (AzureMLServing, AzureFunctionsServing)))
    for receiver, spec in channels.used(plan, [a for _, a, _ in found]).items():
        out += azure_channels.channel(plan, cloud, receiver, spec)
    logs: dict[str, Block] = {}
    for name, alert, serving in found:
        seconds = int(duration_seconds(alert.for_))
        target = alert.serving or ""
        if alert.metric == "error_rate":
            if target not in logs:
                logs[target] = ratio.diagnostic_setting(plan, target, serving)
                out.append(logs[target])
            timing = (WINDOWS[seconds], frequency(seconds))
            severity = SEVERITY[alert.severity]
            out.append(ratio.query_rule(plan, name, alert, serving, logs[target], severity, timing))
            continue
        service = (azureml if isinstance(serving, AzureMLServing) else functions)(target)
        source: PathKey = ("monitoring", "alerts", name)
        scope = ""
        if serving.canary is not None:
            scope = (
                "Requests are counted over all deployments (one threshold for the serving)."
                if alert.metric == "throughput"
                else "Each deployment (primary, canary) is measured on its own."
            )
        body: MonitorMetricAlert = {
            "name": scoped(plan, name, 260),
            "resource_group_name": cloud.resource_group,
            "scopes": [service.scope],
            "description": text.description(plan, name, alert, service.namespace, scope)[:2048],
            "action": azure_channels.actions(channels.reached(plan, alert)),
            "severity": SEVERITY[alert.severity],
            "enabled": True,
            "auto_mitigate": True,
            "window_size": WINDOWS[seconds],
            "frequency": frequency(seconds),
            "criteria": [criteria(alert, service)],
            "tags": {
                **tags(plan),
                **alert.labels,
                "mlstack-alert": name,
                "mlstack-severity": alert.severity,
            },
        }
        out.append(resource("azurerm_monitor_metric_alert", tf_name(name), body, source))
    return out
