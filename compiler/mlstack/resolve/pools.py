"""Does each pool's node setting fit the stack's cloud: what a field asks for must reach the
node pool resource, so a field the cloud's node pools have no argument for is an error here,
not a setting that silently does nothing.

Taints are the exception on a stack without a cloud: mlstack creates no nodes there, but the
taints describe nodes someone else made, and every pod placed on the pool tolerates them.
"""

from __future__ import annotations

import re

from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.compute import Pool

WHERE = {
    # field (wire name) -> the clouds whose node pool resource takes it, and what to do instead
    "diskSize": (("aws", "gcp", "azure"), ""),
    "labels": (("aws", "gcp", "azure"), ""),
    "subnets": (
        ("aws", "azure"),
        "GKE node pools use the cluster's subnetwork: remove it (`zones` picks where nodes run)",
    ),
    "zones": (("gcp", "azure"), "on AWS a subnet lies in one zone: list `subnets` of the zones"),
    "amiReleaseVersion": (
        ("aws",),
        "GKE and AKS pick the node image from the pool's Kubernetes version: remove it",
    ),
}
NODE_POOLS = {"aws": "EKS node groups", "gcp": "GKE node pools", "azure": "AKS node pools"}
AWS_SUBNET = re.compile(r"subnet-[0-9a-f]{8}([0-9a-f]{9})?")
AZURE_SUBNET = re.compile(
    r"/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w._()]+/providers/"
    r"Microsoft\.Network/virtualNetworks/[-\w._]+/subnets/[-\w._]+"
)
AZURE_ZONE = re.compile(r"[1-3]")


def check(ctx: Context) -> None:
    cloud = ctx.stack.platform.cloud
    for name, pool in enabled(ctx.stack.compute).items():
        given = pool.model_dump(by_alias=True, exclude_defaults=True)
        for field, (clouds, instead) in WHERE.items():
            if field not in given:
                continue
            path = ("compute", name, field)
            if cloud is None:
                ctx.error(
                    "E0416",
                    f"pool '{name}' sets {field}, but the stack has no platform.cloud: mlstack "
                    "creates no nodes it could apply it to",
                    path,
                    "set it on the nodes where they are made, or add platform.cloud",
                    key=True,
                )
            elif cloud.provider not in clouds:
                ctx.error(
                    "E0416",
                    f"pool '{name}' sets {field}, which {NODE_POOLS[cloud.provider]} cannot take",
                    path,
                    instead or "remove it",
                    key=True,
                )
            else:
                _values(ctx, name, pool, field)


def _values(ctx: Context, name: str, pool: Pool, field: str) -> None:
    cloud = ctx.stack.platform.cloud
    assert cloud is not None
    if field == "subnets" and cloud.provider == "azure" and len(pool.subnets) > 1:
        ctx.error(
            "E0416",
            f"pool '{name}' lists {len(pool.subnets)} subnets; an AKS node pool takes one",
            ("compute", name, "subnets", 1),
            "keep one subnet of the cluster's virtual network",
        )
    checks = {
        ("subnets", "aws"): (AWS_SUBNET, "an AWS subnet id", "subnet-0123456789abcdef0"),
        ("subnets", "azure"): (
            AZURE_SUBNET,
            "an Azure subnet resource id",
            "/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/"
            "VNET/subnets/SUBNET",
        ),
        ("zones", "azure"): (AZURE_ZONE, "an Azure availability zone", "1, 2 or 3"),
        ("zones", "gcp"): (
            re.compile(re.escape(cloud.region) + r"-[a-z]"),
            f"a zone of region {cloud.region}",
            f"{cloud.region}-a",
        ),
    }
    if (field, cloud.provider) not in checks:
        return
    pattern, what, example = checks[field, cloud.provider]
    for index, value in enumerate(getattr(pool, field)):
        if not pattern.fullmatch(value):
            ctx.error(
                "E0417",
                f"'{value}' in pool '{name}' {field} is not {what}",
                ("compute", name, field, index),
                f"write e.g. {example}",
            )
