"""Azure Monitor autoscale settings for Azure ML online deployments.

A managed deployment with `scaleSettings.scaleType: Default` scales only through an autoscale
setting (Microsoft.Insights/autoscaleSettings) whose target is the deployment; its profile's
capacity is `replicas` (default = minimum = replicas.min, maximum = replicas.max). The rules
watch the deployment's own per-instance metric (Azure ML, "Monitor online endpoints":
`CpuUtilizationPercentage`, `CpuMemoryUtilizationPercentage`, one-minute grain, Average;
the metric namespace is left to Azure, which takes the target's):
one instance more when its five-minute average is above `autoscaling.target`, one fewer when
the ten-minute average is below it. Azure's autoscale engine does not scale in when the
projected load per remaining instance would cross the scale-out threshold ("flapping" in
its docs), so the one target suffices, as it does for a Kubernetes HPA. The metrics and
the default without `autoscaling` are the runtime's facts (runtimes/azureml.py); other
metrics are E0708 at validate time."""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.runtimes import azureml
from mlstack.spec.serving import AzureMLServing
from mlstack.targets.terraform import azure_workspace
from mlstack.targets.terraform.azure_attrs import AutoscaleRule, MonitorAutoscaleSetting
from mlstack.targets.terraform.azure_cluster import azure_cloud, scoped
from mlstack.targets.terraform.blocks import Block, resource, tags


def _rule(metric: str, deployment: str, target: float, out: bool) -> AutoscaleRule:
    window, cooldown = ("PT5M", "PT5M") if out else ("PT10M", "PT10M")
    return {
        "metric_trigger": [
            {
                "metric_name": metric,
                "metric_resource_id": deployment,
                "time_grain": "PT1M",
                "statistic": "Average",
                "time_window": window,
                "time_aggregation": "Average",
                "operator": "GreaterThan" if out else "LessThan",
                "threshold": target,
            }
        ],
        "scale_action": [
            {
                "direction": "Increase" if out else "Decrease",
                "type": "ChangeCount",
                "value": 1,
                "cooldown": cooldown,
            }
        ],
    }


def setting(
    plan: Plan, name: str, role: str, serving: AzureMLServing, deployment: Block, source: PathKey
) -> Block:
    """The autoscale setting of one deployment (`role`: primary, canary) of serving `name`."""
    cloud = azure_cloud(plan)
    assert cloud is not None
    scaling = serving.autoscaling
    chosen, target = (
        (scaling.metric, float(scaling.target)) if scaling else azureml.RUNTIME.scaling.fallback()
    )
    metric = azureml.SCALE_METRICS[chosen]
    replicas = serving.replicas
    target_id = deployment.ref("id")
    body: MonitorAutoscaleSetting = {
        "name": scoped(plan, f"{name}-{role}", 260),
        "location": azure_workspace.workspace_location(plan),  # the deployment's
        "resource_group_name": cloud.resource_group,
        "target_resource_id": target_id,
        "enabled": True,
        "profile": [
            {
                "name": "replicas",
                "capacity": [
                    {"default": replicas.min, "minimum": replicas.min, "maximum": replicas.max}
                ],
                "rule": [
                    _rule(metric, target_id, target, out=True),
                    _rule(metric, target_id, target, out=False),
                ],
            }
        ],
        "tags": tags(plan),
    }
    return resource(
        "azurerm_monitor_autoscale_setting", f"{deployment.name}_autoscale", body, source
    )
