"""Checked files -> compiled environments, ready for `emit`.

The targets are imported here on first use, not at module import: `mlstack validate` shares
the CLI module with `compile` and must never start Node (jsii) or load cdk8s. Environments
are independent, so they are compiled in worker processes when there is enough work for
more than one core (each worker has its own Node), and an environment whose plan and
compiler are unchanged comes from the compile cache without starting Node at all.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from mlstack.compile_cache import Cache, key
from mlstack.emit import Environment
from mlstack.pipeline import Checked
from mlstack.plan import Plan
from mlstack.targets import Artifact

PARALLEL_UNITS = 400
"""Models + servings + pipeline steps below which environments compile in this process:
a worker's start (fork, imports, its own Node: ~0.5 s) costs more than it saves there."""


class StackClash(Exception):
    """Two files define the same stack name: their output folders would overwrite."""


@dataclass(frozen=True)
class Options:
    jobs: int | None = None
    """Worker processes; None chooses from the CPU count and the amount of work."""
    cache: Cache | None = None
    progress: Callable[[int, int, Plan], None] | None = None
    """Called after each environment with (done, total, plan)."""


def compile_plan(plan: Plan) -> list[Artifact]:
    kubernetes = importlib.import_module("mlstack.targets.kubernetes")
    terraform = importlib.import_module("mlstack.targets.terraform")
    argocd = importlib.import_module("mlstack.targets.argocd")
    return [
        *kubernetes.compile_plan(plan),
        *terraform.compile_plan(plan),
        *argocd.compile_plan(plan),
    ]


def _units(plan: Plan) -> int:
    spec = plan.spec
    return len(spec.models) + len(spec.serving) + sum(len(p.steps) for p in spec.pipelines.values())


def _jobs(options: Options, plans: Sequence[Plan]) -> int:
    if options.jobs is not None:
        wanted = options.jobs
    elif sum(_units(p) for p in plans) < PARALLEL_UNITS:
        wanted = 1
    else:
        wanted = len(os.sched_getaffinity(0))
    if "jsii" in sys.modules:
        # A forked worker would share this process's Node child and its pipes.
        return 1
    return max(1, min(wanted, len(plans)))


_PENDING: list[Plan] = []
"""The plans a forked worker compiles, by index: inherited, never pickled."""


def _compile_pending(index: int) -> list[Artifact]:
    return compile_plan(_PENDING[index])


def _compile_all(
    plans: list[Plan], options: Options, done: Callable[[Plan], None]
) -> list[list[Artifact]]:
    jobs = _jobs(options, plans)
    if jobs == 1:
        results = []
        for plan in plans:
            results.append(compile_plan(plan))
            done(plan)
        return results
    _PENDING[:] = plans
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(_compile_pending, index) for index in range(len(plans))]
            results = []
            for plan, future in zip(plans, futures, strict=True):
                results.append(future.result())
                done(plan)
            return results
    finally:
        _PENDING.clear()


def build(results: list[Checked], options: Options = Options()) -> dict[str, list[Environment]]:
    origin: dict[str, str] = {}
    plans: list[tuple[Checked, Plan]] = []
    for result in results:
        for plan in result.plans:
            if origin.setdefault(plan.stack, result.file) != result.file:
                raise StackClash(
                    f"stack '{plan.stack}' is defined in {origin[plan.stack]} and {result.file}"
                )
            plans.append((result, plan))
    total = len(plans)
    finished = 0

    def done(plan: Plan) -> None:
        nonlocal finished
        finished += 1
        if options.progress is not None:
            options.progress(finished, total, plan)

    keys = [key(plan) if options.cache else "" for _, plan in plans]
    ready: dict[int, list[Artifact]] = {}
    for index, entry in enumerate(keys):
        if options.cache and (cached := options.cache.get(entry)) is not None:
            ready[index] = cached
            done(plans[index][1])
    missing = [index for index in range(total) if index not in ready]
    compiled = _compile_all([plans[i][1] for i in missing], options, done)
    for index, artifacts in zip(missing, compiled, strict=True):
        ready[index] = artifacts
        if options.cache:
            options.cache.put(keys[index], artifacts)
    stacks: dict[str, list[Environment]] = {}
    for index, (result, plan) in enumerate(plans):
        stacks.setdefault(plan.stack, []).append(
            Environment(plan.environment, result.file, result.sha256, ready[index])
        )
    return stacks
