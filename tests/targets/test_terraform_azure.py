"""The Azure Terraform modules: managed identities trusted by exactly their ServiceAccount,
container-scoped grants with prefix-exact ABAC conditions, AKS node pools that match the
Kubernetes placement, the MLflow container, Azure ML endpoints, the function app, metric
alerts in each service's units, the training compute; plus the typed attribute models."""

from __future__ import annotations

import json
import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mlstack import names
from mlstack.names import AZURE_SPOT_TAINT
from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.models import ManagedTraining
from mlstack.targets.kubernetes.identity import sa_annotations
from mlstack.targets.terraform.azure_attrs import MODELS
from mlstack.targets.terraform.azure_functions import docker, sku
from mlstack.targets.terraform.azure_identity import outputs, prefix_condition, subject
from mlstack.targets.terraform.azure_registrations import namespace
from mlstack.targets.terraform.blocks import Block, tf_name
from tests.helpers import ROOT, cloud_plans
from tests.targets import tf_output as tf
from tests.targets.tf_schemas import find_schema, problems, typed_model_problems
from tests.tools import require_kit

SUB = "6f1c2a9e-3b4d-4c8e-9a17-52d0e8b3c4f1"
RG = "rg-vision-ml-prod"


@cache
def _plans() -> list[Plan]:
    return cloud_plans("azure")


def _vision(environment: str = "prod") -> Plan:
    return next(p for p in _plans() if p.stack == "vision" and p.environment == environment)


def test_every_azure_stack_is_schema_valid() -> None:
    assert {p.environment for p in _plans() if p.stack == "vision"} == {"staging", "prod"}
    for plan in _plans():
        assert problems(tf.document(plan)) == [], (plan.stack, plan.environment)


def test_typed_attribute_models_name_real_arguments() -> None:
    assert typed_model_problems(MODELS) == []


def test_federated_subject_matches_the_kubernetes_serviceaccount() -> None:
    """For every workload of every Azure spec: an identity named exactly the plan's identity,
    one federated credential with subject system:serviceaccount:NS:SA on the cluster's issuer,
    and the Kubernetes ServiceAccount of that name in that namespace (no annotation to compare
    on Azure before apply: the client id comes from the outputs)."""
    for plan in _plans():
        doc = tf.document(plan)
        identities = tf.blocks(doc, "azurerm_user_assigned_identity")
        credentials = tf.blocks(doc, "azurerm_federated_identity_credential")
        workloads = [w for w in plan.workloads if w.identity]
        assert workloads and len(credentials) == len(workloads) == len(identities)
        for workload in workloads:
            name = tf_name(workload.service_account)
            assert identities[name]["name"] == workload.identity
            assert identities[name]["tags"]["managed-by"] == "mlstack"
            on_identity = [
                c
                for c in credentials.values()
                if c["user_assigned_identity_id"]
                == f"${{azurerm_user_assigned_identity.{name}.id}}"
            ]
            (credential,) = on_identity
            assert credential["subject"] == (
                f"system:serviceaccount:{plan.namespace}:{workload.service_account}"
            )
            assert credential["subject"] == subject(plan.namespace, workload.service_account)
            assert credential["audience"] == ["api://AzureADTokenExchange"]
            assert credential["issuer"] == (
                "${data.azurerm_kubernetes_cluster.aks_ml_prod.oidc_issuer_url}"
            )
            assert sa_annotations(plan, workload) == {}  # client id arrives after apply
            found = outputs(plan)[f"azure_client_id_{name}"]["value"]
            assert found == f"${{azurerm_user_assigned_identity.{name}.client_id}}"
        mapping = outputs(plan)["azure_workload_client_ids"]["value"]
        assert all(f'"{w.service_account}" = ' in mapping for w in workloads)


