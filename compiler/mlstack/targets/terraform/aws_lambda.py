"""Lambda servings: a container-image function behind a function URL.

Memory comes from resources.memory (in MB, as Lambda counts it), concurrency is capped at
replicas.max, the URL only answers IAM-signed requests (auth type AWS_IAM), and the execution
role reads exactly the served model's S3 location and writes only the function's log group.
"""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.serving import LambdaServing
from mlstack.spec.types import quantity_value
from mlstack.targets.terraform.aws_attrs import (
    CloudwatchLogGroup,
    LambdaFunction,
    LambdaFunctionUrl,
)
from mlstack.targets.terraform.aws_cluster import aws_cloud, scoped
from mlstack.targets.terraform.aws_iam import ECR, inline_policy, s3_statements, service_role
from mlstack.targets.terraform.aws_serving import LOG_RETENTION_DAYS, logs_statement
from mlstack.targets.terraform.blocks import Block, Note, resource, tf_name


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
        "depends_on": [
            f"aws_iam_role_policy.{policy[1].name}",
            f"aws_cloudwatch_log_group.{logs.name}",
        ],
    }
    fn = resource("aws_lambda_function", block, body, path)
    url_body: LambdaFunctionUrl = {
        "function_name": fn.ref("function_name"),
        "authorization_type": "AWS_IAM",
    }
    out: list[Block | Note] = [
        trust,
        role,
        *policy,
        logs,
        fn,
        resource("aws_lambda_function_url", block, url_body, path),
    ]
    if serving.replicas.min > 0:
        out.append(
            Note(
                f"serving '{name}': Lambda keeps no warm instances here (replicas.min needs provisioned concurrency on a published version).",
                (*path, "replicas", "min"),
            )
        )
    if not ECR.match(serving.image):
        out.append(
            Note(
                f"serving '{name}': Lambda runs images from Amazon ECR only; push {serving.image} to ECR in {cloud.region}.",
                (*path, "image"),
            )
        )
    return out


def build(plan: Plan) -> list[Block | Note]:
    if aws_cloud(plan) is None:
        return []
    out: list[Block | Note] = []
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, LambdaServing):
            out += _lambda(plan, name, serving)
    return out
