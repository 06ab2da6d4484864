"""Typed attribute models of the hashicorp/google 6.50.0 blocks the GCP modules emit.

As for AWS (aws_attrs.py): no prebuilt cdktf provider package, but one `TypedDict`
(total=False) per resource or data source type with the argument names of its provider
schema, nested blocks included, so mypy rejects a misspelt argument; and
tests/targets/test_terraform_gcp.py checks every key here against the kit's provider schema
files. Nested blocks are lists of objects (Terraform JSON); references are `${...}` strings.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from mlstack.targets.terraform.blocks import Lifecycle


# --- data sources ------------------------------------------------------------------------
class DataContainerCluster(TypedDict, total=False):
    name: str
    location: str
    project: str


# --- IAM ----------------------------------------------------------------------------------
class ServiceAccount(TypedDict, total=False):
    account_id: str
    display_name: str
    description: str
    project: str


class Condition(TypedDict, total=False):
    title: str
    description: str
    expression: str


class ServiceAccountIamMember(TypedDict, total=False):
    service_account_id: str
    role: str
    member: str


class StorageBucketIamMember(TypedDict, total=False):
    bucket: str
    role: str
    member: str
    condition: list[Condition]


class ProjectIamMember(TypedDict, total=False):
    project: str
    role: str
    member: str


# --- GKE ----------------------------------------------------------------------------------
class Autoscaling(TypedDict, total=False):
    total_min_node_count: int
    total_max_node_count: int
    location_policy: Literal["BALANCED", "ANY"]


class Management(TypedDict, total=False):
    auto_repair: bool
    auto_upgrade: bool


class Taint(TypedDict):
    key: str
    value: str
    effect: Literal["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]


class GpuDriver(TypedDict):
    gpu_driver_version: Literal["LATEST", "DEFAULT", "INSTALLATION_DISABLED"]


class GuestAccelerator(TypedDict, total=False):
    type: str
    count: int
    gpu_driver_installation_config: list[GpuDriver]


class WorkloadMetadataConfig(TypedDict):
    mode: Literal["GKE_METADATA", "GCE_METADATA"]


class ShieldedInstanceConfig(TypedDict, total=False):
    enable_secure_boot: bool
    enable_integrity_monitoring: bool


class NodeConfig(TypedDict, total=False):
    machine_type: str
    labels: dict[str, str]
    resource_labels: dict[str, str]
    taint: list[Taint]
    disk_size_gb: int
    spot: bool
    guest_accelerator: list[GuestAccelerator]
    workload_metadata_config: list[WorkloadMetadataConfig]
    shielded_instance_config: list[ShieldedInstanceConfig]
    oauth_scopes: list[str]
    service_account: str


class UpgradeSettings(TypedDict, total=False):
    max_surge: int
    max_unavailable: int


class ContainerNodePool(TypedDict, total=False):
    name: str
    cluster: str
    location: str
    node_locations: list[str]
    autoscaling: list[Autoscaling]
    management: list[Management]
    node_config: list[NodeConfig]
    upgrade_settings: list[UpgradeSettings]
    depends_on: list[str]


# --- Cloud Storage ------------------------------------------------------------------------
class Versioning(TypedDict):
    enabled: bool


class StorageBucket(TypedDict, total=False):
    name: str
    location: str
    uniform_bucket_level_access: bool
    public_access_prevention: Literal["enforced", "inherited"]
    versioning: list[Versioning]
    labels: dict[str, str]
    force_destroy: bool
    lifecycle: Lifecycle


# --- Vertex AI endpoint -------------------------------------------------------------------
class VertexAiEndpoint(TypedDict, total=False):
    name: str
    display_name: str
    description: str
    location: str
    region: str
    labels: dict[str, str]


# --- Cloud Run ----------------------------------------------------------------------------
class RunResources(TypedDict, total=False):
    limits: dict[str, str]
    cpu_idle: bool
    startup_cpu_boost: bool


class RunEnv(TypedDict, total=False):
    name: str
    value: str


class RunPort(TypedDict, total=False):
    container_port: int


class RunContainer(TypedDict, total=False):
    image: str
    resources: list[RunResources]
    env: list[RunEnv]
    ports: list[RunPort]


class RunScaling(TypedDict, total=False):
    min_instance_count: int
    max_instance_count: int


class RunTemplate(TypedDict, total=False):
    service_account: str
    containers: list[RunContainer]
    scaling: list[RunScaling]
    max_instance_request_concurrency: int
    timeout: str
    labels: dict[str, str]


class CloudRunV2Service(TypedDict, total=False):
    name: str
    location: str
    description: str
    ingress: Literal[
        "INGRESS_TRAFFIC_ALL",
        "INGRESS_TRAFFIC_INTERNAL_ONLY",
        "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
    ]
    invoker_iam_disabled: bool
    labels: dict[str, str]
    template: list[RunTemplate]


# --- Cloud Monitoring ---------------------------------------------------------------------
class Aggregation(TypedDict, total=False):
    alignment_period: str
    per_series_aligner: str
    cross_series_reducer: str
    group_by_fields: list[str]


class Trigger(TypedDict, total=False):
    count: int
    percent: float


class ConditionThreshold(TypedDict, total=False):
    filter: str
    comparison: Literal["COMPARISON_GT", "COMPARISON_LT"]
    threshold_value: float
    duration: str
    aggregations: list[Aggregation]
    denominator_filter: str
    denominator_aggregations: list[Aggregation]
    evaluation_missing_data: Literal[
        "EVALUATION_MISSING_DATA_INACTIVE",
        "EVALUATION_MISSING_DATA_ACTIVE",
        "EVALUATION_MISSING_DATA_NO_OP",
    ]
    trigger: list[Trigger]


class AlertCondition(TypedDict, total=False):
    display_name: str
    condition_threshold: list[ConditionThreshold]


class Link(TypedDict, total=False):
    display_name: str
    url: str


class Documentation(TypedDict, total=False):
    content: str
    mime_type: str
    subject: str
    links: list[Link]


class MonitoringAlertPolicy(TypedDict, total=False):
    display_name: str
    combiner: Literal["OR", "AND", "AND_WITH_MATCHING_RESOURCE"]
    enabled: bool
    severity: Literal["CRITICAL", "ERROR", "WARNING"]
    conditions: list[AlertCondition]
    documentation: list[Documentation]
    notification_channels: list[str]
    user_labels: dict[str, str]


# --- Cloud Scheduler ----------------------------------------------------------------------
class OauthToken(TypedDict, total=False):
    service_account_email: str
    scope: str


class HttpTarget(TypedDict, total=False):
    uri: str
    http_method: Literal["POST", "GET", "PUT", "PATCH", "DELETE"]
    body: str
    headers: dict[str, str]
    oauth_token: list[OauthToken]


class SchedulerRetry(TypedDict, total=False):
    retry_count: int


class CloudSchedulerJob(TypedDict, total=False):
    name: str
    description: str
    region: str
    schedule: str
    time_zone: str
    attempt_deadline: str
    http_target: list[HttpTarget]
    retry_config: list[SchedulerRetry]
    depends_on: list[str]


# --- Vertex AI Feature Store --------------------------------------------------------------
class Optimized(TypedDict, total=False):
    pass


class VertexAiFeatureOnlineStore(TypedDict, total=False):
    name: str
    region: str
    labels: dict[str, str]
    optimized: list[Optimized]


MODELS: dict[str, tuple[str, type]] = {
    # Terraform type -> (kind, model): the test checks each model against the kit's schema.
    "google_container_cluster": ("data", DataContainerCluster),
    "google_service_account": ("resource", ServiceAccount),
    "google_service_account_iam_member": ("resource", ServiceAccountIamMember),
    "google_storage_bucket_iam_member": ("resource", StorageBucketIamMember),
    "google_project_iam_member": ("resource", ProjectIamMember),
    "google_container_node_pool": ("resource", ContainerNodePool),
    "google_storage_bucket": ("resource", StorageBucket),
    "google_vertex_ai_endpoint": ("resource", VertexAiEndpoint),
    "google_cloud_run_v2_service": ("resource", CloudRunV2Service),
    "google_monitoring_alert_policy": ("resource", MonitoringAlertPolicy),
    "google_cloud_scheduler_job": ("resource", CloudSchedulerJob),
    "google_vertex_ai_feature_online_store": ("resource", VertexAiFeatureOnlineStore),
}
