"""`features.store: vertex` as a Vertex AI Feature Store (the current one, not the legacy
`google_vertex_ai_featurestore`): one Optimized online store per stack/environment.

A feature view (`google_vertex_ai_feature_online_store_featureview`) must read a BigQuery
source: a table (`big_query_source`) or feature groups registered over one
(`feature_registry_source`). The spec's groups name columns and types but no BigQuery table,
so no view can be expressed without inventing one; NOTES.md says, per group, which table
columns its view needs (entity id, feature_timestamp, features) and how to create it.
"""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.targets.terraform.blocks import Block, Note, resource, tf_name
from mlstack.targets.terraform.gcp_attrs import VertexAiFeatureOnlineStore
from mlstack.targets.terraform.gcp_cluster import gcp_cloud, scoped

BIGQUERY_TYPE = {
    "int": "INT64",
    "float": "FLOAT64",
    "string": "STRING",
    "bool": "BOOL",
    "timestamp": "TIMESTAMP",
}


def store_name(plan: Plan) -> str:
    """Online store names: up to 60 of [a-z0-9_], not starting with a digit."""
    name = scoped(plan, "features", 60).replace("-", "_")
    return name if not name[0].isdigit() else f"f_{name}"[:60]


def build(plan: Plan) -> list[Block | Note]:
    cloud = gcp_cloud(plan)
    features = plan.spec.features
    if cloud is None or features is None or features.store != "vertex":
        return []
    source = ("features",)
    body: VertexAiFeatureOnlineStore = {
        "name": store_name(plan),
        "region": cloud.region,
        "optimized": [{}],
    }
    store = resource("google_vertex_ai_feature_online_store", "features", body, source)
    out: list[Block | Note] = [store]
    for name, group in features.groups.items():
        if not group.online:
            continue
        columns = [f"{group.record_id} STRING", "feature_timestamp TIMESTAMP"] + [
            f"{column} {BIGQUERY_TYPE[kind]}" for column, kind in group.features.items()
        ]
        out.append(
            Note(
                f"feature group '{name}': Vertex AI serves it from online store "
                f"{body['name']} through a feature view over BigQuery, which the spec does not "
                f"name; create a table ({', '.join(columns)}; event time {group.event_time} as "
                "feature_timestamp) and a google_vertex_ai_feature_online_store_featureview "
                f"'{tf_name(name)}' with big_query_source (entity_id_columns = "
                f"[{group.record_id}])"
                + (f", synced at least every {group.ttl}" if group.ttl else "")
                + ".",
                ("features", "groups", name),
            )
        )
    return out
