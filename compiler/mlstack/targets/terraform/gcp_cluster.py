"""The GKE cluster the stack lands in, and the helpers every GCP module shares.

The cluster is not ours: a `data.google_container_cluster` reads it (by `platform.cloud.cluster`
in `platform.cloud.region`, i.e. a regional cluster) so node pools join it by reference and
`terraform plan` fails early when it does not exist. It is emitted once, by `build`.
"""

from __future__ import annotations

from mlstack import names
from mlstack.plan import Plan, Workload
from mlstack.spec.platform import GcpCloud
from mlstack.targets.terraform.blocks import Block, Note, data, tf_name
from mlstack.targets.terraform.gcp_attrs import DataContainerCluster


def gcp_cloud(plan: Plan) -> GcpCloud | None:
    cloud = plan.spec.platform.cloud
    return cloud if isinstance(cloud, GcpCloud) else None


def scoped(plan: Plan, name: str, limit: int = 63) -> str:
    """`STACK-ENV-NAME`: unique in a project that several stacks and environments share; cut
    with a short hash past `limit` (40 for GKE node pools, 49 for Cloud Run services)."""
    return names.scoped(plan.stack, plan.environment, name, limit)


def identities(plan: Plan) -> list[Workload]:
    return [w for w in plan.workloads if w.identity is not None]


def cluster(plan: Plan) -> Block | None:
    """The cluster data source, when the stack has node pools to join it."""
    cloud = gcp_cloud(plan)
    if cloud is None or cloud.cluster is None or not plan.spec.compute:
        return None
    body: DataContainerCluster = {"name": cloud.cluster, "location": cloud.region}
    return data(
        "google_container_cluster", tf_name(cloud.cluster), body, ("platform", "cloud", "cluster")
    )


def build(plan: Plan) -> list[Block | Note]:
    gke = cluster(plan)
    return [gke] if gke is not None else []
