"""`features.store: vertex` as a Vertex AI Feature Store (the current one, not the legacy
`google_vertex_ai_featurestore`): one Optimized online store per stack/environment.

A feature view (`google_vertex_ai_feature_online_store_featureview`) must read a BigQuery
source: a table (`big_query_source`) or feature groups registered over one
(`feature_registry_source`). The spec's groups name columns and types but no BigQuery table,
so no view can be expressed without inventing one; validate says, per online group, which
table columns its view needs (W0759, resolve/managed_limits.py).
"""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.targets.terraform.blocks import Block, resource
from mlstack.targets.terraform.gcp_attrs import VertexAiFeatureOnlineStore
from mlstack.targets.terraform.gcp_cluster import gcp_cloud, scoped


def store_name(plan: Plan) -> str:
    """Online store names: up to 60 of [a-z0-9_], not starting with a digit."""
    name = scoped(plan, "features", 60).replace("-", "_")
    return name if not name[0].isdigit() else f"f_{name}"[:60]


def build(plan: Plan) -> list[Block]:
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
    return [store]
