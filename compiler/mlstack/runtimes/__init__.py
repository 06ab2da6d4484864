"""The serving runtimes, one module each, registered here in SPEC.md's order (the order of
`runtime:` suggestions and of every list of runtimes in a diagnostic).

Adding a runtime: its module (a `RUNTIME` record, see base.py), one line in `_REGISTERED`,
its spec class in spec/serving.py, its target module, and its tests (docs/architecture.md).
"""

from __future__ import annotations

from mlstack.runtimes import (
    awslambda,
    azurefunctions,
    azureml,
    cloudrun,
    kserve,
    mlflow,
    sagemaker,
    seldon,
    tfserving,
    torchserve,
    triton,
    vertex,
)
from mlstack.runtimes.base import FRAMEWORKS, Placement, Profile, Runtime, Scaling, Server

__all__ = ["FRAMEWORKS", "Profile", "Runtime", "Scaling", "Server", "get", "named"]

_REGISTERED = (
    kserve.RUNTIME,
    seldon.RUNTIME,
    torchserve.RUNTIME,
    tfserving.RUNTIME,
    triton.RUNTIME,
    mlflow.RUNTIME,
    sagemaker.RUNTIME,
    vertex.RUNTIME,
    azureml.RUNTIME,
    awslambda.RUNTIME,
    cloudrun.RUNTIME,
    azurefunctions.RUNTIME,
)
REGISTRY: dict[str, Runtime] = {runtime.name: runtime for runtime in _REGISTERED}


def get(name: str) -> Runtime:
    """The runtime of a `runtime:` value (the spec's discriminator: always registered)."""
    return REGISTRY[name]


def named(placement: Placement) -> tuple[str, ...]:
    """Names of the runtimes that run there, in registry order."""
    return tuple(r.name for r in _REGISTERED if r.placement == placement)