def _abac(condition: str, action: str, path: str, prefix: str = "") -> bool:
    """Evaluate the subset of the ABAC language the conditions use, for one request."""
    read = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
    blobs = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
    python = condition
    for name in ("read", "write", "add/action", "delete"):
        full = f"{blobs}/{name}"
        matches = action == full or (action == "list" and full == read)
        python = python.replace(f"ActionMatches{{'{full}'}}", str(matches))
    python = python.replace("SubOperationMatches{'Blob.List'}", str(action == "list"))
    python = python.replace(f"@Resource[{blobs}:path]", "path").replace(
        f"@Request[{blobs}:prefix]", "prefix"
    )
    python = re.sub(r"(\w+) StringEquals '([^']*)'", r"(\1 == '\2')", python)
    python = re.sub(r"(\w+) StringStartsWith '([^']*)'", r"\1.startswith('\2')", python)
    python = python.replace("!", " not ").replace("AND", " and ").replace("OR", " or ")
    python = python.replace("NOT", " not ")
    return bool(eval(python, {}, {"path": path, "prefix": prefix}))


def test_prefix_condition_is_exactly_the_prefix() -> None:
    blobs = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
    read = prefix_condition(["label-classifier/v9"], write=False)
    assert _abac(read, f"{blobs}/read", "label-classifier/v9/saved_model.pb")
    assert _abac(read, f"{blobs}/read", "label-classifier/v9")
    assert not _abac(read, f"{blobs}/read", "label-classifier/v90/saved_model.pb")
    assert not _abac(read, f"{blobs}/read", "other/v9/x")
    assert _abac(read, "list", "", "label-classifier/v9/")
    assert not _abac(read, "list", "", "label-classifier/")
    assert not _abac(read, "list", "", "")
    write = prefix_condition(["a/b", "c"], write=True)
    for action in ("write", "add/action", "delete"):
        assert _abac(write, f"{blobs}/{action}", "a/b/model.pkl")
        assert _abac(write, f"{blobs}/{action}", "c/x")
        assert not _abac(write, f"{blobs}/{action}", "a/bc")
    # The read-only condition leaves writes alone: the Reader role has none to allow.
    assert "blobs/write" not in read


def test_grants_are_exactly_the_workload_containers_and_prefixes() -> None:
    for plan in _plans():
        assignments = tf.blocks(tf.document(plan), "azurerm_role_assignment")
        for workload in (w for w in plan.workloads if w.identity):
            name = tf_name(workload.service_account)
            mine = {
                k: v
                for k, v in assignments.items()
                if v["principal_id"] == f"${{azurerm_user_assigned_identity.{name}.principal_id}}"
            }
            expected: dict[tuple[str, bool], list[str]] = {}
            for grant in workload.grants:
                expected.setdefault((grant.bucket, grant.write), []).append(grant.prefix)
            assert len(mine) == len(expected)
            for body in mine.values():
                match = re.fullmatch(
                    rf"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft\.Storage/"
                    r"storageAccounts/([a-z0-9]+)/blobServices/default/containers/([a-z0-9-]+)",
                    body["scope"],
                )
                assert match, body["scope"]
                write = body["role_definition_name"] == "Storage Blob Data Contributor"
                if not write:
                    assert body["role_definition_name"] == "Storage Blob Data Reader"
                prefixes = expected[(f"{match[1]}/{match[2]}", write)]
                assert body["condition"] == prefix_condition(sorted(set(prefixes)), write)
                assert body["condition_version"] == "2.0"
                assert body["principal_type"] == "ServicePrincipal"
    mlflow = tf.blocks(tf.document(_vision()), "azurerm_role_assignment")["mlflow_0"]
    assert mlflow["scope"].endswith(
        "/storageAccounts/acmevisionml/blobServices/default/containers/mlflow"
    )
    assert mlflow["depends_on"] == ["azurerm_storage_container.mlflow_mlflow"]


