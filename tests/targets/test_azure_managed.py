"""What the Azure managed servings do once applied, read from every Azure spec in specs/: the
endpoint's split sums to 100 over deployments that exist, every deployment scales between the
serving's replicas, whoever pulls a serving's own image may pull it from its registry, and an
error-rate alert is a log query computing 5xx / all that pages the alert's receivers."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.serving import AzureFunctionsServing, AzureMLServing
from mlstack.spec.types import percentage_value
from mlstack.targets.terraform import channels
from mlstack.targets.terraform.azure_alarms import SEVERITY
from mlstack.targets.terraform.blocks import tf_name
from tests.helpers import ROOT, cloud_plans
from tests.targets import tf_output as tf
from tests.targets.tf_schemas import problems

DEPLOYMENTS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments@"
ENDPOINTS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@"


@cache
def _plans() -> list[Plan]:
    return cloud_plans("azure")


@cache
def _docs() -> list[dict[str, Any]]:
    return [tf.document(plan) for plan in _plans()]


def _doc(plan: Plan) -> dict[str, Any]:
    return _docs()[_plans().index(plan)]


def _azureml(plan: Plan) -> dict[str, AzureMLServing]:
    return {n: s for n, s in plan.spec.serving.items() if isinstance(s, AzureMLServing)}


def _deployments(doc: dict[str, Any], endpoint: str) -> dict[str, dict[str, Any]]:
    """Block name -> body of the deployments whose parent is endpoint block `endpoint`."""
    return {
        name: body
        for name, body in tf.blocks(doc, "azapi_resource").items()
        if body["type"].startswith(DEPLOYMENTS)
        and body["parent_id"] == f"${{azapi_resource.{endpoint}.id}}"
    }


def _vision(environment: str) -> Plan:
    return next(p for p in _plans() if p.stack == "vision" and p.environment == environment)


def test_traffic_shares_sum_to_100_and_name_the_deployments() -> None:
    seen = 0
    for plan in _plans():
        doc = _doc(plan)
        updates = tf.blocks(doc, "azapi_update_resource")
        for name, serving in _azureml(plan).items():
            key = tf_name(name)
            (split,) = [
                u for u in updates.values() if u["resource_id"] == f"${{azapi_resource.{key}.id}}"
            ]
            assert split["type"].startswith(ENDPOINTS)
            traffic = split["body"]["properties"]["traffic"]
            deployments = _deployments(doc, key)
            assert sum(traffic.values()) == 100
            # Every share names a deployment of this endpoint, and every deployment is named.
            assert set(traffic) == {d["name"] for d in deployments.values()}
            # Written again whenever the endpoint itself is (its PUT carries no traffic).
            assert f"${{azapi_resource.{key}.body}}" in split["replace_triggers_external_values"]
            # Written only once they exist: the endpoint's traffic may name no other.
            assert sorted(split["depends_on"]) == sorted(f"azapi_resource.{d}" for d in deployments)
            share = serving.canary.traffic if serving.canary else 0
            assert traffic["primary"] == 100 - share
            assert traffic.get("canary", 0) == share
            seen += 1
    assert seen >= 3
    prod = tf.blocks(_doc(_vision("prod")), "azapi_update_resource")["defect_online_traffic"]
    assert prod["body"]["properties"]["traffic"] == {"primary": 90, "canary": 10}
    staging = tf.blocks(_doc(_vision("staging")), "azapi_update_resource")["defect_online_traffic"]
    assert staging["body"]["properties"]["traffic"] == {"primary": 50, "canary": 50}


def test_every_deployment_scales_between_the_servings_replicas() -> None:
    seen = 0
    for plan in _plans():
        doc = _doc(plan)
        settings = tf.blocks(doc, "azurerm_monitor_autoscale_setting")
        for name, serving in _azureml(plan).items():
            for block, deployment in _deployments(doc, tf_name(name)).items():
                ref = f"${{azapi_resource.{block}.id}}"
                (setting,) = [s for s in settings.values() if s["target_resource_id"] == ref]
                (profile,) = setting["profile"]
                (capacity,) = profile["capacity"]
                replicas = serving.replicas
                assert (capacity["minimum"], capacity["maximum"]) == (replicas.min, replicas.max)
                assert capacity["default"] == replicas.min
                # Created at the minimum, then the setting owns the instance count.
                assert deployment["body"]["sku"]["capacity"] == replicas.min
                assert deployment["lifecycle"]["ignore_changes"] == ["body.sku.capacity"]
                assert deployment["body"]["properties"]["scaleSettings"] == {"scaleType": "Default"}
                metric = {
                    "cpu": "CpuUtilizationPercentage",
                    "memory": "CpuMemoryUtilizationPercentage",
                }[serving.autoscaling.metric if serving.autoscaling else "cpu"]
                target = serving.autoscaling.target if serving.autoscaling else 70
                rules = {
                    r["scale_action"][0]["direction"]: r["metric_trigger"][0]
                    for r in profile["rule"]
                }
                assert set(rules) == {"Increase", "Decrease"}
                for direction, operator in (("Increase", "GreaterThan"), ("Decrease", "LessThan")):
                    trigger = rules[direction]
                    assert (
                        trigger["metric_resource_id"] == ref
                    )  # its own instances, not the endpoint's
                    assert (trigger["metric_name"], trigger["operator"]) == (metric, operator)
                    assert trigger["threshold"] == target
                seen += 1
    assert seen >= 4  # defect-online primary + canary in two environments, segmenter-online


def test_every_custom_image_puller_may_pull_it_from_its_registry() -> None:
    seen = 0
    for plan in _plans():
        doc = _doc(plan)
        registries = tf.blocks(doc, "azurerm_container_registry", kind="data")
        grants = tf.blocks(doc, "azurerm_role_assignment")
        for name, serving in plan.spec.serving.items():
            if not isinstance(serving, AzureMLServing | AzureFunctionsServing) or not serving.image:
                continue
            key = tf_name(name)
            registry = serving.image.split(".azurecr.io/")[0]
            (block,) = [b for b, r in registries.items() if r["name"] == registry]
            assert (
                registries[block]["resource_group_name"] == plan.spec.platform.cloud.resource_group
            )  # type: ignore[union-attr]
            pulls = {
                g["principal_id"]: n
                for n, g in grants.items()
                if g["role_definition_name"] == "AcrPull"
                and g["scope"] == f"${{data.azurerm_container_registry.{block}.id}}"
            }
            assert len(pulls) == len(
                [g for g in grants.values() if g["scope"].endswith(f".{block}.id}}")]
            )  # one assignment per principal: Azure refuses a second
            if isinstance(serving, AzureMLServing):
                endpoint = f"${{azapi_resource.{key}.identity[0].principal_id}}"
                existing = plan.spec.platform.cloud.workspace is not None  # type: ignore[union-attr]
                workspace = (
                    f"${{{'data.' if existing else ''}azurerm_machine_learning_workspace"
                    ".mlstack.identity[0].principal_id}"
                )
                names = {f"azurerm_role_assignment.{pulls[p]}" for p in (endpoint, workspace)}
                for deployment in _deployments(doc, key).values():
                    assert names <= set(deployment["depends_on"])  # pulls after the grants exist
                    assert "environmentId" in deployment["body"]["properties"]
            else:
                app = tf.blocks(doc, "azurerm_linux_function_app")[key]
                assert f"${{azurerm_linux_function_app.{key}.identity[0].principal_id}}" in pulls
                assert app["site_config"][0]["container_registry_use_managed_identity"] is True
            seen += 1
    assert seen >= 2


def test_a_function_image_outside_azure_is_pulled_without_identity(tmp_path: Path) -> None:
    spec = (ROOT / "specs" / "vision-azure" / "mlstack.yaml").read_text()
    spec = spec.replace(
        "image: acmevision.azurecr.io/vision/thumbnail-fn:0.9.2",
        "image: ghcr.io/acme/thumbnail-fn:0.9.2",
    )
    path = tmp_path / "mlstack.yaml"
    path.write_text(spec)
    checked = check(path)
    assert not [d for d in checked.diagnostics if d.is_error], checked.diagnostics
    plan = next(p for p in checked.plans if p.environment == "prod")
    doc = tf.document(plan)
    app = tf.blocks(doc, "azurerm_linux_function_app")["thumbnail_check"]
    assert app["site_config"][0]["container_registry_use_managed_identity"] is False
    assert "thumbnail_check_fn_acr_pull" not in tf.blocks(doc, "azurerm_role_assignment")
    assert problems(doc) == []


def _rows(query: str) -> list[str]:
    return [line.strip() for line in query.splitlines()]


def test_error_rate_alerts_compute_5xx_over_all_and_page_the_receivers() -> None:
    seen = 0
    for plan in _plans():
        doc = _doc(plan)
        rules = tf.blocks(doc, "azurerm_monitor_scheduled_query_rules_alert_v2")
        settings = tf.blocks(doc, "azurerm_monitor_diagnostic_setting")
        groups = tf.blocks(doc, "azurerm_monitor_action_group")
        for name, alert in plan.spec.monitoring.alerts.items():
            serving = plan.spec.serving.get(alert.serving or "")
            if alert.metric != "error_rate" or not isinstance(
                serving, AzureMLServing | AzureFunctionsServing
            ):
                continue
            rule = rules[tf_name(name)]
            (criteria,) = rule["criteria"]
            rows = _rows(criteria["query"])
            # The measured column is the share of 5xx in all requests, in percent.
            assert criteria["metric_measure_column"] == "error_rate"
            assert rows[-1] == "| extend error_rate = 100.0 * errors / requests"
            assert "| where requests > 0" in rows
            assert alert.above is not None and isinstance(alert.threshold, str)
            assert (criteria["operator"], criteria["threshold"]) == (
                "GreaterThan",
                percentage_value(alert.threshold),
            )
            assert rule["scopes"] == ["${azurerm_log_analytics_workspace.mlstack.id}"]
            (setting,) = [
                s
                for n, s in settings.items()
                if f"azurerm_monitor_diagnostic_setting.{n}" in rule["depends_on"]
            ]
            assert setting["log_analytics_workspace_id"] == rule["scopes"][0]
            key = tf_name(alert.serving or "")
            if isinstance(serving, AzureMLServing):
                # Requests of this endpoint, 5xx counted per deployment.
                assert rows[0] == "AmlOnlineEndpointTrafficLog"
                endpoint = tf.blocks(doc, "azapi_resource")[key]["name"]
                assert f'| where EndpointName == "{endpoint}"' in rows
                assert any(
                    "errors = countif(toint(ResponseCode) >= 500)" in r
                    and r.endswith("by DeploymentName")
                    for r in rows
                )
                assert criteria["dimension"] == [
                    {"name": "DeploymentName", "operator": "Include", "values": ["*"]}
                ]
                assert setting["target_resource_id"] == f"${{azapi_resource.{key}.id}}"
                assert setting["enabled_log"] == [{"category": "AmlOnlineEndpointTrafficLog"}]
            else:
                assert rows[0] == "AzureMetrics"
                app = f"${{azurerm_linux_function_app.{key}.id}}"
                assert f'| where ResourceId =~ "{app}"' in rows
                assert any(
                    re.search(
                        r'errors = sumif\(Total, MetricName == "Http5xx"\).*requests = sumif\(Total, MetricName == "Requests"\)',
                        r,
                    )
                    for r in rows
                )
                assert setting["target_resource_id"] == app
                assert setting["enabled_metric"] == [{"category": "AllMetrics"}]
            # Pages exactly the alert's receivers, at the metric alerts' severity.
            (action,) = rule["action"]
            expected = [
                f"${{azurerm_monitor_action_group.alerts_{tf_name(r)}.id}}"
                for r in channels.reached(plan, alert)
            ]
            assert action["action_groups"] == expected and expected
            assert all(g.split(".")[1] in groups for g in expected)
            assert rule["severity"] == SEVERITY[alert.severity]
            seen += 1
    assert seen >= 4  # two alerts in two environments of specs/vision-azure
