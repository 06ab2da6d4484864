"""Lambda servings: a container-image function behind a function URL.

Memory comes from resources.memory (in MB, as Lambda counts it), concurrency is capped at
replicas.max, the URL only answers IAM-signed requests (auth type AWS_IAM), and the execution
role reads exactly the served model's S3 location and writes only the function's log group.

Warm instances need a published version: the function publishes one on every change and the
`live` alias points at it; the URL serves the alias, so callers always reach the version that
holds the provisioned concurrency. `replicas.min` is that provisioned concurrency; with
`autoscaling` (concurrency: the share of warm instances busy, resolve/managed_serving.py) Application
Auto Scaling tracks `LambdaProvisionedConcurrencyUtilization` on the alias between
replicas.min and replicas.max, and Terraform stops resetting the count it adjusts
(`ignore_changes`), so the two never fight.
"""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.runtimes import awslambda
from mlstack.spec.serving import LambdaServing
from mlstack.spec.types import quantity_value
from mlstack.targets.terraform.aws_attrs import (
    AppautoscalingPolicy,
    AppautoscalingTarget,
    CloudwatchLogGroup,
    LambdaAlias,
    LambdaFunction,
    LambdaFunctionUrl,
    LambdaProvisionedConcurrencyConfig,
)
from mlstack.targets.terraform.aws_cluster import aws_cloud, scoped
from mlstack.targets.terraform.aws_iam import inline_policy, s3_statements, service_role
from mlstack.targets.terraform.aws_serving import LOG_RETENTION_DAYS, logs_statement
from mlstack.targets.terraform.blocks import Block, Note, resource, tf_name

ALIAS = "live"
"""The alias the function URL serves and the provisioned concurrency is on."""


def _lambda(plan: Plan, name: str, serving: LambdaServing) -> list[Block | Note]:
    cloud = aws_cloud(plan)
    assert cloud is not None
    path: PathKey = ("serving", name)
    block = tf_name(name)
    function = scoped(plan, name, 64)
    group = f"/aws/lambda/{function}"
    decided = plan.cloud_role("lambda", name)
    assert decided.identity is not None
    trust, role = service_role(
        f"lambda_{block}",
        decided.identity,
        "lambda.amazonaws.com",
        f"Lambda execution role of serving {name} (stack {plan.stack}, {plan.environment})",
        path,
    )
    statements = [
        *s3_statements(decided.grants),
        logs_statement(cloud.region, cloud.account, group),
    ]
    policy = inline_policy(f"lambda_{block}", "serving", role, statements, path)
    log_body: CloudwatchLogGroup = {"name": group, "retention_in_days": LOG_RETENTION_DAYS}
    logs = resource("aws_cloudwatch_log_group", f"lambda_{block}", log_body, path)
    body: LambdaFunction = {
        "function_name": function,
        "package_type": "Image",
        "image_uri": serving.image,
        "role": role.ref("arn"),
        "memory_size": int(quantity_value(serving.resources.memory) / 2**20),
        "timeout": 60,
        "reserved_concurrent_executions": serving.replicas.max,
        "publish": True,
        "depends_on": [
            f"aws_iam_role_policy.{policy[1].name}",
            f"aws_cloudwatch_log_group.{logs.name}",
        ],
    }
    fn = resource("aws_lambda_function", block, body, path)
    alias_body: LambdaAlias = {
        "name": ALIAS,
        "description": f"The version serving {name}: mlstack points it at each publish",
        "function_name": fn.ref("function_name"),
        "function_version": fn.ref("version"),
    }
    alias = resource("aws_lambda_alias", block, alias_body, path)
    url_body: LambdaFunctionUrl = {
        "function_name": fn.ref("function_name"),
        "qualifier": alias.ref("name"),
        "authorization_type": "AWS_IAM",
    }
    out: list[Block | Note] = [
        trust,
        role,
        *policy,
        logs,
        fn,
        alias,
        resource("aws_lambda_function_url", block, url_body, path),
        *_warm(plan, name, serving, fn, alias),
    ]
    return out


def _warm(plan: Plan, name: str, serving: LambdaServing, fn: Block, alias: Block) -> list[Block]:
    """Provisioned concurrency on the alias (replicas.min) and its autoscaling."""
    if serving.replicas.min == 0:
        return []
    block = tf_name(name)
    warm: LambdaProvisionedConcurrencyConfig = {
        "function_name": fn.ref("function_name"),
        "qualifier": alias.ref("name"),
        "provisioned_concurrent_executions": serving.replicas.min,
    }
    if serving.autoscaling is not None:
        warm["lifecycle"] = {"ignore_changes": ["provisioned_concurrent_executions"]}
    config = resource(
        "aws_lambda_provisioned_concurrency_config", block, warm, ("serving", name, "replicas")
    )
    if serving.autoscaling is None:
        return [config]
    source: PathKey = ("serving", name, "autoscaling")
    target: AppautoscalingTarget = {
        "service_namespace": "lambda",
        "resource_id": f"function:{fn.ref('function_name')}:{alias.ref('name')}",
        "scalable_dimension": "lambda:function:ProvisionedConcurrency",
        "min_capacity": serving.replicas.min,
        "max_capacity": serving.replicas.max,
        "depends_on": [f"aws_lambda_provisioned_concurrency_config.{config.name}"],
    }
    scaling = resource("aws_appautoscaling_target", f"lambda_{block}", target, source)
    policy: AppautoscalingPolicy = {
        "name": f"{scoped(plan, name, 64)}-provisioned-concurrency",
        "policy_type": "TargetTrackingScaling",
        "service_namespace": scaling.ref("service_namespace"),
        "resource_id": scaling.ref("resource_id"),
        "scalable_dimension": scaling.ref("scalable_dimension"),
        "target_tracking_scaling_policy_configuration": [
            {
                "target_value": serving.autoscaling.target,
                "predefined_metric_specification": [
                    {"predefined_metric_type": awslambda.PROVISIONED_METRIC}
                ],
            }
        ],
    }
    return [
        config,
        scaling,
        resource("aws_appautoscaling_policy", f"lambda_{block}", policy, source),
    ]


def build(plan: Plan) -> list[Block | Note]:
    if aws_cloud(plan) is None:
        return []
    out: list[Block | Note] = []
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, LambdaServing):
            out += _lambda(plan, name, serving)
    return out
