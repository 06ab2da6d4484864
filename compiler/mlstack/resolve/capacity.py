"""Will it schedule? GPUs and requests against the pool and the pool's instance type.

No tool in this field checks this before deploy: a pod asking for 2 GPUs on a 1-GPU pool, or
64Gi on a 32 GiB instance, stays Pending until someone reads events. The catalogue is small;
an instance type it does not know is a warning, never an error.
"""

from __future__ import annotations

from typing import Any

from mlstack import catalogue
from mlstack.load import PathKey
from mlstack.parse import describe
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.base import Resources
from mlstack.spec.models import InClusterTraining
from mlstack.spec.pipelines import ContainerStep
from mlstack.spec.serving import IN_CLUSTER
from mlstack.spec.types import quantity_value
from mlstack.suggest import did_you_mean

GIB = 2**30
_CATALOGUE = {"aws": "aws", "gcp": "gcp", "azure": "azure"}


def _placed(ctx: Context) -> list[tuple[PathKey, str | None, Resources]]:
    """(path of the workload, its pool, its per-pod resources) for every in-cluster workload."""
    stack = ctx.stack
    out: list[tuple[PathKey, str | None, Resources]] = []
    for name, model in enabled(stack.models).items():
        if isinstance(model.training, InClusterTraining):
            out.append(
                (("models", name, "training"), model.training.pool, model.training.resources)
            )
    for name, serving in enabled(stack.serving).items():
        if serving.runtime in IN_CLUSTER:
            out.append((("serving", name), serving.pool, serving.resources))
    for name, notebook in enabled(stack.notebooks).items():
        out.append((("notebooks", name), notebook.pool, notebook.resources))
    for name, pipeline in enabled(stack.pipelines).items():
        for step_name, step in enabled(pipeline.steps).items():
            if isinstance(step, ContainerStep) and step.model is None:
                out.append((("pipelines", name, "steps", step_name), step.pool, step.resources))
    return out


def check(ctx: Context) -> None:
    cloud = ctx.stack.platform.cloud
    pools = ctx.stack.compute
    known: dict[str, Any] = {}
    for name, pool in enabled(pools).items():
        path: PathKey = ("compute", name)
        if cloud is None:
            continue
        if cloud.provider == "azure" and not (
            len(name) <= 12 and name.isalnum() and name[0].isalpha()
        ):
            ctx.error(
                "E0408",
                f"pool '{name}' is not a valid AKS node pool name",
                path,
                "on azure, pool names are at most 12 lowercase letters and digits, starting with a letter",
                key=True,
            )
        spec = catalogue.instance(_CATALOGUE[cloud.provider], pool.instance_type)
        if spec is None:
            elsewhere = catalogue.cloud_of_instance(pool.instance_type)
            if elsewhere and elsewhere not in (cloud.provider, "sagemaker"):
                ctx.error(
                    "E0604",
                    f"instance type '{pool.instance_type}' is a {elsewhere} type, but this stack runs on {cloud.provider}",
                    (*path, "instanceType"),
                    "pick an instance type of this cloud",
                )
            else:
                ctx.warn(
                    "W0604",
                    f"instance type '{pool.instance_type}' is not in mlstack's catalogue; its capacity is not checked",
                    (*path, "instanceType"),
                    did_you_mean(pool.instance_type, catalogue.names(_CATALOGUE[cloud.provider]))
                    or "check the spelling; unknown types are allowed",
                )
            continue
        known[name] = spec
        accelerator = pool.accelerator
        if (
            cloud.provider == "gcp"
            and pool.instance_type.startswith("n1-")
            and accelerator is not None
        ):
            # N1 machines take attached GPUs (guest accelerators): the pool says how many.
            continue
        if accelerator is None and spec.gpu:
            ctx.warn(
                "W0605",
                f"pool '{name}' runs {pool.instance_type}, which has {spec.gpu} GPU(s), but declares no accelerator",
                (*path, "instanceType"),
                f"add accelerator: {{type: {spec.gpu_type}, count: {spec.gpu}}} so GPU workloads can use it",
            )
        elif accelerator is not None and accelerator.count > spec.gpu:
            ctx.error(
                "E0605",
                f"pool '{name}' declares {accelerator.count} GPU(s) per node, but {pool.instance_type} has {spec.gpu}",
                (*path, "accelerator", "count"),
                f"set count: {spec.gpu}, or choose a larger instance type"
                if spec.gpu
                else "choose a GPU instance type",
            )
        elif accelerator is not None and spec.gpu_type and accelerator.type != spec.gpu_type:
            ctx.warn(
                "W0606",
                f"pool '{name}' declares accelerator '{accelerator.type}', but {pool.instance_type} carries {spec.gpu_type}",
                (*path, "accelerator", "type"),
                f"write type: {spec.gpu_type}",
            )
    for path, pool_name, resources in _placed(ctx):
        _fits(ctx, path, pool_name, resources, pools, known)


def _fits(
    ctx: Context,
    path: PathKey,
    pool_name: str | None,
    resources: Resources,
    pools: Any,
    known: dict[str, Any],
) -> None:
    where = (*path, "resources")
    pool = pools.get(pool_name) if pool_name else None
    if resources.gpu:
        if pool_name is None:
            ctx.error(
                "E0601",
                f"{describe(path)} requests {resources.gpu} GPU(s) but is placed on no pool",
                (*where, "gpu"),
                "set pool: to a pool with an accelerator",
            )
            return
        if pool is None or not pool.enabled:
            return
        if pool.accelerator is None:
            ctx.error(
                "E0601",
                f"{describe(path)} requests {resources.gpu} GPU(s), but pool '{pool_name}' has no accelerator",
                (*where, "gpu"),
                "place it on a GPU pool, or give the pool an accelerator",
            )
            return
        if resources.gpu > pool.accelerator.count:
            ctx.error(
                "E0602",
                f"{describe(path)} requests {resources.gpu} GPU(s), but pool '{pool_name}' nodes have {pool.accelerator.count}",
                (*where, "gpu"),
                "a pod cannot span nodes: lower gpu, or use more workers",
            )
            return
    spec = known.get(pool_name or "")
    if spec is None:
        return
    if resources.cpu and quantity_value(resources.cpu) > spec.vcpu:
        ctx.error(
            "E0603",
            f"{describe(path)} requests {resources.cpu} CPU, but one {pools[pool_name].instance_type} node of pool '{pool_name}' has {spec.vcpu}",
            (*where, "cpu"),
            "lower the request, or choose a larger instance type",
        )
    if resources.memory and quantity_value(resources.memory) > spec.memory_gib * GIB:
        ctx.error(
            "E0603",
            f"{describe(path)} requests {resources.memory} memory, but one {pools[pool_name].instance_type} node of pool '{pool_name}' has {spec.memory_gib:g} GiB",
            (*where, "memory"),
            "lower the request, or choose a larger instance type",
        )
