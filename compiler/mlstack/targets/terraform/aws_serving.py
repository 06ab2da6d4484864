"""SageMaker servings: one model per variant (the served model, and the canary's as a second production
variant weighted by `traffic`), an endpoint configuration (real-time instances or serverless),
the endpoint, Application Auto Scaling on the variant when replicas.max > replicas.min, and the
endpoint's CloudWatch log group. Models and configurations are immutable in SageMaker, so they
are created before the old ones are destroyed, under generated names. The execution role reads
exactly the served models' S3 locations, writes only its own log group, and pulls only the
serving image's repository.

Network isolation: when SageMaker itself stages a model from S3 into /opt/ml/model and the
image is SageMaker's prebuilt one, the model container needs no network, so it runs isolated
(no outbound calls, no AWS credentials inside: a compromised model cannot exfiltrate). A
Hugging Face model is downloaded by the container, and a custom `image` may call out by
design, so those stay connected (the spec has no field to say otherwise).

`dataCapture` and `vpc`: aws_serving_access.py.
"""

from __future__ import annotations

from mlstack import catalogue
from mlstack.clouds.aws_images import image_uri
from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.runtimes import sagemaker
from mlstack.spec.serving import SageMakerServing
from mlstack.spec.types import quantity_value
from mlstack.spec.uris import parse
from mlstack.targets.terraform.aws_attrs import (
    AppautoscalingPolicy,
    AppautoscalingTarget,
    CloudwatchLogGroup,
    Container,
    ProductionVariant,
    SagemakerEndpoint,
    SagemakerEndpointConfiguration,
    SagemakerModel,
    Statement,
    TargetTracking,
)
from mlstack.targets.terraform.aws_cluster import aws_cloud, scoped
from mlstack.targets.terraform.aws_iam import (
    ecr_pull_statements,
    inline_policy,
    s3_statements,
    service_role,
)
from mlstack.targets.terraform.aws_serving_access import (
    VPC_ACTIONS,
    capture_statements,
    data_capture,
)
from mlstack.targets.terraform.blocks import Block, Note, resource, tf_name

LOG_RETENTION_DAYS = 365
"""A year of endpoint and function logs: what audits of a model in production ask for."""
VARIANTS = ("primary", "canary")


def _container(plan: Plan, model: str, image: str | None) -> Container:
    uri = plan.spec.models[model].uri
    location = parse(uri)
    container: Container = {}
    if image:
        container["image"] = image
    if location.scheme == "s3" and uri.endswith((".tar.gz", ".tgz")):
        container["model_data_url"] = uri
    elif location.scheme == "s3":
        # An uncompressed model folder: SageMaker copies the prefix (trailing slash required).
        container["model_data_source"] = [
            {
                "s3_data_source": [
                    {
                        "s3_uri": uri.rstrip("/") + "/",
                        "s3_data_type": "S3Prefix",
                        "compression_type": "None",
                    }
                ]
            }
        ]
    elif location.scheme == "hf":
        # The Hugging Face inference toolkit downloads from the Hub at start.
        revision = uri.partition("@")[2]
        container["environment"] = {"HF_MODEL_ID": f"{location.bucket}/{location.prefix}"} | (
            {"HF_MODEL_REVISION": revision} if revision else {}
        )
    # Anything else is fetched by the serving's own image (without one, validate refused
    # the URI: E0755).
    return container


def isolated(serving: SageMakerServing, container: Container) -> bool:
    """True when the container needs no network: prebuilt image, model staged by SageMaker."""
    staged = "model_data_url" in container or "model_data_source" in container
    return serving.image is None and staged


def logs_statement(region: str, account: str, group: str) -> Statement:
    return {
        "sid": "Logs",
        "effect": "Allow",
        "actions": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        "resources": [f"arn:aws:logs:{region}:{account}:log-group:{group}:*"],
    }


def endpoint_name(plan: Plan, serving: str) -> str:
    return scoped(plan, serving)


