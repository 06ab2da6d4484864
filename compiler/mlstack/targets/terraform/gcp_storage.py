"""The one bucket mlstack owns on GCP: the artifact store of a deployed MLflow server.

Model buckets named in `models.*.uri` belong to the user and are only granted, never created.
When `tracking.mlflow.deploy` puts artifacts under `gs://BUCKET/...`, the stack owns BUCKET, in
the stack's region: uniform bucket-level access (IAM only, no ACLs; also what the prefix
conditions of gcp_identity need), public access prevention enforced, and object versioning
(reruns overwrite artifacts). Cloud Storage encrypts every object at rest with Google-managed
keys, so no encryption block is needed unless a customer-managed key is wanted.
"""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.targets.terraform.blocks import (
    PROTECTED,
    Block,
    Note,
    gcp_labels,
    owned_artifacts,
    resource,
    tf_name,
)
from mlstack.targets.terraform.gcp_attrs import StorageBucket
from mlstack.targets.terraform.gcp_cluster import gcp_cloud


def artifact_bucket(plan: Plan) -> str | None:
    """The GCS bucket a deployed MLflow server writes to, when the stack owns one."""
    location = owned_artifacts(plan, "gs")
    return location.bucket if location else None


def build(plan: Plan) -> list[Block | Note]:
    cloud = gcp_cloud(plan)
    name = artifact_bucket(plan)
    if cloud is None or name is None:
        return []
    body: StorageBucket = {
        "name": name,
        "location": cloud.region.upper(),
        "uniform_bucket_level_access": True,
        "public_access_prevention": "enforced",
        "versioning": [{"enabled": True}],
        "labels": {**gcp_labels(plan), "mlstack-role": "mlflow-artifacts"},
        "lifecycle": PROTECTED,
    }
    source = ("tracking", "mlflow", "artifacts")
    return [resource("google_storage_bucket", tf_name(f"mlflow-artifacts-{name}"), body, source)]
