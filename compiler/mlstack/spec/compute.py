"""`compute`: node pools, keyed by name; workloads are placed on them by `pool`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from mlstack import clouds, names
from mlstack.spec.base import Named, Range, SpecModel
from mlstack.spec.types import LabelKey, LabelValue, Quantity, quantity_value

GIB = 2**30
DISK_MIN_GIB = 20
"""The smallest node disk mlstack writes: the EKS AL2023 node images need 20 GiB (GKE takes 10),
so one floor holds on every cloud; the clouds check their own ceilings."""


class Accelerator(SpecModel):
    """GPUs attached to each node of a pool."""

    type: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    """Accelerator type as the cloud names it, e.g. nvidia-a10g, nvidia-l4, nvidia-tesla-t4."""
    count: Annotated[int, Field(ge=1, le=16)]
    """GPUs per node."""


def _not_mlstacks(key: str, what: str) -> None:
    if key.startswith(names.RESERVED_NODE_PREFIXES) or key in names.RESERVED_NODE_KEYS:
        raise PydanticCustomError(
            "E0130",
            "'{key}' is a node {what} key mlstack sets itself",
            {
                "key": key,
                "what": what,
                "hint": "placement selects the mlstack.dev/ labels and tolerates the GPU and "
                "spot taints mlstack declares: use a key of your own (dedicated, "
                "team.acme.example/tier)",
            },
        )


def _own_labels(value: dict[str, str]) -> dict[str, str]:
    for key in value:
        _not_mlstacks(key, "label")
    return value


def _own_taint(key: str) -> str:
    _not_mlstacks(key, "taint")
    return key


class Taint(SpecModel):
    """A node taint, in Kubernetes' terms; every pod mlstack places on the pool tolerates it."""

    key: Annotated[LabelKey, AfterValidator(_own_taint), Field(examples=["dedicated"])]
    """Taint key, e.g. dedicated."""
    value: Annotated[LabelValue, Field(examples=["ml"])]
    """Taint value, e.g. ml (GKE needs one, so mlstack asks for one everywhere)."""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
    """What the taint does to pods that do not tolerate it."""


def _disk(value: str) -> str:
    size = quantity_value(value) / GIB
    if size != int(size) or size < DISK_MIN_GIB:
        raise PydanticCustomError(
            "E0131",
            "disk size '{value}' is not a whole number of GiB of at least {low}Gi",
            {
                "value": value,
                "low": DISK_MIN_GIB,
                "hint": "the clouds size node disks in whole GiB: write e.g. 200Gi",
            },
        )
    return value


def disk_gib(pool: Pool) -> int | None:
    """The pool's disk in the GiB every provider argument takes (disk_size, disk_size_gb,
    os_disk_size_gb), or None for the cloud's default."""
    return None if pool.disk_size is None else int(quantity_value(pool.disk_size) / GIB)


class Pool(Named):
    """A node pool: instances of one type, scaled between nodes.min and nodes.max."""

    instance_type: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")]
    """Cloud instance type, e.g. m6i.2xlarge, n2-standard-8, Standard_D8s_v5."""
    nodes: Range = Range(min=1, max=3)
    """Autoscaling bounds of the pool."""
    accelerator: Accelerator | None = None
    """GPUs per node; pools with an accelerator get the nvidia.com/gpu taint."""
    spot: bool = False
    """Spot/preemptible nodes: tainted, so only workloads placed on this pool land there."""
    disk_size: Annotated[Quantity, AfterValidator(_disk)] | None = None
    """Each node's disk (the OS disk images and emptyDirs live on), in whole GiB: 200Gi.
    Default: the cloud's (EKS 20 GiB, GKE 100 GB, AKS by VM size)."""
    labels: Annotated[dict[LabelKey, LabelValue], AfterValidator(_own_labels)] = {}
    """Extra node labels beside mlstack's own mlstack.dev/ ones (which placement selects)."""
    taints: list[Taint] = []
    """Extra node taints beside the GPU and spot ones; every workload mlstack places on the
    pool tolerates them, so the taint keeps only everything else away."""
    subnets: list[Annotated[str, Field(min_length=1)]] = []
    """Where nodes get their addresses: AWS subnet ids (subnet-0abc…, default: the
    cluster's subnets), or on Azure one virtual network subnet resource id (default: the
    subnet of the cluster's first pool). GKE pools use the cluster's subnetwork (use zones)."""
    zones: list[Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]] = []
    """Zones the nodes run in: GKE zones of the cluster's region (europe-west4-a) or Azure
    availability zones, quoted ("1", "2", "3"). On AWS a subnet lies in one zone: pick
    subnets instead."""
    ami_release_version: (
        Annotated[
            str,
            Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+-[0-9]{8}$", examples=["1.33.0-20250704"]),
        ]
        | None
    ) = None
    """AWS only: the EKS optimized AMI release the nodes run, e.g. 1.33.0-20250704 (default:
    the latest for the cluster's version when the group is created)."""


def node_taints(pool: Pool, provider: str | None) -> list[tuple[str, str, str]]:
    """Every taint the pool's nodes carry, as (key, value, effect): the GPU taint, the spot
    taint (and the cloud's own spot taint, AKS's on Azure), then the spec's own. The
    one list both sides read: Terraform declares it, every pod placed on the pool tolerates
    it, so no pod is kept off its own pool."""
    found = [names.GPU_TAINT] if pool.accelerator else []
    own = clouds.get(provider).spot_taint if provider else None
    if pool.spot:
        found += [names.SPOT_TAINT, *([own] if own else [])]
    return found + [(t.key, t.value, t.effect) for t in pool.taints]