def test_node_pools_carry_the_kubernetes_placement() -> None:
    for plan in _plans():
        pools = tf.blocks(tf.document(plan), "azurerm_kubernetes_cluster_node_pool")
        assert set(pools) == {tf_name(n) for n in plan.spec.compute}
        for name, pool in plan.spec.compute.items():
            body = pools[tf_name(name)]
            assert re.fullmatch(r"[a-z][a-z0-9]{0,11}", body["name"])
            assert (
                body["kubernetes_cluster_id"] == "${data.azurerm_kubernetes_cluster.aks_ml_prod.id}"
            )
            assert body["node_labels"][names.POOL_LABEL] == name
            assert body["vm_size"] == pool.instance_type
            assert body["auto_scaling_enabled"] is True
            assert (body["min_count"], body["max_count"]) == (pool.nodes.min, pool.nodes.max)
            assert pool.labels.items() <= body["node_labels"].items()
            assert body.get("os_disk_size_gb") == (
                int(pool.disk_size.removesuffix("Gi")) if pool.disk_size else None
            )
            assert body.get("zones", []) == pool.zones
            expected = []
            if pool.accelerator:
                expected.append("nvidia.com/gpu=present:NoSchedule")
            if pool.spot:
                expected += [
                    "mlstack.dev/spot=true:NoSchedule",
                    "=".join(AZURE_SPOT_TAINT[:2]) + ":NoSchedule",
                ]
            expected += [f"{t.key}={t.value}:{t.effect}" for t in pool.taints]
            assert body.get("node_taints", []) == expected
            assert body["tags"]["mlstack-stack"] == "vision"
            if pool.spot:
                assert (body["priority"], body["eviction_policy"], body["spot_max_price"]) == (
                    "Spot",
                    "Delete",
                    -1,
                )
                assert body["node_labels"]["kubernetes.azure.com/scalesetpriority"] == "spot"
            else:
                assert "priority" not in body
    staging = tf.blocks(tf.document(_vision("staging")), "azurerm_kubernetes_cluster_node_pool")
    prod = tf.blocks(tf.document(_vision("prod")), "azurerm_kubernetes_cluster_node_pool")
    assert staging["gpua100"]["max_count"] == 1
    # specs/vision-azure: the A100 pool's own subnet, disk, zones, label and taint.
    a100 = prod["gpua100"]
    assert a100["vnet_subnet_id"].endswith("/virtualNetworks/vnet-aks-ml-prod/subnets/snet-gpu")
    assert prod["cpu"]["vnet_subnet_id"].endswith(".agent_pool_profile[0].vnet_subnet_id}")
    assert (a100["os_disk_size_gb"], a100["zones"]) == (256, ["1", "2"])
    assert a100["node_labels"]["team.acme.example/gpu"] == "a100"
    assert a100["node_taints"][-1] == "dedicated=vision-a100:NoSchedule"
    assert staging["cpu"]["name"] != prod["cpu"]["name"]  # one cluster, two environments
    assert "kubernetes.azure.com/scalesetpriority=spot:NoSchedule" in tf.notes(_vision())


def test_mlflow_container_is_private_in_the_users_account() -> None:
    (container,) = tf.blocks(tf.document(_vision()), "azurerm_storage_container").values()
    assert container["name"] == "mlflow"
    assert container["container_access_type"] == "private"
    assert container["storage_account_id"] == (
        f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/acmevisionml"
    )
    assert "keep blob versioning on" in tf.notes(_vision())


