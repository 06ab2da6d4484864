"""Typed attribute models of the hashicorp/azurerm 5.2.0 and Azure/azapi 2.12.0 blocks the
Azure modules emit.

As for AWS and GCP: no prebuilt cdktf provider package, but one `TypedDict` (total=False) per
resource or data source type with the argument names of its provider schema, nested blocks
included, so mypy rejects a misspelt argument; tests/targets/test_terraform_azure.py checks
every key here against the kit's provider schema files. Nested blocks are lists of objects
(Terraform JSON); references are `${...}` strings. azapi `body` is the ARM resource body,
which no Terraform schema describes: its shape follows the ARM API version in `type`.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from mlstack.targets.terraform.blocks import Lifecycle


# --- data sources ------------------------------------------------------------------------
class DataKubernetesCluster(TypedDict, total=False):
    name: str
    resource_group_name: str


class DataClientConfig(TypedDict, total=False):
    pass


class DataContainerRegistry(TypedDict, total=False):
    name: str
    resource_group_name: str


# --- AKS ----------------------------------------------------------------------------------
class NodePoolUpgrade(TypedDict, total=False):
    max_surge: str
    drain_timeout_in_minutes: int


class KubernetesClusterNodePool(TypedDict, total=False):
    name: str
    kubernetes_cluster_id: str
    vm_size: str
    mode: Literal["User", "System"]
    os_type: Literal["Linux", "Windows"]
    auto_scaling_enabled: bool
    min_count: int
    max_count: int
    node_labels: dict[str, str]
    node_taints: list[str]
    priority: Literal["Regular", "Spot"]
    eviction_policy: Literal["Delete", "Deallocate"]
    spot_max_price: float
    gpu_driver: Literal["Install", "None"]
    max_pods: int
    vnet_subnet_id: str
    zones: list[str]
    os_disk_size_gb: int
    upgrade_settings: list[NodePoolUpgrade]
    tags: dict[str, str]


# --- identity -----------------------------------------------------------------------------
class UserAssignedIdentity(TypedDict, total=False):
    name: str
    location: str
    resource_group_name: str
    tags: dict[str, str]


class FederatedIdentityCredential(TypedDict, total=False):
    name: str
    user_assigned_identity_id: str
    issuer: str
    subject: str
    audience: list[str]


class RoleAssignment(TypedDict, total=False):
    scope: str
    role_definition_name: str
    principal_id: str
    principal_type: Literal["ServicePrincipal", "User", "Group"]
    description: str
    condition: str
    condition_version: Literal["2.0"]
    depends_on: list[str]


class Identity(TypedDict, total=False):
    type: Literal["SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned"]
    identity_ids: list[str]


# --- storage ------------------------------------------------------------------------------
class StorageContainer(TypedDict, total=False):
    name: str
    storage_account_id: str
    container_access_type: Literal["private", "blob", "container"]
    metadata: dict[str, str]
    lifecycle: Lifecycle


class RetentionPolicy(TypedDict):
    days: int


class BlobProperties(TypedDict, total=False):
    versioning_enabled: bool
    delete_retention_policy: list[RetentionPolicy]
    container_delete_retention_policy: list[RetentionPolicy]


class SasPolicy(TypedDict):
    expiration_period: str
    expiration_action: Literal["Log", "Block"]


class StorageAccount(TypedDict, total=False):
    name: str
    resource_group_name: str
    location: str
    account_tier: Literal["Standard", "Premium"]
    account_replication_type: Literal["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"]
    account_kind: Literal["StorageV2", "BlobStorage", "BlockBlobStorage", "FileStorage"]
    min_tls_version: Literal["TLS1_2"]
    https_traffic_only_enabled: bool
    allow_nested_items_to_be_public: bool
    shared_access_key_enabled: bool
    infrastructure_encryption_enabled: bool
    blob_properties: list[BlobProperties]
    sas_policy: list[SasPolicy]
    tags: dict[str, str]


# --- Azure ML -----------------------------------------------------------------------------
class LogAnalyticsWorkspace(TypedDict, total=False):
    name: str
    location: str
    resource_group_name: str
    sku: Literal["PerGB2018"]
    retention_in_days: int
    tags: dict[str, str]


class ApplicationInsights(TypedDict, total=False):
    name: str
    location: str
    resource_group_name: str
    application_type: Literal["web", "other"]
    workspace_id: str
    tags: dict[str, str]


class KeyVault(TypedDict, total=False):
    name: str
    location: str
    resource_group_name: str
    tenant_id: str
    sku_name: Literal["standard", "premium"]
    rbac_authorization_enabled: bool
    purge_protection_enabled: bool
    soft_delete_retention_days: int
    tags: dict[str, str]


class MachineLearningWorkspace(TypedDict, total=False):
    name: str
    location: str
    resource_group_name: str
    application_insights_id: str
    key_vault_id: str
    storage_account_id: str
    public_network_access_enabled: bool
    identity: list[Identity]
    tags: dict[str, str]


class MachineLearningWorkspaceData(TypedDict):
    name: str
    resource_group_name: str


class ScaleSettings(TypedDict):
    min_node_count: int
    max_node_count: int
    scale_down_nodes_after_idle_duration: str


class MachineLearningComputeCluster(TypedDict, total=False):
    name: str
    location: str
    machine_learning_workspace_id: str
    vm_priority: Literal["Dedicated", "LowPriority"]
    vm_size: str
    description: str
    local_auth_enabled: bool
    node_public_ip_enabled: bool
    ssh_public_access_enabled: bool
    scale_settings: list[ScaleSettings]
    identity: list[Identity]
    tags: dict[str, str]


class AzapiResource(TypedDict, total=False):
    type: str
    name: str
    parent_id: str
    location: str
    identity: list[Identity]
    body: dict[str, Any]
    tags: dict[str, str]
    schema_validation_enabled: bool
    response_export_values: list[str]
    depends_on: list[str]
    lifecycle: Lifecycle


class AzapiUpdateResource(TypedDict, total=False):
    type: str
    resource_id: str
    body: dict[str, Any]
    replace_triggers_external_values: list[str]
    depends_on: list[str]


# --- Functions ----------------------------------------------------------------------------
class ServicePlan(TypedDict, total=False):
    name: str
    location: str
    resource_group_name: str
    os_type: Literal["Linux", "Windows"]
    sku_name: str
    maximum_elastic_worker_count: int
    tags: dict[str, str]


class Docker(TypedDict, total=False):
    registry_url: str
    image_name: str
    image_tag: str


class ApplicationStack(TypedDict, total=False):
    docker: list[Docker]


class SiteConfig(TypedDict, total=False):
    application_stack: list[ApplicationStack]
    container_registry_use_managed_identity: bool
    elastic_instance_minimum: int
    app_scale_limit: int
    minimum_tls_version: str
    ftps_state: Literal["Disabled", "FtpsOnly", "AllAllowed"]
    application_insights_connection_string: str


class LinuxFunctionApp(TypedDict, total=False):
    name: str
    location: str
    resource_group_name: str
    service_plan_id: str
    storage_account_name: str
    storage_uses_managed_identity: bool
    https_only: bool
    public_network_access_enabled: bool
    functions_extension_version: str
    app_settings: dict[str, str]
    identity: list[Identity]
    site_config: list[SiteConfig]
    tags: dict[str, str]


# --- Azure Monitor ------------------------------------------------------------------------
class Dimension(TypedDict):
    name: str
    operator: Literal["Include", "Exclude", "StartsWith"]
    values: list[str]


class Criteria(TypedDict, total=False):
    metric_namespace: str
    metric_name: str
    aggregation: Literal["Average", "Count", "Minimum", "Maximum", "Total"]
    operator: Literal["GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"]
    threshold: float
    dimension: list[Dimension]
    skip_metric_validation: bool


class Action(TypedDict, total=False):
    action_group_id: str


class MonitorMetricAlert(TypedDict, total=False):
    name: str
    resource_group_name: str
    scopes: list[str]
    description: str
    severity: int
    enabled: bool
    auto_mitigate: bool
    frequency: str
    window_size: str
    criteria: list[Criteria]
    action: list[Action]
    tags: dict[str, str]


class AutoscaleCapacity(TypedDict):
    default: int
    minimum: int
    maximum: int


class MetricTrigger(TypedDict, total=False):
    metric_name: str
    metric_resource_id: str
    metric_namespace: str
    time_grain: str
    statistic: Literal["Average", "Max", "Min", "Sum"]
    time_window: str
    time_aggregation: Literal["Average", "Count", "Maximum", "Minimum", "Total", "Last"]
    operator: Literal["GreaterThan", "LessThan"]
    threshold: float


class ScaleAction(TypedDict):
    direction: Literal["Increase", "Decrease"]
    type: Literal["ChangeCount"]
    value: int
    cooldown: str


class AutoscaleRule(TypedDict):
    metric_trigger: list[MetricTrigger]
    scale_action: list[ScaleAction]


class AutoscaleProfile(TypedDict, total=False):
    name: str
    capacity: list[AutoscaleCapacity]
    rule: list[AutoscaleRule]


class MonitorAutoscaleSetting(TypedDict, total=False):
    name: str
    location: str
    resource_group_name: str
    target_resource_id: str
    enabled: bool
    profile: list[AutoscaleProfile]
    tags: dict[str, str]


class DiagnosticLog(TypedDict, total=False):
    category: str


class DiagnosticMetric(TypedDict):
    category: str


class MonitorDiagnosticSetting(TypedDict, total=False):
    name: str
    target_resource_id: str
    log_analytics_workspace_id: str
    log_analytics_destination_type: Literal["Dedicated", "AzureDiagnostics"]
    enabled_log: list[DiagnosticLog]
    enabled_metric: list[DiagnosticMetric]


class QueryDimension(TypedDict):
    name: str
    operator: Literal["Include", "Exclude"]
    values: list[str]


class QueryCriteria(TypedDict, total=False):
    query: str
    time_aggregation_method: Literal["Average", "Count", "Maximum", "Minimum", "Total"]
    metric_measure_column: str
    operator: Literal["GreaterThan", "LessThan"]
    threshold: float
    dimension: list[QueryDimension]


class QueryAction(TypedDict, total=False):
    action_groups: list[str]


class MonitorScheduledQueryRulesAlertV2(TypedDict, total=False):
    name: str
    resource_group_name: str
    location: str
    scopes: list[str]
    description: str
    display_name: str
    severity: int
    enabled: bool
    auto_mitigation_enabled: bool
    evaluation_frequency: str
    window_duration: str
    criteria: list[QueryCriteria]
    action: list[QueryAction]
    skip_query_validation: bool
    tags: dict[str, str]
    depends_on: list[str]


MODELS: dict[str, tuple[str, type]] = {
    # Terraform type -> (kind, model): the test checks each model against the kit's schema.
    "azurerm_kubernetes_cluster": ("data", DataKubernetesCluster),
    "azurerm_client_config": ("data", DataClientConfig),
    "azurerm_container_registry": ("data", DataContainerRegistry),
    # "data." where a data source shares its type with a resource.
    "data.azurerm_machine_learning_workspace": ("data", MachineLearningWorkspaceData),
    "azurerm_kubernetes_cluster_node_pool": ("resource", KubernetesClusterNodePool),
    "azurerm_user_assigned_identity": ("resource", UserAssignedIdentity),
    "azurerm_federated_identity_credential": ("resource", FederatedIdentityCredential),
    "azurerm_role_assignment": ("resource", RoleAssignment),
    "azurerm_storage_container": ("resource", StorageContainer),
    "azurerm_storage_account": ("resource", StorageAccount),
    "azurerm_log_analytics_workspace": ("resource", LogAnalyticsWorkspace),
    "azurerm_application_insights": ("resource", ApplicationInsights),
    "azurerm_key_vault": ("resource", KeyVault),
    "azurerm_machine_learning_workspace": ("resource", MachineLearningWorkspace),
    "azurerm_machine_learning_compute_cluster": ("resource", MachineLearningComputeCluster),
    "azapi_resource": ("resource", AzapiResource),
    "azurerm_service_plan": ("resource", ServicePlan),
    "azurerm_linux_function_app": ("resource", LinuxFunctionApp),
    "azurerm_monitor_metric_alert": ("resource", MonitorMetricAlert),
    "azapi_update_resource": ("resource", AzapiUpdateResource),
    "azurerm_monitor_autoscale_setting": ("resource", MonitorAutoscaleSetting),
    "azurerm_monitor_diagnostic_setting": ("resource", MonitorDiagnosticSetting),
    "azurerm_monitor_scheduled_query_rules_alert_v2": (
        "resource",
        MonitorScheduledQueryRulesAlertV2,
    ),
}
