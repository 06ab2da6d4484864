"""The one bucket mlstack owns on AWS: the artifact store of a deployed MLflow server.

Model buckets named in `models.*.uri` belong to the user and are only granted, never created.
When `tracking.mlflow.deploy` puts artifacts under `s3://BUCKET/...`, the stack owns BUCKET:
versioned (artifacts are overwritten by reruns), encrypted at rest with KMS (the AWS managed
key, bucket keys on to keep KMS calls cheap) and closed to public access at the bucket level.
"""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.spec.uris import parse
from mlstack.targets.terraform.aws_attrs import (
    S3Bucket,
    S3BucketPublicAccessBlock,
    S3BucketSse,
    S3BucketVersioning,
)
from mlstack.targets.terraform.aws_cluster import aws_cloud
from mlstack.targets.terraform.blocks import Block, Note, resource, tf_name


def artifact_bucket(plan: Plan) -> str | None:
    """The S3 bucket a deployed MLflow server writes to, when the stack owns one."""
    mlflow = plan.spec.tracking.mlflow
    if aws_cloud(plan) is None or mlflow is None or not mlflow.deploy or not mlflow.artifacts:
        return None
    location = parse(mlflow.artifacts)
    return location.bucket if location.scheme == "s3" else None


def build(plan: Plan) -> list[Block | Note]:
    name = artifact_bucket(plan)
    if name is None:
        return []
    source = ("tracking", "mlflow", "artifacts")
    block = tf_name(f"mlflow-artifacts-{name}")
    bucket_body: S3Bucket = {"bucket": name}
    bucket = resource("aws_s3_bucket", block, bucket_body, source)
    versioning: S3BucketVersioning = {
        "bucket": bucket.ref("id"),
        "versioning_configuration": [{"status": "Enabled"}],
    }
    encryption: S3BucketSse = {
        "bucket": bucket.ref("id"),
        "rule": [
            {
                "apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}],
                "bucket_key_enabled": True,
            }
        ],
    }
    public: S3BucketPublicAccessBlock = {
        "bucket": bucket.ref("id"),
        "block_public_acls": True,
        "block_public_policy": True,
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    }
    return [
        bucket,
        resource("aws_s3_bucket_versioning", block, versioning, source),
        resource("aws_s3_bucket_server_side_encryption_configuration", block, encryption, source),
        resource("aws_s3_bucket_public_access_block", block, public, source),
    ]
