"""Does each pool's node setting fit the stack's cloud: what a field asks for must reach the
node pool resource, so a field the cloud's node pools have no argument for
(`Cloud.pool_fields` in mlstack.clouds) is an error here, not a setting that silently does
nothing.

Taints are the exception on a stack without a cloud: mlstack creates no nodes there, but the
taints describe nodes someone else made, and every pod placed on the pool tolerates them.
"""

from __future__ import annotations

import re

from mlstack import clouds
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.compute import Pool

INSTEAD = {
    # node setting (wire name) -> what to do on a cloud whose node pools lack it
    "diskSize": "remove it",
    "labels": "remove it",
    "subnets": "GKE node pools use the cluster's subnetwork: remove it (`zones` picks where "
    "nodes run)",
    "zones": "on AWS a subnet lies in one zone: list `subnets` of the zones",
    "amiReleaseVersion": "GKE and AKS pick the node image from the pool's Kubernetes version: "
    "remove it",
}


def check(ctx: Context) -> None:
    cloud = ctx.stack.platform.cloud
    for name, pool in enabled(ctx.stack.compute).items():
        given = pool.model_dump(by_alias=True, exclude_defaults=True)
        for field, instead in INSTEAD.items():
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
                continue
            facts = clouds.get(cloud.provider)
            if field not in facts.pool_fields:
                ctx.error(
                    "E0416",
                    f"pool '{name}' sets {field}, which {facts.node_pools} cannot take",
                    path,
                    instead,
                    key=True,
                )
            else:
                _values(ctx, name, pool, field, facts, cloud.region)


def _values(
    ctx: Context, name: str, pool: Pool, field: str, facts: clouds.Cloud, region: str
) -> None:
    if field == "subnets" and facts.max_subnets and len(pool.subnets) > facts.max_subnets:
        ctx.error(
            "E0416",
            f"pool '{name}' lists {len(pool.subnets)} subnets; {facts.node_pools} take "
            f"{facts.max_subnets}",
            ("compute", name, "subnets", facts.max_subnets),
            "keep one subnet of the cluster's virtual network",
        )
    form = {"subnets": facts.subnet, "zones": facts.zone(region)}.get(field)
    if form is None:
        return
    pattern, what, example = form
    for index, value in enumerate(getattr(pool, field)):
        if not re.fullmatch(pattern, value):
            ctx.error(
                "E0417",
                f"'{value}' in pool '{name}' {field} is not {what}",
                ("compute", name, field, index),
                f"write e.g. {example}",
            )
