"""The AKS cluster the stack lands in, and the helpers every Azure module shares.

The cluster is not ours: a `data.azurerm_kubernetes_cluster` reads it (by
`platform.cloud.cluster` in `platform.cloud.resourceGroup`) so node pools join it by id,
federated credentials trust its `oidc_issuer_url`, and `terraform plan` fails early when it
does not exist. It is emitted once, by `build`, when pools or identities need it.

Storage accounts named in `azureblob://ACCOUNT/CONTAINER/...` URIs belong to the user; the
spec names one resource group per stack, so they are addressed there by ARM id (a string, not
a data source: nothing is read, and a missing account fails at apply with its name).
azurerm has no provider-level default tags, so every module sets `tags(plan)` itself.
"""

from __future__ import annotations

import hashlib

from mlstack import names
from mlstack.plan import Plan, Workload
from mlstack.spec.platform import AzureCloud
from mlstack.targets.terraform.azure_attrs import DataKubernetesCluster
from mlstack.targets.terraform.blocks import Block, Note, data, tf_name


def azure_cloud(plan: Plan) -> AzureCloud | None:
    cloud = plan.spec.platform.cloud
    return cloud if isinstance(cloud, AzureCloud) else None


def scoped(plan: Plan, name: str, limit: int = 63) -> str:
    """`STACK-ENV-NAME`, cut with a short hash past `limit` (e.g. 32 for online endpoints,
    whose names are unique per region, 60 for function apps)."""
    return names.scoped(plan.stack, plan.environment, name, limit)


def compact(plan: Plan, name: str, limit: int = 24) -> str:
    """Lowercase letters and digits only, globally unique: storage account and key vault
    names (3-24 characters) carry a hash of stack, environment and name."""
    digest = hashlib.sha256(f"{plan.stack}/{plan.environment}/{name}".encode()).hexdigest()[:8]
    head = "".join(c for c in f"{plan.stack}{plan.environment}{name}" if c.isalnum()).lower()
    return f"{head[: limit - len(digest)]}{digest}"


def identities(plan: Plan) -> list[Workload]:
    return [w for w in plan.workloads if w.identity is not None]


def account_id(cloud: AzureCloud, account: str) -> str:
    """ARM id of a storage account named in a URI (in the stack's resource group)."""
    return (
        f"/subscriptions/{cloud.subscription}/resourceGroups/{cloud.resource_group}"
        f"/providers/Microsoft.Storage/storageAccounts/{account}"
    )


def container_scope(cloud: AzureCloud, bucket: str) -> str:
    """ARM id of a blob container; `bucket` is `ACCOUNT/CONTAINER` as in plan grants."""
    account, container = bucket.split("/", 1)
    return f"{account_id(cloud, account)}/blobServices/default/containers/{container}"


def cluster(plan: Plan) -> Block | None:
    """The cluster data source, when node pools join it or identities trust its issuer."""
    cloud = azure_cloud(plan)
    if cloud is None or cloud.cluster is None:
        return None
    if not plan.spec.compute and not identities(plan):
        return None
    body: DataKubernetesCluster = {
        "name": cloud.cluster,
        "resource_group_name": cloud.resource_group,
    }
    return data(
        "azurerm_kubernetes_cluster",
        tf_name(cloud.cluster),
        body,
        ("platform", "cloud", "cluster"),
    )


def build(plan: Plan) -> list[Block | Note]:
    aks = cluster(plan)
    return [aks] if aks is not None else []
