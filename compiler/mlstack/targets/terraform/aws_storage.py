"""The one bucket mlstack owns on AWS: the artifact store of a deployed MLflow server.

Model buckets named in `models.*.uri` belong to the user and are only granted, never created.
When `tracking.mlflow.deploy` puts artifacts under `s3://BUCKET/...`, the stack owns BUCKET:
versioned (artifacts are overwritten by reruns), encrypted at rest with KMS (the AWS managed
key, bucket keys on to keep KMS calls cheap) and closed to public access at the bucket level.
Versioning without expiry would keep every overwritten artifact forever, and uploads that
MLflow abandons halfway keep their parts (billed, invisible) until aborted: a lifecycle rule
expires noncurrent versions after NONCURRENT_DAYS and aborts multipart uploads after
MULTIPART_DAYS; current versions, the runs' record, are never expired. The rule is filtered to
the artifact prefix: the bucket may hold other data that is not mlstack's to expire (without a
filter a rule applies to every object, and provider 5 warns that one of filter or prefix is
required). The bucket is protected against destroy (blocks.PROTECTED).
"""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.targets.terraform.aws_attrs import (
    S3Bucket,
    S3BucketLifecycleConfiguration,
    S3BucketPublicAccessBlock,
    S3BucketSse,
    S3BucketVersioning,
)
from mlstack.targets.terraform.blocks import (
    PROTECTED,
    Block,
    Note,
    owned_artifacts,
    resource,
    tf_name,
)

NONCURRENT_DAYS = 90
"""How long an overwritten artifact stays restorable: a quarter covers reviews of past runs."""
MULTIPART_DAYS = 7
"""An upload still unfinished after a week is abandoned: its parts are deleted."""


def artifact_bucket(plan: Plan) -> str | None:
    """The S3 bucket a deployed MLflow server writes to, when the stack owns one."""
    location = owned_artifacts(plan, "s3")
    return location.bucket if location else None


def build(plan: Plan) -> list[Block | Note]:
    location = owned_artifacts(plan, "s3")
    if location is None:
        return []
    name = location.bucket
    source = ("tracking", "mlflow", "artifacts")
    block = tf_name(f"mlflow-artifacts-{name}")
    bucket_body: S3Bucket = {"bucket": name, "lifecycle": PROTECTED}
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
    versioned = resource("aws_s3_bucket_versioning", block, versioning, source)
    lifecycle: S3BucketLifecycleConfiguration = {
        "bucket": bucket.ref("id"),
        "rule": [
            {
                "id": "mlstack-expire-noncurrent-and-abort-uploads",
                "status": "Enabled",
                "filter": [{"prefix": f"{location.prefix}/" if location.prefix else ""}],
                "noncurrent_version_expiration": [{"noncurrent_days": NONCURRENT_DAYS}],
                "abort_incomplete_multipart_upload": [{"days_after_initiation": MULTIPART_DAYS}],
            }
        ],
        # Noncurrent-version rules act on a versioned bucket: set versioning first.
        "depends_on": [f"{versioned.type}.{versioned.name}"],
    }
    return [
        bucket,
        versioned,
        resource("aws_s3_bucket_lifecycle_configuration", block, lifecycle, source),
        resource("aws_s3_bucket_server_side_encryption_configuration", block, encryption, source),
        resource("aws_s3_bucket_public_access_block", block, public, source),
    ]
