"""The instance type catalogue (data/instance_types.json) and the clouds' runtime facts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class InstanceType:
    vcpu: int
    memory_gib: float
    gpu: int
    gpu_type: str | None


@cache
def _table() -> dict[str, dict[str, InstanceType]]:
    raw = json.loads(resources.files("mlstack").joinpath("data/instance_types.json").read_text())
    return {
        cloud: {
            name: InstanceType(e["vcpu"], float(e["memoryGiB"]), e["gpu"], e.get("gpuType"))
            for name, e in entries.items()
        }
        for cloud, entries in raw.items()
        if not cloud.startswith("_")
    }


def instance(catalogue: str, name: str) -> InstanceType | None:
    """Look up `name` in one catalogue: aws, gcp, azure or sagemaker."""
    return _table().get(catalogue, {}).get(name)


def names(catalogue: str) -> list[str]:
    return sorted(_table().get(catalogue, {}))


def cloud_of_instance(name: str) -> str | None:
    """Which cloud's catalogue knows `name`, for a hint when a type is used on the wrong one."""
    return next((cloud for cloud, entries in _table().items() if name in entries), None)
