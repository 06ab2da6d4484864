"""Checked files -> compiled environments, written to a `Staging` (compile, publish) or kept
in memory (diff).

The targets are imported here on first use, not at module import: `mlstack validate` shares
the CLI module with `compile` and must never start Node (jsii) or load cdk8s. Environments
are independent, so they are compiled in worker processes when there is enough work for
more than one core (each worker has its own Node, writes its environment's files itself
and hands back only their hashes), and an environment whose plan and compiler are unchanged
comes from the compile cache without starting Node at all.
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import multiprocessing
import multiprocessing.util
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from mlstack.compile_cache import Cache, key
from mlstack.diagnostics import Diagnostic, InputError
from mlstack.emit import Environment, Staging
from mlstack.pipeline import Checked
from mlstack.plan import Plan
from mlstack.targets import Artifact

PARALLEL_UNITS = 1000
"""Models + servings + pipeline steps below which environments compile in this process:
a worker's start (fork, imports, its own Node: ~0.5 s) costs more than it saves there."""

MEMORY_BUDGET_MB = 1024
"""Peak memory (Python and Node, every worker) the default `--jobs` stays within: each
worker holds its own Node and its own copy of what it reads of the stack, so at 5,000
models two workers need ~1.4 GB where one needs ~0.8 GB. `--jobs N` trades memory for time."""


def estimated_peak_mb(workers: int, units: int) -> float:
    """Peak PSS of a compile with `workers` processes whose largest environment has `units`:
    a fit of bench/compile.py's figures (2-core VM; N = 1,000 and 5,000 models, 2,032 and
    10,151 units per environment; one and two workers: 412 / 798 and 674 / 1,426 MB),
    rounded up."""
    return 150 + workers * (175 + 0.05 * units)


TARGETS: tuple[str, ...] = (
    "mlstack.targets.kubernetes",
    "mlstack.targets.terraform",
    "mlstack.targets.argocd",
    "mlstack.targets.addons",
)
"""Modules with `compile_plan(plan) -> Iterable[Artifact]`, in output order."""


class StackClash(Exception):
    """Two files define the same stack name: their output folders would overwrite."""


@dataclass(frozen=True)
class Options:
    jobs: int | None = None
    """Worker processes; None chooses from the CPU count and the amount of work."""
    cache: Cache | None = None
    progress: Callable[[int, int, Plan], None] | None = None
    """Called after each environment with (done, total, plan)."""


@dataclass(frozen=True)
class Job:
    """One environment to compile, and where its files go (memory when `staging` is None)."""

    result: Checked
    plan: Plan
    staging: Staging | None
    cache: Cache | None
    key: str

    def finish(self, artifacts: Iterable[Artifact], *, fresh: bool) -> Environment:
        """Each file is hashed, written (and cached) as it comes, then dropped: a large
        environment is never held whole, except for `diff`, which keeps its content."""
        entry = self.cache.writer(self.key) if fresh and self.cache is not None else None
        files: dict[str, str] = {}
        content: dict[str, bytes] | None = {} if self.staging is None else None
        try:
            for artifact in artifacts:
                if artifact.path in files:
                    raise AssertionError(f"two files would be written to {artifact.path}")
                files[artifact.path] = digest = hashlib.sha256(artifact.content).hexdigest()
                if self.staging is not None:
                    self.staging.write(self.plan.stack, self.plan.environment, (artifact,))
                if content is not None:
                    content[artifact.path] = artifact.content
                if entry is not None:
                    entry.add(artifact, digest)
        except BaseException:
            if entry is not None:
                entry.abort()
            raise
        if entry is not None:
            entry.commit()
        return Environment(
            self.plan.environment, self.plan.source_file, self.result.sha256, files, content
        )


def planned(results: list[Checked]) -> list[tuple[Checked, Plan]]:
    """Every environment of every file, after checking no two files share a stack name."""
    origin: dict[str, str] = {}
    found = []
    for result in results:
        for plan in result.plans:
            if origin.setdefault(plan.stack, result.file) != result.file:
                raise StackClash(
                    f"stack '{plan.stack}' is defined in {origin[plan.stack]} and {result.file}"
                )
            found.append((result, plan))
    return found


