"""The Azure Machine Learning workspace that azureml servings and trainings share, with what
azurerm 5.2 requires of it.

`azurerm_machine_learning_workspace` requires `application_insights_id`, `key_vault_id`,
`storage_account_id` and an `identity` block (its schema); `container_registry_id` is optional
(the workspace creates one on the first image build; servings here bring images or use
prebuilt ones). So one per stack/environment, all owned by mlstack:
- a Log Analytics workspace (also alone, for the error-rate alerts of a stack with function
  apps only: logs_needed) and a workspace-based Application Insights (classic Application
  Insights was retired in 2024);
- a Key Vault with RBAC authorization and purge protection, in the tenant of the identity
  running Terraform (`data.azurerm_client_config`);
- the workspace's default storage account: StorageV2, TLS 1.2, HTTPS only, no public blobs,
  blob versioning, soft delete of blobs and containers for SOFT_DELETE_DAYS (a deleted run
  output or a dropped container can be restored), and a SAS expiration policy that logs SAS
  tokens valid longer than a day (Log, not Block, so that no service signing longer SAS
  tokens on the account is broken). Azure Storage encrypts at rest;
- the workspace, with a system-assigned identity.
Globally unique names (storage account, key vault) carry a hash of stack and environment.

With `platform.cloud.workspace: {existing: NAME}` none of these is created: a
`data.azurerm_machine_learning_workspace` reads that workspace, and everything that lives in
a workspace (compute clusters, models, environments, endpoints and their deployments,
schedules) is created in it, at its location. The functions below are the one place the
other Azure ML modules get the workspace's id, name, resource group and location from.
"""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.models import ManagedTraining
from mlstack.spec.platform import AzureWorkspace
from mlstack.spec.serving import AzureFunctionsServing, AzureMLServing
from mlstack.targets.terraform.azure_attrs import (
    ApplicationInsights,
    KeyVault,
    LogAnalyticsWorkspace,
    MachineLearningWorkspace,
    MachineLearningWorkspaceData,
    StorageAccount,
)
from mlstack.targets.terraform.azure_cluster import azure_cloud, compact, scoped
from mlstack.targets.terraform.blocks import Block, cloud_alerts, data, resource, tags

NAME = "mlstack"
SOFT_DELETE_DAYS = 7
"""Azure's own default when soft delete is turned on in the portal."""
SAS_PERIOD = "1.00:00:00"
"""D.HH:MM:SS, the format of the account's sasPolicy.sasExpirationPeriod."""


def _existing(plan: Plan) -> AzureWorkspace | None:
    cloud = azure_cloud(plan)
    return cloud.workspace if cloud is not None else None


def workspace_id(plan: Plan) -> str:
    """The workspace's id: the one read (existing) or the one created."""
    if _existing(plan) is not None:
        return f"${{data.azurerm_machine_learning_workspace.{NAME}.id}}"
    return f"${{azurerm_machine_learning_workspace.{NAME}.id}}"


def workspace_location(plan: Plan) -> str:
    """Where workspace children go: an existing workspace's own region (it may not be the
    stack's), or the stack's region for the one mlstack creates."""
    cloud = azure_cloud(plan)
    assert cloud is not None
    if _existing(plan) is not None:
        return f"${{data.azurerm_machine_learning_workspace.{NAME}.location}}"
    return cloud.region


def workspace_name(plan: Plan) -> tuple[str, str]:
    """(resource group, workspace name), as `az ml -g RG -w NAME` takes them."""
    cloud = azure_cloud(plan)
    assert cloud is not None
    existing = cloud.workspace
    if existing is not None:
        return existing.resource_group or cloud.resource_group, existing.existing
    return cloud.resource_group, scoped(plan, "ml", 33)


LOGS = f"${{azurerm_log_analytics_workspace.{NAME}.id}}"
"""Where the created workspace's Application Insights and the error-rate alerts' logs go."""


def workspace_principal(plan: Plan) -> str:
    """The workspace's system-assigned identity (read or created), which prepares
    environments from their images."""
    prefix = "data." if _existing(plan) is not None else ""
    return f"${{{prefix}azurerm_machine_learning_workspace.{NAME}.identity[0].principal_id}}"


def needed(plan: Plan) -> bool:
    servings = any(isinstance(s, AzureMLServing) for s in plan.spec.serving.values())
    trainings = any(
        isinstance(m.training, ManagedTraining) and m.training.operator == "azureml"
        for m in plan.spec.models.values()
    )
    return azure_cloud(plan) is not None and (servings or trainings)