def test_azureml_workspace_endpoint_and_deployments() -> None:
    created = tf.document(_vision("staging"))  # prod uses an existing workspace (below)
    (workspace,) = tf.blocks(created, "azurerm_machine_learning_workspace").values()
    assert workspace["application_insights_id"] == "${azurerm_application_insights.mlstack.id}"
    assert workspace["key_vault_id"] == "${azurerm_key_vault.mlstack.id}"
    assert workspace["storage_account_id"] == "${azurerm_storage_account.mlstack.id}"
    doc = tf.document(_vision())
    accounts = tf.blocks(created, "azurerm_storage_account")
    assert all(re.fullmatch(r"[a-z0-9]{3,24}", a["name"]) for a in accounts.values())
    assert all(a["allow_nested_items_to_be_public"] is False for a in accounts.values())
    assert set(accounts) == {"mlstack", "thumbnail_check_fn"}
    for account in accounts.values():
        (blobs,) = account["blob_properties"]
        assert blobs["delete_retention_policy"] == [{"days": 7}]
        assert blobs["container_delete_retention_policy"] == [{"days": 7}]
        assert account["sas_policy"] == [
            {"expiration_period": "1.00:00:00", "expiration_action": "Log"}
        ]
        assert account["shared_access_key_enabled"] is True  # Azure Files content share
    azapi = tf.blocks(doc, "azapi_resource")
    endpoint = azapi["defect_online"]
    assert (
        endpoint["type"]
        == "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-10-01"
    )
    assert endpoint["name"] == "vision-prod-defect-online" and len(endpoint["name"]) <= 32
    assert endpoint["identity"] == [{"type": "SystemAssigned"}]
    primary = azapi["defect_online_primary"]["body"]
    assert primary["sku"]["capacity"] == 3
    assert primary["properties"]["instanceType"] == "Standard_DS3_v2"
    version = azapi["defect_online_primary_model_version"]["body"]["properties"]
    assert version["modelType"] == "mlflow_model"
    assert (
        version["modelUri"]
        == "https://acmevisionml.blob.core.windows.net/models/defect-detector/v4"
    )
    assert "environmentId" in azapi["segmenter_online_primary"]["body"]["properties"]
    grant = tf.blocks(doc, "azurerm_role_assignment")["defect_online_endpoint_0"]
    assert grant["principal_id"] == "${azapi_resource.defect_online.identity[0].principal_id}"
    assert grant["condition"] == prefix_condition(
        ["defect-detector/v4", "defect-detector/v5"], write=False
    )
    canary = azapi["defect_online_canary_model_version"]["body"]["properties"]
    assert canary["modelUri"].endswith("/models/defect-detector/v5")
    notes = tf.notes(_vision())
    assert "serving 'defect-online'" not in notes and "--traffic" not in notes
    assert "segmenter_online" not in tf.blocks(tf.document(_vision("staging")), "azapi_resource")


WORKSPACE_OWNED = (
    "azurerm_machine_learning_workspace",
    "azurerm_key_vault",
    "azurerm_application_insights",
)
"""What mlstack creates for a workspace of its own (and its storage account `mlstack`; the
Log Analytics workspace also serves the error-rate alerts, so it exists with an existing
Azure ML workspace too)."""


