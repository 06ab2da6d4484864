"""`error_rate` alerts on azureml and azurefunctions servings as log search alerts.

A metric alert compares one metric with a threshold, so a ratio (5xx / all requests) needs a
query: an `azurerm_monitor_scheduled_query_rules_alert_v2` over the stack's Log Analytics
workspace (azure_workspace), fed by a diagnostic setting on the serving's resource:
- Azure ML endpoints send their `AmlOnlineEndpointTrafficLog` (one row per request, with
  `ResponseCode`, `DeploymentName`, `EndpointName`) to the resource-specific table of that
  name. Their `RequestsPerMinute` metric splits status codes only by dimension, and metrics
  exported by a diagnostic setting carry no dimensions, so the request log is the one source
  of the ratio. The query counts per deployment, so a canary breaches on its own, like the
  latency alert (a ratio needs no scaling to the canary's share);
- function apps (Microsoft.Web/sites) have the metrics `Http5xx` and `Requests` (Total), sent
  with AllMetrics to the `AzureMetrics` table, whose rows for the app are summed over the
  window.
The rule fires when `error_rate` (percent) crosses the threshold over the `for` window (the
query's time range), evaluated as often as the metric alerts are (azure_alarms.frequency);
windows without requests give no row, so no alert. Severity and action groups are the metric
alerts' (azure_alarms.SEVERITY, azure_channels). The tables exist only after the first rows
arrive, so query validation at creation is skipped, and the rule waits for the diagnostic
setting.
"""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.monitoring import Alert
from mlstack.spec.serving import AzureFunctionsServing, AzureMLServing
from mlstack.spec.types import percentage_value
from mlstack.targets import alert_text as text
from mlstack.targets.terraform import azure_channels, azure_workspace, channels
from mlstack.targets.terraform.azure_attrs import (
    MonitorDiagnosticSetting,
    MonitorScheduledQueryRulesAlertV2,
    QueryCriteria,
)
from mlstack.targets.terraform.azure_cluster import azure_cloud, scoped
from mlstack.targets.terraform.blocks import Block, resource, tags, tf_name

RATE = "error_rate"
TRAFFIC_LOG = "AmlOnlineEndpointTrafficLog"


def _endpoint_query(plan: Plan, serving: str) -> str:
    return "\n".join(
        (
            TRAFFIC_LOG,
            f'| where EndpointName == "{scoped(plan, serving, 32)}"',
            "| summarize requests = count(), errors = countif(toint(ResponseCode) >= 500)"
            " by DeploymentName",
            "| where requests > 0",
            f"| extend {RATE} = 100.0 * errors / requests",
        )
    )


def _functions_query(serving: str) -> str:
    return "\n".join(
        (
            "AzureMetrics",
            f'| where ResourceId =~ "${{azurerm_linux_function_app.{tf_name(serving)}.id}}"',
            '| where MetricName in ("Http5xx", "Requests")',
            '| summarize errors = sumif(Total, MetricName == "Http5xx"),'
            ' requests = sumif(Total, MetricName == "Requests")',
            "| where requests > 0",
            f"| extend {RATE} = 100.0 * errors / requests",
        )
    )


def diagnostic_setting(plan: Plan, name: str, serving: object) -> Block:
    """What sends serving `name`'s requests to the workspace: its traffic log or its metrics."""
    body: MonitorDiagnosticSetting = {
        "name": scoped(plan, f"{name}-errors", 260),
        "log_analytics_workspace_id": azure_workspace.LOGS,
    }
    if isinstance(serving, AzureMLServing):
        body |= {
            "target_resource_id": f"${{azapi_resource.{tf_name(name)}.id}}",
            "log_analytics_destination_type": "Dedicated",
            "enabled_log": [{"category": TRAFFIC_LOG}],
        }
    else:
        body |= {
            "target_resource_id": f"${{azurerm_linux_function_app.{tf_name(name)}.id}}",
            "enabled_metric": [{"category": "AllMetrics"}],
        }
    return resource(
        "azurerm_monitor_diagnostic_setting", f"{tf_name(name)}_errors", body, ("serving", name)
    )


def query_rule(
    plan: Plan,
    name: str,
    alert: Alert,
    serving: AzureMLServing | AzureFunctionsServing,
    logs: Block,
    severity: int,
    timing: tuple[str, str],
) -> Block:
    """The log search alert of error_rate alert `name`; `timing` is (window, frequency)."""
    cloud = azure_cloud(plan)
    assert cloud is not None and isinstance(alert.threshold, str)
    endpoint = isinstance(serving, AzureMLServing)
    serving_name = alert.serving or ""
    criteria: QueryCriteria = {
        "query": _endpoint_query(plan, serving_name)
        if endpoint
        else _functions_query(serving_name),
        "time_aggregation_method": "Maximum",
        "metric_measure_column": RATE,
        "operator": "GreaterThan" if alert.above is not None else "LessThan",
        "threshold": percentage_value(alert.threshold),
    }
    scope = ""
    if endpoint:
        criteria["dimension"] = [{"name": "DeploymentName", "operator": "Include", "values": ["*"]}]
        if serving.canary is not None:
            scope = "Each deployment (primary, canary) is measured on its own."
    measured = (
        f"5xx share of {TRAFFIC_LOG} requests per deployment"
        if endpoint
        else "Http5xx / Requests of Microsoft.Web/sites"
    )
    window, frequency = timing
    body: MonitorScheduledQueryRulesAlertV2 = {
        "name": scoped(plan, name, 260),
        "resource_group_name": cloud.resource_group,
        "location": cloud.region,
        "scopes": [azure_workspace.LOGS],
        "description": text.description(plan, name, alert, measured, scope)[:2048],
        "severity": severity,
        "enabled": True,
        "auto_mitigation_enabled": True,
        "window_duration": window,
        "evaluation_frequency": frequency,
        "criteria": [criteria],
        "skip_query_validation": True,
        "tags": {
            **tags(plan),
            **alert.labels,
            "mlstack-alert": name,
            "mlstack-severity": alert.severity,
        },
        "depends_on": [f"{logs.type}.{logs.name}"],
    }
    groups = [a["action_group_id"] for a in azure_channels.actions(channels.reached(plan, alert))]
    if groups:
        body["action"] = [{"action_groups": groups}]
    source: PathKey = ("monitoring", "alerts", name)
    return resource("azurerm_monitor_scheduled_query_rules_alert_v2", tf_name(name), body, source)