def _ratios(plan: Plan) -> bool:
    return any(
        a.metric == "error_rate"
        for _, a, _ in cloud_alerts(plan, (AzureMLServing, AzureFunctionsServing))
    )


def logs_needed(plan: Plan) -> bool:
    """The Log Analytics workspace serves the Azure ML workspace mlstack creates and the log
    search alerts of error rates (azure_ratio_alerts), which a stack with function apps alone
    or with an existing Azure ML workspace also has."""
    return azure_cloud(plan) is not None and (needed(plan) or _ratios(plan))


def storage_account(plan: Plan, name: str, purpose: str, source: PathKey) -> Block:
    """A private StorageV2 account mlstack owns (workspace or function app storage)."""
    cloud = azure_cloud(plan)
    assert cloud is not None
    body: StorageAccount = {
        "name": compact(plan, purpose),
        "resource_group_name": cloud.resource_group,
        "location": cloud.region,
        "account_tier": "Standard",
        "account_replication_type": "LRS",
        "account_kind": "StorageV2",
        "min_tls_version": "TLS1_2",
        "https_traffic_only_enabled": True,
        "allow_nested_items_to_be_public": False,
        "blob_properties": [
            {
                "versioning_enabled": True,
                "delete_retention_policy": [{"days": SOFT_DELETE_DAYS}],
                "container_delete_retention_policy": [{"days": SOFT_DELETE_DAYS}],
            }
        ],
        # Said explicitly because keys stay on: a Premium function app keeps its content share
        # on Azure Files, which only takes account keys, and azurerm 5.2's workspace has no
        # setting to make its system datastores use identities instead of the key.
        "shared_access_key_enabled": True,
        "sas_policy": [{"expiration_period": SAS_PERIOD, "expiration_action": "Log"}],
        "tags": {**tags(plan), "mlstack-role": purpose},
    }
    return resource("azurerm_storage_account", name, body, source)


def build(plan: Plan) -> list[Block]:
    cloud = azure_cloud(plan)
    if cloud is None or not logs_needed(plan):
        return []
    source: PathKey = ("platform", "cloud")
    logs: LogAnalyticsWorkspace = {
        "name": scoped(plan, "ml-logs"),
        "location": cloud.region,
        "resource_group_name": cloud.resource_group,
        "sku": "PerGB2018",
        "retention_in_days": 30,
        "tags": tags(plan),
    }
    law = resource("azurerm_log_analytics_workspace", NAME, logs, source)
    if cloud.workspace is not None:
        # An existing workspace brings its own insights; the error-rate alerts still query
        # a Log Analytics workspace of the stack's.
        out = [law] if _ratios(plan) else []
        if needed(plan):
            group, name = workspace_name(plan)
            body: MachineLearningWorkspaceData = {"name": name, "resource_group_name": group}
            out.append(
                data("azurerm_machine_learning_workspace", NAME, body, (*source, "workspace"))
            )
        return out
    if not needed(plan):
        return [law]
    insights: ApplicationInsights = {
        "name": scoped(plan, "ml-insights"),
        "location": cloud.region,
        "resource_group_name": cloud.resource_group,
        "application_type": "web",
        "workspace_id": law.ref("id"),
        "tags": tags(plan),
    }
    ai = resource("azurerm_application_insights", NAME, insights, source)
    client = data("azurerm_client_config", "current", {}, source)
    vault: KeyVault = {
        "name": compact(plan, "kv"),
        "location": cloud.region,
        "resource_group_name": cloud.resource_group,
        "tenant_id": client.ref("tenant_id"),
        "sku_name": "standard",
        "rbac_authorization_enabled": True,
        "purge_protection_enabled": True,
        "tags": tags(plan),
    }
    kv = resource("azurerm_key_vault", NAME, vault, source)
    storage = storage_account(plan, NAME, "mlw", source)
    workspace: MachineLearningWorkspace = {
        "name": workspace_name(plan)[1],
        "location": cloud.region,
        "resource_group_name": cloud.resource_group,
        "application_insights_id": ai.ref("id"),
        "key_vault_id": kv.ref("id"),
        "storage_account_id": storage.ref("id"),
        "public_network_access_enabled": True,
        "identity": [{"type": "SystemAssigned"}],
        "tags": tags(plan),
    }
    return [
        law,
        ai,
        client,
        kv,
        storage,
        resource("azurerm_machine_learning_workspace", NAME, workspace, source),
    ]