def _scaling(
    plan: Plan, name: str, serving: SageMakerServing, endpoint: Block, variant: str
) -> list[Block]:
    source: PathKey = ("serving", name, "autoscaling")
    block = f"{tf_name(name)}_{variant}"
    target: AppautoscalingTarget = {
        "service_namespace": "sagemaker",
        "resource_id": f"endpoint/{endpoint.ref('name')}/variant/{variant}",
        "scalable_dimension": "sagemaker:variant:DesiredInstanceCount",
        "min_capacity": serving.replicas.min if variant == "primary" else 1,
        "max_capacity": serving.replicas.max,
    }
    scaling = resource("aws_appautoscaling_target", block, target, source)
    metric, value = (
        (serving.autoscaling.metric, serving.autoscaling.target)
        if serving.autoscaling
        else sagemaker.RUNTIME.scaling.fallback()
    )
    tracking: TargetTracking
    if metric == "rps":
        # SageMakerVariantInvocationsPerInstance counts invocations per instance per MINUTE.
        tracking = {
            "target_value": value * 60,
            "predefined_metric_specification": [
                {"predefined_metric_type": "SageMakerVariantInvocationsPerInstance"}
            ],
        }
    elif metric == "concurrency":
        tracking = {
            "target_value": value,
            "predefined_metric_specification": [
                {
                    "predefined_metric_type": "SageMakerVariantConcurrentRequestsPerModelHighResolution"
                }
            ],
        }
    else:
        # CPUUtilization sums all cores (0..vCPUs x 100%), so a per-instance percentage is
        # multiplied by the instance's vCPUs.
        known = catalogue.instance("sagemaker", serving.instance_type or "")
        vcpus = known.vcpu if known else 1  # unknown: validate warned (W0758)
        tracking = {
            "target_value": value * vcpus,
            "customized_metric_specification": [
                {
                    "metric_name": "CPUUtilization",
                    "namespace": "/aws/sagemaker/Endpoints",
                    "statistic": "Average",
                    "unit": "Percent",
                    "dimensions": [
                        {"name": "EndpointName", "value": endpoint.ref("name")},
                        {"name": "VariantName", "value": variant},
                    ],
                }
            ],
        }
    tracking |= {"scale_in_cooldown": 300, "scale_out_cooldown": 60}
    policy: AppautoscalingPolicy = {
        "name": f"{endpoint_name(plan, name)}-{variant}-{metric}",
        "policy_type": "TargetTrackingScaling",
        "service_namespace": scaling.ref("service_namespace"),
        "resource_id": scaling.ref("resource_id"),
        "scalable_dimension": scaling.ref("scalable_dimension"),
        "target_tracking_scaling_policy_configuration": [tracking],
    }
    return [scaling, resource("aws_appautoscaling_policy", block, policy, source)]


