"""`features` with `store: sagemaker`: one SageMaker Feature Store feature group per group.

Feature Store knows three types, so `int`/`bool` become Integral (bool as 0/1), `float`
Fractional, `string` String and `timestamp` String (ISO-8601, the form Feature Store accepts
for event times); the record identifier is a String and the event time column is a String
event time. The offline store keeps history under the stack's MLflow artifact location
(`.../feature-store`), written by a role that reaches only that prefix.
"""

from __future__ import annotations

from typing import Literal

from mlstack import names
from mlstack.load import PathKey
from mlstack.plan import Grant, Plan
from mlstack.spec.types import duration_seconds
from mlstack.spec.uris import parse
from mlstack.targets.terraform.aws_attrs import (
    FeatureDefinition,
    OnlineStoreConfig,
    SagemakerFeatureGroup,
    Statement,
    TtlDuration,
)
from mlstack.targets.terraform.aws_cluster import aws_cloud, scoped
from mlstack.targets.terraform.aws_iam import inline_policy, s3_statements, service_role
from mlstack.targets.terraform.blocks import Block, Note, resource, tf_name

FeatureType = Literal["Integral", "Fractional", "String"]
TYPES: dict[str, FeatureType] = {
    "int": "Integral",
    "bool": "Integral",
    "float": "Fractional",
    "string": "String",
    "timestamp": "String",
}
_UNITS: tuple[tuple[Literal["Weeks", "Days", "Hours", "Minutes", "Seconds"], int], ...] = (
    ("Weeks", 604800),
    ("Days", 86400),
    ("Hours", 3600),
    ("Minutes", 60),
    ("Seconds", 1),
)


def ttl(duration: str) -> TtlDuration:
    """The largest Feature Store unit that holds the duration exactly."""
    seconds = max(1, int(duration_seconds(duration)))
    unit, size = next((u, s) for u, s in _UNITS if seconds % s == 0)
    return {"unit": unit, "value": seconds // size}


def offline_location(plan: Plan) -> Grant | None:
    mlflow = plan.spec.tracking.mlflow
    if mlflow is None or not mlflow.artifacts or not mlflow.artifacts.startswith("s3://"):
        return None
    location = parse(mlflow.artifacts)
    prefix = "/".join(p for p in (location.prefix, "feature-store") if p)
    return Grant("s3", location.bucket, prefix, True)


def build(plan: Plan) -> list[Block | Note]:
    features = plan.spec.features
    if aws_cloud(plan) is None or features is None or features.store != "sagemaker":
        return []
    source: PathKey = ("features",)
    out: list[Block | Note] = []
    offline = offline_location(plan)
    wants_offline = any(g.offline for g in features.groups.values())
    trust, role = service_role(
        "feature_store",
        names.cloud_identity("aws", plan.stack, plan.environment, "feature-store"),
        "sagemaker.amazonaws.com",
        f"Feature Store role of stack {plan.stack} ({plan.environment})",
        source,
    )
    out += [trust, role]
    if wants_offline and offline is not None:
        acl: Statement = {
            "sid": "BucketAcl",
            "effect": "Allow",
            "actions": ["s3:GetBucketAcl"],
            "resources": [f"arn:aws:s3:::{offline.bucket}"],
        }
        statements = s3_statements([offline])
        statements[0]["actions"] = [*statements[0].get("actions", []), "s3:PutObjectAcl"]
        out += inline_policy("feature_store", "offline-store", role, [*statements, acl], source)
    # Offline wanted without an S3 artifact location: validate refused it (E0756).
    for name, group in features.groups.items():
        path: PathKey = ("features", "groups", name)
        definitions: list[FeatureDefinition] = [
            {"feature_name": group.record_id, "feature_type": "String"},
            {"feature_name": group.event_time, "feature_type": "String"},
        ]
        definitions += [
            {"feature_name": f, "feature_type": TYPES[t]} for f, t in group.features.items()
        ]
        body: SagemakerFeatureGroup = {
            "feature_group_name": scoped(plan, name, 64),
            "description": f"Feature group {name} of stack {plan.stack} ({plan.environment})",
            "record_identifier_feature_name": group.record_id,
            "event_time_feature_name": group.event_time,
            "role_arn": role.ref("arn"),
            "feature_definition": definitions,
        }
        online: OnlineStoreConfig = {"enable_online_store": group.online}
        if group.online and group.ttl:
            online["ttl_duration"] = [ttl(group.ttl)]
        body["online_store_config"] = [online]
        if group.offline and offline is not None:
            body["offline_store_config"] = [
                {"s3_storage_config": [{"s3_uri": f"s3://{offline.bucket}/{offline.prefix}"}]}
            ]
            body["depends_on"] = ["aws_iam_role_policy.feature_store"]
        out.append(resource("aws_sagemaker_feature_group", tf_name(name), body, path))
    return out