def _workspace_children(doc: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(block, workspace id it names, location) of every block that lives in a workspace:
    compute clusters, and the azapi models, environments, endpoints and schedules."""
    out = [
        (name, body["machine_learning_workspace_id"], body["location"])
        for name, body in tf.blocks(doc, "azurerm_machine_learning_compute_cluster").items()
    ]
    for name, body in tf.blocks(doc, "azapi_resource").items():
        if body["type"].startswith("Microsoft.MachineLearningServices/workspaces/") and (
            body["parent_id"].endswith("workspace.mlstack.id}")
        ):
            out.append((name, body["parent_id"], body.get("location")))
    return out


def test_an_existing_workspace_is_read_and_everything_lands_in_it() -> None:
    """prod names `workspace: {existing}`: nothing of a workspace is created, a data source
    reads it, and every cluster, model, environment, endpoint, deployment and schedule is in
    it, at its location; staging still creates its own and puts everything there."""
    prod, staging = tf.document(_vision()), tf.document(_vision("staging"))
    for type_ in WORKSPACE_OWNED:
        assert tf.blocks(prod, type_) == {}, type_
        assert len(tf.blocks(staging, type_)) == 1, type_
    assert "mlstack" not in tf.blocks(prod, "azurerm_storage_account")
    assert tf.blocks(prod, "azurerm_machine_learning_workspace", "data") == {
        "mlstack": {"name": "mlw-platform-prod", "resource_group_name": "rg-ml-platform"}
    }
    read = "${data.azurerm_machine_learning_workspace.mlstack.id}"
    children = _workspace_children(prod)
    assert {name for name, _, _ in children} >= {
        "defect_detector_train",  # the schedule and (same key) the compute cluster
        "defect_online",
        "defect_online_primary_model",
        "segmenter_online_env",
    }
    assert all(parent == read for _, parent, _ in children)
    here = "${data.azurerm_machine_learning_workspace.mlstack.location}"
    (cluster,) = tf.blocks(prod, "azurerm_machine_learning_compute_cluster").values()
    assert cluster["location"] == here
    deployments = [
        body
        for body in tf.blocks(prod, "azapi_resource").values()
        if "/onlineEndpoints" in body["type"]
    ]
    assert deployments and all(body["location"] == here for body in deployments)
    assert "${azurerm_machine_learning_workspace." not in json.dumps(prod)
    created = "${azurerm_machine_learning_workspace.mlstack.id}"
    assert all(parent == created for _, parent, _ in _workspace_children(staging))
    assert tf.blocks(staging, "azurerm_machine_learning_workspace", "data") == {}


def test_function_app_runs_the_image_on_premium() -> None:
    doc = tf.document(_vision())
    app = tf.blocks(doc, "azurerm_linux_function_app")["thumbnail_check"]
    (site,) = app["site_config"]
    assert site["application_stack"] == [
        {
            "docker": [
                {
                    "registry_url": "https://acmevision.azurecr.io",
                    "image_name": "vision/thumbnail-fn",
                    "image_tag": "0.9.2",
                }
            ]
        }
    ]
    assert site["app_scale_limit"] == 10 and site["elastic_instance_minimum"] == 1
    plan = tf.blocks(doc, "azurerm_service_plan")["thumbnail_check"]
    assert (plan["os_type"], plan["sku_name"]) == ("Linux", "EP1")
    assert (sku("2Gi"), sku("6Gi"), sku("12Gi")) == ("EP1", "EP2", "EP3")
    assert docker("pytorch/torchserve:0.12.0")["registry_url"] == "https://index.docker.io"
    assert "serving 'thumbnail-check'" not in tf.notes(_vision())


def test_metric_alerts_use_each_service_metric_and_unit() -> None:
    alerts = tf.blocks(tf.document(_vision()), "azurerm_monitor_metric_alert")
    # In-cluster servings get PrometheusRules; error rates are log search alerts.
    assert set(alerts) == {"defect_online_latency", "segmenter_online_latency"}
    latency = alerts["defect_online_latency"]
    (criteria,) = latency["criteria"]
    assert (
        criteria["metric_namespace"]
        == "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
    )
    assert criteria["metric_name"] == "RequestLatency_P99"
    assert criteria["threshold"] == 300  # milliseconds
    assert (latency["window_size"], latency["severity"]) == ("PT5M", 0)
    assert latency["scopes"] == ["${azapi_resource.defect_online.id}"]
    assert alerts["segmenter_online_latency"]["criteria"][0]["threshold"] == 1000
    assert alerts["segmenter_online_latency"]["window_size"] == "PT15M"
    assert "alert '" not in tf.notes(_vision())
    assert "segmenter_online_latency" not in tf.blocks(
        tf.document(_vision("staging")), "azurerm_monitor_metric_alert"
    )


def test_functions_throughput_and_latency_units(tmp_path: Path) -> None:
    spec = (ROOT / "specs" / "vision-azure" / "mlstack.yaml").read_text()
    spec = spec.replace(
        "    label-api-throughput:",
        "    thumb-slow: {serving: thumbnail-check, metric: latency_p99, above: 2s, for: 1h}\n"
        "    thumb-idle: {serving: thumbnail-check, metric: throughput, below: 0.5, for: 30m}\n"
        "    label-api-throughput:",
    )
    path = tmp_path / "mlstack.yaml"
    path.write_text(spec)
    checked = check(path)
    assert not [d for d in checked.diagnostics if d.severity == "error"], checked.diagnostics
    plan = next(p for p in checked.plans if p.environment == "prod")
    alerts = tf.blocks(tf.document(plan), "azurerm_monitor_metric_alert")
    slow = alerts["thumb_slow"]["criteria"][0]
    assert (slow["metric_namespace"], slow["metric_name"], slow["threshold"]) == (
        "Microsoft.Web/sites",
        "HttpResponseTime",
        2.0,  # seconds
    )
    idle = alerts["thumb_idle"]["criteria"][0]
    assert (idle["metric_name"], idle["aggregation"], idle["operator"]) == (
        "Requests",
        "Total",
        "LessThan",
    )
    assert idle["threshold"] == 0.5 * 1800  # requests per second over the 30-minute window
    assert alerts["thumb_idle"]["window_size"] == "PT30M"
    assert problems(tf.document(plan)) == []


def test_azureml_training_compute() -> None:
    doc = tf.document(_vision())
    compute = tf.blocks(doc, "azurerm_machine_learning_compute_cluster")["defect_detector_train"]
    assert compute["vm_size"] == "Standard_NC24ads_A100_v4"
    assert compute["scale_settings"] == [
        {"min_node_count": 0, "max_node_count": 2, "scale_down_nodes_after_idle_duration": "PT10M"}
    ]
    assert re.fullmatch(r"[a-zA-Z][a-zA-Z0-9-]{1,15}", compute["name"])
    grant = tf.blocks(doc, "azurerm_role_assignment")["defect_detector_train_0"]
    assert grant["role_definition_name"] == "Storage Blob Data Contributor"
    # The training cluster writes its runs/ prefix, not the served v4.
    assert grant["condition"] == prefix_condition(["defect-detector/runs"], write=True)


def test_azureml_job_definition_runs_the_training_on_its_cluster() -> None:
    plan = _vision()
    training = plan.spec.models["defect-detector"].training
    assert isinstance(training, ManagedTraining) and training.command
    job = yaml.safe_load(tf.files(plan)["terraform/azureml/defect-detector.job.yaml"])
    compute = tf.blocks(tf.document(plan), "azurerm_machine_learning_compute_cluster")
    assert job["$schema"] == "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json"
    assert job["type"] == "command"
    assert job["compute"] == f"azureml:{compute['defect_detector_train']['name']}"
    assert job["environment"] == {"image": "acmevision.azurecr.io/vision/defect-train:2.1.0"}
    assert shlex.split(job["command"]) == training.command
    assert (job["resources"], job["limits"]) == ({"instance_count": 2}, {"timeout": 12 * 3600})
    assert job["identity"] == {"type": "managed"}  # the cluster's identity holds the grant
    assert job["outputs"] == {
        "model": {
            "type": "uri_folder",
            "mode": "rw_mount",
            "path": "https://acmevisionml.blob.core.windows.net/models/defect-detector/runs",
        }
    }


def test_azureml_schedule_is_the_same_job_on_a_cron_trigger() -> None:
    plan = _vision()
    doc = tf.document(plan)
    job = yaml.safe_load(tf.files(plan)["terraform/azureml/defect-detector.job.yaml"])
    azapi = tf.blocks(doc, "azapi_resource")
    schedule = azapi["defect_detector_train"]
    assert schedule["type"] == "Microsoft.MachineLearningServices/workspaces/schedules@2024-10-01"
    assert schedule["parent_id"] == "${data.azurerm_machine_learning_workspace.mlstack.id}"
    properties = schedule["body"]["properties"]
    assert properties["trigger"] == {
        "triggerType": "Cron",
        "expression": "0 2 * * 0",  # the spec's schedule
        "timeZone": "UTC",
    }
    assert properties["action"]["actionType"] == "CreateJob"
    definition = properties["action"]["jobDefinition"]
    assert definition["jobType"] == "Command"
    assert definition["command"] == job["command"]
    assert definition["computeId"] == (
        "${azurerm_machine_learning_compute_cluster.defect_detector_train.id}"
    )
    version = azapi["defect_detector_train_env_version"]
    assert definition["environmentId"] == "${azapi_resource.defect_detector_train_env_version.id}"
    assert version["body"]["properties"]["image"] == job["environment"]["image"]
    assert definition["resources"] == {"instanceCount": 2}
    assert definition["limits"] == {"jobLimitsType": "Command", "timeout": "PT43200S"}
    assert definition["outputs"]["model"]["uri"] == job["outputs"]["model"]["path"]
    assert definition["outputs"]["model"]["mode"] == "ReadWriteMount"
    assert definition["identity"] == {"identityType": "Managed"}


def test_azureml_training_without_a_command_is_refused(tmp_path: Path) -> None:
    spec = (ROOT / "specs" / "vision-azure" / "mlstack.yaml").read_text()
    spec = spec.replace(
        '      command: [python, train.py, --data, datasets/defects-2025q2, --epochs, "60"]\n', ""
    )
    path = tmp_path / "mlstack.yaml"
    path.write_text(spec)
    checked = check(path)
    errors = [d for d in checked.diagnostics if d.is_error]
    assert [d.code for d in errors] == ["E0754"], checked.diagnostics
    assert "model 'defect-detector': an Azure ML command job needs a command" in errors[0].message
    assert checked.plans == ()


def test_every_taggable_resource_is_tagged() -> None:
    require_kit()
    for plan in _plans():
        doc = tf.document(plan)
        for type_, items in doc["resource"].items():
            schema = find_schema(type_.split("_", 1)[0], "provider_schema", f"{type_}.json")
            assert schema is not None, type_
            attributes = json.loads(schema.read_text())["schema"]["block"]["attributes"]
            if "tags" not in attributes:
                continue
            for name, body in items.items():
                if "/schedules@" in body.get("type", ""):
                    # an ARM proxy resource: its tags are in the body's properties
                    assert body["body"]["properties"]["tags"]["managed-by"] == "mlstack"
                    continue
                asset = any(
                    f"/{kind}" in body.get("type", "") for kind in ("models", "environments")
                )
                if asset:
                    continue  # workspace assets take asset tags in their body, not ARM tags
                assert body.get("tags", {}).get("managed-by") == "mlstack", (type_, name)


def test_resource_providers_the_subscription_needs_are_said_once() -> None:
    """azurerm 5 registers no resource provider itself: NOTES.md names exactly the namespaces
    of the resources this environment creates (none for data sources, none for the
    always-registered Microsoft.Authorization), and every azurerm resource type the modules
    can write has one."""
    for plan in _plans():
        doc = tf.document(plan)
        namespaces = {
            body["type"].split("/", 1)[0] for body in tf.blocks(doc, "azapi_resource").values()
        }
        for type_ in doc["resource"]:
            if type_.startswith("azurerm_") and type_ != "azurerm_role_assignment":
                namespaces.add(namespace(Block("resource", type_, "x", {}, ())))
        (line,) = [n for n in tf.notes(plan).splitlines() if "registers no resource" in n]
        listed = line.split("must have ", 1)[1].split(" registered", 1)[0].split(", ")
        assert listed == sorted(namespaces), plan.stack
        assert "Microsoft.MachineLearningServices" in listed
        assert "Microsoft.Authorization" not in listed
    # staging creates its Azure ML workspace (with its Key Vault and Log Analytics); prod
    # uses an existing one (platform.cloud.workspace.existing), so it needs no Key Vault, and
    # Log Analytics only for the error-rate alerts' queries.
    assert (
        "must have Microsoft.ContainerService, Microsoft.Insights, Microsoft.KeyVault, "
        "Microsoft.MachineLearningServices, Microsoft.ManagedIdentity, "
        "Microsoft.OperationalInsights, Microsoft.Storage, Microsoft.Web registered"
    ) in tf.notes(_vision("staging"))
    assert (
        "must have Microsoft.ContainerService, Microsoft.Insights, "
        "Microsoft.MachineLearningServices, Microsoft.ManagedIdentity, "
        "Microsoft.OperationalInsights, Microsoft.Storage, Microsoft.Web registered"
    ) in tf.notes(_vision("prod"))
    for type_, (kind, _model) in MODELS.items():
        if kind == "resource" and type_.startswith("azurerm_"):
            namespace(Block("resource", type_, "x", {}, ()))
