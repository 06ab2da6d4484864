"""`compute`: node pools, keyed by name; workloads are placed on them by `pool`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mlstack.spec.base import Named, Range, SpecModel


class Accelerator(SpecModel):
    """GPUs attached to each node of a pool."""

    type: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    """Accelerator type as the cloud names it, e.g. nvidia-a10g, nvidia-l4, nvidia-tesla-t4."""
    count: Annotated[int, Field(ge=1, le=16)]
    """GPUs per node."""


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
