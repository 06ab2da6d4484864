"""Typed attribute models of the hashicorp/aws 6.47.0 blocks the AWS modules emit.

We do not install the prebuilt cdktf provider packages (archived, and stuck at aws 6.25), so
each resource or data source type we write gets a `TypedDict` (total=False) with the argument
names of its provider schema, nested blocks included; bodies are built through them so mypy
rejects a misspelt argument. tests/targets/test_terraform_aws.py checks every key here against
the provider schema files of the shared kit. Nested blocks are lists of objects (Terraform
JSON syntax); references are `${...}` strings, so numbers and lists may also be strings.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from mlstack.targets.terraform.blocks import Lifecycle


# --- data sources ------------------------------------------------------------------------
class DataEksCluster(TypedDict, total=False):
    name: str


class Condition(TypedDict):
    test: str
    variable: str
    values: list[str]


class Principals(TypedDict):
    type: str
    identifiers: list[str]


class Statement(TypedDict, total=False):
    sid: str
    effect: Literal["Allow", "Deny"]
    actions: list[str]
    resources: list[str]
    principals: list[Principals]
    condition: list[Condition]


class DataIamPolicyDocument(TypedDict, total=False):
    statement: list[Statement]


# --- IAM ----------------------------------------------------------------------------------
class IamRole(TypedDict, total=False):
    name: str
    description: str
    assume_role_policy: str
    max_session_duration: int


class IamRolePolicy(TypedDict, total=False):
    name: str
    role: str
    policy: str


class IamRolePolicyAttachment(TypedDict, total=False):
    role: str
    policy_arn: str


# --- EKS ----------------------------------------------------------------------------------
class EksPodIdentityAssociation(TypedDict, total=False):
    cluster_name: str
    namespace: str
    service_account: str
    role_arn: str


class ScalingConfig(TypedDict):
    desired_size: int
    min_size: int
    max_size: int


class Taint(TypedDict):
    key: str
    value: str
    effect: Literal["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]


class UpdateConfig(TypedDict, total=False):
    max_unavailable: int


class EksNodeGroup(TypedDict, total=False):
    cluster_name: str
    node_group_name: str
    node_role_arn: str
    subnet_ids: str | list[str]
    instance_types: list[str]
    capacity_type: Literal["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"]
    ami_type: str
    release_version: str
    disk_size: int
    labels: dict[str, str]
    taint: list[Taint]
    scaling_config: list[ScalingConfig]
    update_config: list[UpdateConfig]
    depends_on: list[str]
    lifecycle: Lifecycle


# --- S3 -----------------------------------------------------------------------------------
class S3Bucket(TypedDict, total=False):
    bucket: str
    force_destroy: bool
    lifecycle: Lifecycle


class VersioningConfiguration(TypedDict):
    status: Literal["Enabled", "Suspended"]


class S3BucketVersioning(TypedDict, total=False):
    bucket: str
    versioning_configuration: list[VersioningConfiguration]


class SseDefault(TypedDict, total=False):
    sse_algorithm: Literal["AES256", "aws:kms", "aws:kms:dsse"]
    kms_master_key_id: str


class SseRule(TypedDict, total=False):
    apply_server_side_encryption_by_default: list[SseDefault]
    bucket_key_enabled: bool


class S3BucketSse(TypedDict, total=False):
    bucket: str
    rule: list[SseRule]


class AbortIncompleteMultipartUpload(TypedDict):
    days_after_initiation: int


class NoncurrentVersionExpiration(TypedDict):
    noncurrent_days: int


class LifecycleRuleFilter(TypedDict, total=False):
    prefix: str


class LifecycleRule(TypedDict, total=False):
    id: str
    status: Literal["Enabled", "Disabled"]
    filter: list[LifecycleRuleFilter]
    abort_incomplete_multipart_upload: list[AbortIncompleteMultipartUpload]
    noncurrent_version_expiration: list[NoncurrentVersionExpiration]


class S3BucketLifecycleConfiguration(TypedDict, total=False):
    bucket: str
    rule: list[LifecycleRule]
    depends_on: list[str]


class S3BucketPublicAccessBlock(TypedDict, total=False):
    bucket: str
    block_public_acls: bool
    block_public_policy: bool
    ignore_public_acls: bool
    restrict_public_buckets: bool


# --- SageMaker serving --------------------------------------------------------------------
class S3DataSource(TypedDict):
    s3_uri: str
    s3_data_type: Literal["S3Prefix", "S3Object"]
    compression_type: Literal["None", "Gzip"]


class ModelDataSource(TypedDict):
    s3_data_source: list[S3DataSource]


class Container(TypedDict, total=False):
    image: str
    model_data_url: str
    model_data_source: list[ModelDataSource]
    environment: dict[str, str]
    mode: Literal["SingleModel", "MultiModel"]


class VpcConfig(TypedDict):
    subnets: list[str]
    security_group_ids: list[str]


class SagemakerModel(TypedDict, total=False):
    name: str
    execution_role_arn: str
    primary_container: list[Container]
    enable_network_isolation: bool
    vpc_config: list[VpcConfig]
    depends_on: list[str]
    lifecycle: Lifecycle


class ServerlessConfig(TypedDict):
    max_concurrency: int
    memory_size_in_mb: int


class ProductionVariant(TypedDict, total=False):
    variant_name: str
    model_name: str
    instance_type: str
    initial_instance_count: int
    initial_variant_weight: float
    accelerator_type: str
    serverless_config: list[ServerlessConfig]


class CaptureOption(TypedDict):
    capture_mode: Literal["Input", "Output"]


class DataCaptureConfig(TypedDict, total=False):
    enable_capture: bool
    initial_sampling_percentage: int
    destination_s3_uri: str
    kms_key_id: str
    capture_options: list[CaptureOption]


class SagemakerEndpointConfiguration(TypedDict, total=False):
    name: str
    name_prefix: str
    production_variants: list[ProductionVariant]
    data_capture_config: list[DataCaptureConfig]
    lifecycle: Lifecycle


class SagemakerEndpoint(TypedDict, total=False):
    name: str
    endpoint_config_name: str


class AppautoscalingTarget(TypedDict, total=False):
    service_namespace: str
    resource_id: str
    scalable_dimension: str
    min_capacity: int
    max_capacity: int
    depends_on: list[str]


class PredefinedMetric(TypedDict):
    predefined_metric_type: str


class Dimension(TypedDict):
    name: str
    value: str


class CustomizedMetric(TypedDict, total=False):
    metric_name: str
    namespace: str
    statistic: str
    unit: str
    dimensions: list[Dimension]


class TargetTracking(TypedDict, total=False):
    target_value: float
    predefined_metric_specification: list[PredefinedMetric]
    customized_metric_specification: list[CustomizedMetric]
    scale_in_cooldown: int
    scale_out_cooldown: int


class AppautoscalingPolicy(TypedDict, total=False):
    name: str
    policy_type: Literal["TargetTrackingScaling", "StepScaling"]
    service_namespace: str
    resource_id: str
    scalable_dimension: str
    target_tracking_scaling_policy_configuration: list[TargetTracking]


class CloudwatchLogGroup(TypedDict, total=False):
    name: str
    retention_in_days: int


# --- Lambda -------------------------------------------------------------------------------
class LambdaFunction(TypedDict, total=False):
    function_name: str
    package_type: Literal["Zip", "Image"]
    image_uri: str
    role: str
    memory_size: int
    timeout: int
    reserved_concurrent_executions: int
    depends_on: list[str]


class LambdaFunctionUrl(TypedDict, total=False):
    function_name: str
    authorization_type: Literal["AWS_IAM", "NONE"]


# --- CloudWatch alarms --------------------------------------------------------------------
class Metric(TypedDict, total=False):
    metric_name: str
    namespace: str
    period: int
    stat: str
    unit: str
    dimensions: dict[str, str]


class MetricQuery(TypedDict, total=False):
    id: str
    expression: str
    label: str
    return_data: bool
    metric: list[Metric]


class CloudwatchMetricAlarm(TypedDict, total=False):
    alarm_name: str
    alarm_description: str
    comparison_operator: str
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    treat_missing_data: Literal["missing", "ignore", "breaching", "notBreaching"]
    namespace: str
    metric_name: str
    period: int
    statistic: str
    extended_statistic: str
    unit: str
    dimensions: dict[str, str]
    metric_query: list[MetricQuery]
    alarm_actions: list[str]
    ok_actions: list[str]
    tags: dict[str, str]


# --- SageMaker training, pipelines, features ----------------------------------------------
class SagemakerPipeline(TypedDict, total=False):
    pipeline_name: str
    pipeline_display_name: str
    pipeline_description: str
    pipeline_definition: str
    role_arn: str
    depends_on: list[str]


class FlexibleTimeWindow(TypedDict, total=False):
    mode: Literal["OFF", "FLEXIBLE"]


class RetryPolicy(TypedDict, total=False):
    maximum_retry_attempts: int


class ScheduleTarget(TypedDict, total=False):
    arn: str
    role_arn: str
    retry_policy: list[RetryPolicy]


class SchedulerSchedule(TypedDict, total=False):
    name: str
    description: str
    schedule_expression: str
    schedule_expression_timezone: str
    flexible_time_window: list[FlexibleTimeWindow]
    target: list[ScheduleTarget]


class FeatureDefinition(TypedDict):
    feature_name: str
    feature_type: Literal["Integral", "Fractional", "String"]


class TtlDuration(TypedDict):
    unit: Literal["Seconds", "Minutes", "Hours", "Days", "Weeks"]
    value: int


class OnlineStoreConfig(TypedDict, total=False):
    enable_online_store: bool
    ttl_duration: list[TtlDuration]


class S3StorageConfig(TypedDict):
    s3_uri: str


class OfflineStoreConfig(TypedDict, total=False):
    s3_storage_config: list[S3StorageConfig]
    table_format: Literal["Glue", "Iceberg"]
    disable_glue_table_creation: bool


class SagemakerFeatureGroup(TypedDict, total=False):
    feature_group_name: str
    description: str
    record_identifier_feature_name: str
    event_time_feature_name: str
    role_arn: str
    feature_definition: list[FeatureDefinition]
    online_store_config: list[OnlineStoreConfig]
    offline_store_config: list[OfflineStoreConfig]
    depends_on: list[str]


MODELS: dict[str, tuple[str, type]] = {
    # Terraform type -> (kind, model): the test checks each model against the kit's schema.
    "aws_eks_cluster": ("data", DataEksCluster),
    "aws_iam_policy_document": ("data", DataIamPolicyDocument),
    "aws_iam_role": ("resource", IamRole),
    "aws_iam_role_policy": ("resource", IamRolePolicy),
    "aws_iam_role_policy_attachment": ("resource", IamRolePolicyAttachment),
    "aws_eks_node_group": ("resource", EksNodeGroup),
    "aws_eks_pod_identity_association": ("resource", EksPodIdentityAssociation),
    "aws_s3_bucket": ("resource", S3Bucket),
    "aws_s3_bucket_versioning": ("resource", S3BucketVersioning),
    "aws_s3_bucket_server_side_encryption_configuration": ("resource", S3BucketSse),
    "aws_s3_bucket_public_access_block": ("resource", S3BucketPublicAccessBlock),
    "aws_s3_bucket_lifecycle_configuration": ("resource", S3BucketLifecycleConfiguration),
    "aws_sagemaker_model": ("resource", SagemakerModel),
    "aws_sagemaker_endpoint_configuration": ("resource", SagemakerEndpointConfiguration),
    "aws_sagemaker_endpoint": ("resource", SagemakerEndpoint),
    "aws_appautoscaling_target": ("resource", AppautoscalingTarget),
    "aws_appautoscaling_policy": ("resource", AppautoscalingPolicy),
    "aws_cloudwatch_log_group": ("resource", CloudwatchLogGroup),
    "aws_lambda_function": ("resource", LambdaFunction),
    "aws_lambda_function_url": ("resource", LambdaFunctionUrl),
    "aws_cloudwatch_metric_alarm": ("resource", CloudwatchMetricAlarm),
    "aws_sagemaker_pipeline": ("resource", SagemakerPipeline),
    "aws_scheduler_schedule": ("resource", SchedulerSchedule),
    "aws_sagemaker_feature_group": ("resource", SagemakerFeatureGroup),
}
