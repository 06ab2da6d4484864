"""IAM building blocks the AWS modules share: least-privilege S3 statements for a plan's grants,
policy documents as `aws_iam_policy_document` data sources (Terraform renders the JSON, so
references such as the cluster's OIDC issuer can sit inside conditions), and roles that an
AWS service assumes (SageMaker, Lambda, EventBridge Scheduler, EC2 for nodes).
"""

from __future__ import annotations

from collections.abc import Iterable

from mlstack.clouds.aws_images import ECR
from mlstack.load import PathKey
from mlstack.plan import Grant
from mlstack.targets.terraform.aws_attrs import (
    DataIamPolicyDocument,
    IamRole,
    IamRolePolicy,
    Statement,
)
from mlstack.targets.terraform.blocks import Block, data, resource

READ = ["s3:GetObject"]
WRITE = ["s3:PutObject", "s3:DeleteObject"]


def ecr_pull_statements(images: Iterable[str | None]) -> list[Statement]:
    """Pulling the ECR images among `images` (others need no IAM): the registry token, and
    the layer reads on exactly their repositories."""
    repositories = sorted(
        {
            f"arn:aws:ecr:{m[2]}:{m[1]}:repository/{m[3]}"
            for i in images
            if (m := ECR.match(i or ""))
        }
    )
    if not repositories:
        return []
    return [
        {
            "sid": "EcrToken",
            "effect": "Allow",
            "actions": ["ecr:GetAuthorizationToken"],
            "resources": ["*"],
        },
        {
            "sid": "EcrPull",
            "effect": "Allow",
            "actions": [
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchCheckLayerAvailability",
            ],
            "resources": repositories,
        },
    ]


def object_arns(bucket: str, prefix: str) -> list[str]:
    """The objects under a prefix: the prefix itself may be one object (a model file, a
    parquet reference), or a folder of them; with no prefix, the whole bucket."""
    if not prefix:
        return [f"arn:aws:s3:::{bucket}/*"]
    return [f"arn:aws:s3:::{bucket}/{prefix}", f"arn:aws:s3:::{bucket}/{prefix}/*"]


def s3_statements(grants: Iterable[Grant]) -> list[Statement]:
    """Per grant: object access on exactly its prefix, and listing only below that prefix."""
    statements: list[Statement] = []
    for index, grant in enumerate(grants):
        statements.append(
            {
                "sid": f"Objects{index}",
                "effect": "Allow",
                "actions": READ + (WRITE if grant.write else []),
                "resources": object_arns(grant.bucket, grant.prefix),
            }
        )
        listing: Statement = {
            "sid": f"List{index}",
            "effect": "Allow",
            "actions": ["s3:ListBucket"],
            "resources": [f"arn:aws:s3:::{grant.bucket}"],
        }
        if grant.prefix:
            listing["condition"] = [
                {
                    "test": "StringLike",
                    "variable": "s3:prefix",
                    "values": [grant.prefix, f"{grant.prefix}/*"],
                }
            ]
        statements.append(listing)
    return statements


def document(name: str, statements: list[Statement], source: PathKey) -> Block:
    body: DataIamPolicyDocument = {"statement": statements}
    return data("aws_iam_policy_document", name, body, source)


def service_role(
    name: str, role_name: str, service: str, description: str, source: PathKey
) -> tuple[Block, Block]:
    """A role that only `service` (e.g. sagemaker.amazonaws.com) may assume, and its trust."""
    trust = document(
        f"{name}_trust",
        [
            {
                "effect": "Allow",
                "actions": ["sts:AssumeRole"],
                "principals": [{"type": "Service", "identifiers": [service]}],
            }
        ],
        source,
    )
    body: IamRole = {
        "name": role_name,
        "description": description,
        "assume_role_policy": trust.ref("json"),
    }
    return trust, resource("aws_iam_role", name, body, source)


def inline_policy(
    name: str, policy_name: str, role: Block, statements: list[Statement], source: PathKey
) -> tuple[Block, Block]:
    """An inline policy on `role` (inline: it lives and dies with the role, nothing shared)."""
    policy = document(f"{name}_access", statements, source)
    body: IamRolePolicy = {
        "name": policy_name,
        "role": role.ref("id"),
        "policy": policy.ref("json"),
    }
    return policy, resource("aws_iam_role_policy", name, body, source)
