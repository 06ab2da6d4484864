"""`compute` pools as GKE node pools that the Kubernetes side can target.

Every pool carries the `mlstack.dev/pool` node label the workloads select, the GPU taint on
accelerator pools and the spot taint on spot pools (the same `mlstack.names` constants the
Kubernetes target tolerates). GKE itself also taints GPU nodes `nvidia.com/gpu=present:
NoSchedule`, so declaring it keeps Terraform's view equal to the node's.

Choices:
- `nodes.min`/`nodes.max` bound the whole pool (`total_min_node_count`/`total_max_node_count`),
  as on EKS and AKS, not each zone of a regional cluster; spot pools use location policy ANY
  (take capacity in whichever zone has it), others BALANCED.
- GPUs get `gpu_driver_installation_config = LATEST`, so GKE installs the NVIDIA driver (no
  driver DaemonSet to run).
- `workload_metadata_config = GKE_METADATA` on every pool: pods get the GKE metadata server,
  which Workload Identity needs (and which hides the node's own credentials from pods).
- Nodes run as one least-privilege service account per stack/environment
  (`roles/container.defaultNodeServiceAccount` plus `roles/artifactregistry.reader` to pull
  images) instead of the Compute Engine default account, with the `cloud-platform` scope as
  Google recommends (IAM, not scopes, limits access).
"""

from __future__ import annotations

from typing import Literal

from mlstack import names
from mlstack.plan import Plan
from mlstack.spec.compute import Pool, disk_gib, node_taints
from mlstack.targets.terraform.blocks import Block, Note, gcp_labels, resource, tf_name
from mlstack.targets.terraform.gcp_attrs import (
    ContainerNodePool,
    NodeConfig,
    ProjectIamMember,
    Taint,
)
from mlstack.targets.terraform.gcp_cluster import cluster, gcp_cloud, scoped
from mlstack.targets.terraform.gcp_identity import service_account

NODE_ROLES = {
    # GKE docs, "Use least privilege IAM service accounts" for nodes, and image pulls.
    "node": "roles/container.defaultNodeServiceAccount",
    "images": "roles/artifactregistry.reader",
}
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
NAME_LIMIT = 40
"""GKE node pool names: at most 40 characters."""
Effect = Literal["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]
EFFECT: dict[str, Effect] = {
    "NoSchedule": "NO_SCHEDULE",
    "NoExecute": "NO_EXECUTE",
    "PreferNoSchedule": "PREFER_NO_SCHEDULE",
}


def taints(pool: Pool) -> list[Taint]:
    return [
        {"key": key, "value": value, "effect": EFFECT[effect]}
        for key, value, effect in node_taints(pool, "gcp")
    ]


def node_config(plan: Plan, name: str, pool: Pool, account_email: str) -> NodeConfig:
    config: NodeConfig = {
        "machine_type": pool.instance_type,
        "labels": {**pool.labels, **names.pool_labels(plan.stack, plan.environment, name)},
        "resource_labels": gcp_labels(plan),
        "workload_metadata_config": [{"mode": "GKE_METADATA"}],
        # Shielded nodes; GKE's own GPU drivers are signed, so Secure Boot holds on GPU pools.
        "shielded_instance_config": [
            {"enable_secure_boot": True, "enable_integrity_monitoring": True}
        ],
        "oauth_scopes": [CLOUD_PLATFORM],
        "service_account": account_email,
    }
    if taints(pool):
        config["taint"] = taints(pool)
    if pool.spot:
        config["spot"] = True
    if (size := disk_gib(pool)) is not None:
        config["disk_size_gb"] = size
    if pool.accelerator:
        config["guest_accelerator"] = [
            {
                "type": pool.accelerator.type,
                "count": pool.accelerator.count,
                "gpu_driver_installation_config": [{"gpu_driver_version": "LATEST"}],
            }
        ]
    return config


def build(plan: Plan) -> list[Block | Note]:
    cloud = gcp_cloud(plan)
    gke = cluster(plan)
    if cloud is None or gke is None:
        return []
    source = ("compute",)
    account = service_account(
        "gke_nodes",
        names.cloud_identity("gcp", plan.stack, plan.environment, "gke-nodes"),
        f"GKE nodes of {plan.stack}/{plan.environment}",
        source,
    )
    out: list[Block | Note] = [account]
    members = []
    for key, role in NODE_ROLES.items():
        body: ProjectIamMember = {
            "project": cloud.project,
            "role": role,
            "member": f"serviceAccount:{account.ref('email')}",
        }
        member = resource("google_project_iam_member", f"gke_nodes_{key}", body, source)
        members.append(f"{member.type}.{member.name}")
        out.append(member)
    for name, pool in plan.spec.compute.items():
        nodes: ContainerNodePool = {
            "name": scoped(plan, name, NAME_LIMIT),
            "cluster": gke.ref("name"),
            "location": gke.ref("location"),
            "autoscaling": [
                {
                    "total_min_node_count": pool.nodes.min,
                    "total_max_node_count": pool.nodes.max,
                    "location_policy": "ANY" if pool.spot else "BALANCED",
                }
            ],
            "management": [{"auto_repair": True, "auto_upgrade": True}],
            **({"node_locations": list(pool.zones)} if pool.zones else {}),
            "node_config": [node_config(plan, name, pool, account.ref("email"))],
            "upgrade_settings": [{"max_surge": 1, "max_unavailable": 0}],
            # Roles first, so the first nodes can register and pull images.
            "depends_on": members,
        }
        out.append(resource("google_container_node_pool", tf_name(name), nodes, ("compute", name)))
    out.append(
        Note(
            f"Node pools join the regional GKE cluster '{cloud.cluster}' in {cloud.region}; "
            "nodes.min/nodes.max bound each pool in total across its zones (GKE's cluster "
            "autoscaler keeps it there). Accelerator types must exist in the cluster's zones.",
            source,
        )
    )
    return out