def _sagemaker(plan: Plan, name: str, serving: SageMakerServing) -> list[Block | Note]:
    cloud = aws_cloud(plan)
    assert cloud is not None
    path: PathKey = ("serving", name)
    block = tf_name(name)
    endpoint = endpoint_name(plan, name)
    group = f"/aws/sagemaker/Endpoints/{endpoint}"
    out: list[Block | Note] = []
    models = [serving.model] + ([serving.canary.model] if serving.canary else [])
    images = {}
    for model in models:
        framework = plan.spec.models[model].framework
        images[model] = serving.image or image_uri(framework, cloud.region, serving.instance_type)
        assert images[model] is not None, "validate: E0753 (no prebuilt image in the region)"
    role_plan = plan.cloud_role("sagemaker", name)
    assert role_plan.identity is not None
    trust, role = service_role(
        f"sagemaker_{block}",
        role_plan.identity,
        "sagemaker.amazonaws.com",
        f"SageMaker execution role of serving {name} (stack {plan.stack}, {plan.environment})",
        path,
    )
    statements = [
        *s3_statements(role_plan.grants),
        logs_statement(cloud.region, cloud.account, group),
    ]
    statements += [
        {
            "sid": "Metrics",
            "effect": "Allow",
            "actions": ["cloudwatch:PutMetricData"],
            "resources": ["*"],
            "condition": [
                {
                    "test": "StringEquals",
                    "variable": "cloudwatch:namespace",
                    "values": ["/aws/sagemaker/Endpoints"],
                }
            ],
        }
    ]
    statements += ecr_pull_statements(images.values())
    if serving.data_capture is not None:
        statements += capture_statements(serving.data_capture)
    if serving.vpc is not None:
        statements.append(
            {"sid": "VpcInterfaces", "effect": "Allow", "actions": VPC_ACTIONS, "resources": ["*"]}
        )
    policy = inline_policy(f"sagemaker_{block}", "serving", role, statements, path)
    out += [trust, role, *policy]
    variants: list[ProductionVariant] = []
    for variant, model in zip(VARIANTS, models, strict=False):
        container = _container(plan, model, images[model])
        body: SagemakerModel = {
            "execution_role_arn": role.ref("arn"),
            "primary_container": [container],
            "depends_on": [f"aws_iam_role_policy.{policy[1].name}"],
            "lifecycle": {"create_before_destroy": True},
        }
        if serving.vpc is not None:
            body["vpc_config"] = [
                {
                    "subnets": list(serving.vpc.subnets),
                    "security_group_ids": list(serving.vpc.security_groups),
                }
            ]
        if isolated(serving, container):
            # No pip install at start from the archive's requirements.txt: docs/terraform.md.
            body["enable_network_isolation"] = True
        sm_model = resource("aws_sagemaker_model", f"{block}_{variant}", body, path)
        out.append(sm_model)
        weight = (
            100 - serving.canary.traffic
            if serving.canary and variant == "primary"
            else (serving.canary.traffic if serving.canary else 100)
        )
        entry: ProductionVariant = {
            "variant_name": variant,
            "model_name": sm_model.ref("name"),
            "initial_variant_weight": weight,
        }
        if serving.serverless is not None:
            entry["serverless_config"] = [
                {
                    "memory_size_in_mb": int(quantity_value(serving.serverless.memory) / 2**20),
                    "max_concurrency": serving.serverless.max_concurrency,
                }
            ]
        else:
            assert serving.instance_type is not None
            entry["instance_type"] = serving.instance_type
            entry["initial_instance_count"] = serving.replicas.min if variant == "primary" else 1
        variants.append(entry)
    config_body: SagemakerEndpointConfiguration = {
        "name_prefix": scoped(plan, name, 36) + "-",
        "production_variants": variants,
        "lifecycle": {"create_before_destroy": True},
    }
    if serving.data_capture is not None:
        config_body["data_capture_config"] = [data_capture(serving.data_capture)]
    config = resource("aws_sagemaker_endpoint_configuration", block, config_body, path)
    log_body: CloudwatchLogGroup = {"name": group, "retention_in_days": LOG_RETENTION_DAYS}
    endpoint_body: SagemakerEndpoint = {
        "name": endpoint,
        "endpoint_config_name": config.ref("name"),
    }
    sm_endpoint = resource("aws_sagemaker_endpoint", block, endpoint_body, path)
    out += [
        config,
        resource("aws_cloudwatch_log_group", f"sagemaker_{block}", log_body, path),
        sm_endpoint,
    ]
    # accelerator: not used, instanceType decides (validate warns, W0752).
    if serving.serverless is None and serving.replicas.max > serving.replicas.min:
        for variant in VARIANTS[: len(models)]:
            out += _scaling(plan, name, serving, sm_endpoint, variant)
    return out


def build(plan: Plan) -> list[Block | Note]:
    if aws_cloud(plan) is None:
        return []
    out: list[Block | Note] = []
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, SageMakerServing):
            out += _sagemaker(plan, name, serving)
    return out
