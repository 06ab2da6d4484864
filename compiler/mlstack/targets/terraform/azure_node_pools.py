"""`compute` pools as AKS user node pools that the Kubernetes side can target.

Every pool carries the `mlstack.dev/pool` node label the workloads select, the GPU taint on
accelerator pools and the spot taint on spot pools (the same `mlstack.names` constants the
Kubernetes target tolerates), and autoscales between `nodes.min` and `nodes.max`.

AKS itself adds to every Spot pool the label `kubernetes.azure.com/scalesetpriority: spot`
and the taint `kubernetes.azure.com/scalesetpriority=spot:NoSchedule` (Azure docs, "Add a spot
node pool to an AKS cluster"); the azurerm docs ask to declare both on Spot pools (else every
plan shows drift), so they are declared here too, and the Kubernetes side must tolerate that
taint on workloads placed on spot pools (names.AZURE_SPOT_TAINT). Spot pools use eviction policy Delete and max price -1 (pay up to
the on-demand price, never evicted for price).

Choices:
- AKS node pool names are at most 12 lowercase letters and digits and unique per cluster; two
  environments of a stack usually share one cluster, so the name is the pool name cut to 7
  plus a 5-character hash of stack/environment/pool (the label keeps the spec name).
- GPU pools set `gpu_driver = Install` (AKS installs the NVIDIA driver; the device plugin is
  the cluster's, see the note).
- The pool joins its `subnets` entry, or else the subnet of the cluster's first agent pool
  (AKS needs all pools in the cluster's virtual network); with a managed network that value
  is null, i.e. unset.
"""

from __future__ import annotations

import hashlib

from mlstack import names
from mlstack.plan import Plan
from mlstack.spec.compute import Pool, disk_gib, node_taints
from mlstack.targets.terraform.azure_attrs import KubernetesClusterNodePool
from mlstack.targets.terraform.azure_cluster import azure_cloud, cluster
from mlstack.targets.terraform.blocks import Block, Note, resource, tags, tf_name

"""The taint AKS puts on every Spot pool by itself (and its label, below)."""
SPOT_PRIORITY_LABEL = ("kubernetes.azure.com/scalesetpriority", "spot")
NAME_LIMIT = 12


def pool_name(plan: Plan, name: str) -> str:
    digest = hashlib.sha256(f"{plan.stack}/{plan.environment}/{name}".encode()).hexdigest()
    return f"{name[: NAME_LIMIT - 5]}{digest[:5]}"


def taints(pool: Pool) -> list[str]:
    return [f"{key}={value}:{effect}" for key, value, effect in node_taints(pool, "azure")]


def node_pool(
    plan: Plan, name: str, pool: Pool, cluster_id: str, subnet: str
) -> KubernetesClusterNodePool:
    labels = {**pool.labels, **names.pool_labels(plan.stack, plan.environment, name)}
    if pool.spot:
        labels[SPOT_PRIORITY_LABEL[0]] = SPOT_PRIORITY_LABEL[1]
    body: KubernetesClusterNodePool = {
        "name": pool_name(plan, name),
        "kubernetes_cluster_id": cluster_id,
        "vm_size": pool.instance_type,
        # Kubernetes' own per-node default; AKS's Azure CNI default (30) starves GPU nodes
        # that also run monitoring and identity daemons.
        "max_pods": 110,
        "mode": "User",
        "os_type": "Linux",
        "auto_scaling_enabled": True,
        "min_count": pool.nodes.min,
        "max_count": pool.nodes.max,
        "node_labels": labels,
        "vnet_subnet_id": pool.subnets[0] if pool.subnets else subnet,
        "tags": tags(plan),
    }
    if taints(pool):
        body["node_taints"] = taints(pool)
    if pool.accelerator:
        body["gpu_driver"] = "Install"
    if pool.zones:
        body["zones"] = list(pool.zones)
    if (size := disk_gib(pool)) is not None:
        body["os_disk_size_gb"] = size
    if pool.spot:
        body |= {"priority": "Spot", "eviction_policy": "Delete", "spot_max_price": -1}
    else:
        # Surge is not allowed on Spot pools; elsewhere one extra node keeps upgrades smooth.
        body["upgrade_settings"] = [{"max_surge": "1"}]
    return body


def build(plan: Plan) -> list[Block | Note]:
    cloud = azure_cloud(plan)
    aks = cluster(plan)
    if cloud is None or aks is None or not plan.spec.compute:
        return []
    subnet = aks.ref("agent_pool_profile[0].vnet_subnet_id")
    out: list[Block | Note] = []
    for name, pool in plan.spec.compute.items():
        body = node_pool(plan, name, pool, aks.ref("id"), subnet)
        out.append(
            resource("azurerm_kubernetes_cluster_node_pool", tf_name(name), body, ("compute", name))
        )
    gpu = [n for n, p in plan.spec.compute.items() if p.accelerator]
    spot = [n for n, p in plan.spec.compute.items() if p.spot]
    text = (
        f"Node pools join AKS cluster '{cloud.cluster}' (resource group "
        f"{cloud.resource_group}) as User pools named POOL+hash (12 characters at most); "
        "nodes keep the spec name in the mlstack.dev/pool label."
    )
    if gpu:
        text += (
            f" GPU pools ({', '.join(gpu)}) get the NVIDIA driver from AKS; the cluster needs "
            "the NVIDIA device plugin (or GPU Operator) to expose nvidia.com/gpu."
        )
    if spot:
        text += (
            f" Spot pools ({', '.join(spot)}) also carry AKS's own taint "
            "kubernetes.azure.com/scalesetpriority=spot:NoSchedule, which workloads placed "
            "there must tolerate."
        )
    out.append(Note(text, ("compute",)))
    return out