def compile_plan(plan: Plan) -> Iterator[Artifact]:
    """Every target runs even when one finds a problem in the spec, so a wrong patch and a
    wrong override are reported together."""
    problems: list[Diagnostic] = []
    for target in TARGETS:
        try:
            yield from importlib.import_module(target).compile_plan(plan)
        except InputError as error:
            problems += error.diagnostics
    if problems:
        raise InputError(problems)


def _units(plan: Plan) -> int:
    spec = plan.spec
    steps = sum(len(p.steps) for p in spec.pipelines.values())
    return len(spec.models) + len(spec.serving) + steps


def default_jobs(units: Sequence[int], cpus: int) -> int:
    """Workers for environments of these sizes (in units) when `--jobs` is not given: one
    per CPU, fewer when the memory budget says so, one for small stacks."""
    if sum(units) < PARALLEL_UNITS:
        return 1
    wanted = cpus
    while wanted > 1 and estimated_peak_mb(wanted, max(units)) > MEMORY_BUDGET_MB:
        wanted -= 1
    return wanted


def usable_cpus() -> int:
    """The CPUs this process may run on: `sched_getaffinity` where the OS has it (Linux; a
    container's CPU set), else the machine's count (macOS, Windows)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _jobs(options: Options, jobs: Sequence[Job]) -> int:
    if options.jobs is not None:
        wanted = options.jobs
    else:
        wanted = default_jobs([_units(job.plan) for job in jobs], usable_cpus())
    if "jsii" in sys.modules:
        # A forked worker would share this process's Node child and its pipes.
        return 1
    return max(1, min(wanted, len(jobs)))


_PENDING: list[Job] = []
"""The jobs forked workers run, by index: inherited, never pickled."""


def _worker_exit() -> None:
    if "jsii" in sys.modules:  # this worker started Node
        importlib.import_module("mlstack.targets.jsii_kernel").stop()


def _worker_start() -> None:
    """A worker leaves through `os._exit`, after multiprocessing's own finalizers but not
    atexit, where jsii stops its Node: register that with multiprocessing instead."""
    multiprocessing.util.Finalize(None, _worker_exit, exitpriority=0)


def _run_pending(index: int) -> Environment:
    job = _PENDING[index]
    return job.finish(compile_plan(job.plan), fresh=True)


def _run_all(jobs: list[Job], options: Options, done: Callable[[Plan], None]) -> list[Environment]:
    workers = _jobs(options, jobs)
    if workers == 1:
        environments = []
        for job in jobs:
            environments.append(job.finish(compile_plan(job.plan), fresh=True))
            # The CLI runs without the cyclic GC; what one environment's compile left in
            # cycles (jsii and library internals) is freed before the next one starts.
            gc.collect()
            done(job.plan)
        return environments
    _PENDING[:] = jobs
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_start
        ) as pool:
            futures = [pool.submit(_run_pending, index) for index in range(len(jobs))]
            environments = []
            for job, future in zip(jobs, futures, strict=True):
                environments.append(future.result())
                done(job.plan)
            return environments
    finally:
        _PENDING.clear()


def build(
    plans: list[tuple[Checked, Plan]],
    options: Options = Options(),
    staging: Staging | None = None,
) -> dict[str, list[Environment]]:
    """Compile every environment; files go to `staging`, or stay in memory without one."""
    total = len(plans)
    finished = 0

    def done(plan: Plan) -> None:
        nonlocal finished
        finished += 1
        if options.progress is not None:
            options.progress(finished, total, plan)

    cache = options.cache
    jobs = [Job(result, plan, staging, cache, key(plan) if cache else "") for result, plan in plans]
    ready: dict[int, Environment] = {}
    for index, job in enumerate(jobs):
        if cache is not None and (cached := cache.get(job.key)) is not None:
            ready[index] = job.finish(cached, fresh=False)
            done(job.plan)
    missing = [index for index in range(total) if index not in ready]
    compiled = _run_all([jobs[i] for i in missing], options, done)
    ready.update(zip(missing, compiled, strict=True))
    stacks: dict[str, list[Environment]] = {}
    for index, job in enumerate(jobs):
        stacks.setdefault(job.plan.stack, []).append(ready[index])
    return stacks
