"""The namespace quota, computed once: every pod the stack can run at the same moment, at
its maximum scale and in the middle of a rollout.

A ResourceQuota refuses a pod whose requests would exceed it, and a refused rollout pod is
retried forever: a quota that grants exactly the replicas at rest deadlocks every image bump
of a Deployment that surges. So each workload counts its worst case:

- plain runtimes and KServe RawDeployment: `replicas.max` plus the Deployment's surge
  (`rollout`, below);
- KServe Serverless: `replicas.max` per revision that takes traffic (two with a canary) plus
  the new revision Knative starts beside them at `max(min, 1)` pods (its initial scale)
  before it moves traffic; each pod also runs Knative's queue-proxy;
- Seldon Servers (StatefulSets, replaced a pod at a time, no surge): `replicas.max` per
  Model they host, each pod with Seldon's agent and rclone;
- training: `workers` pods (a scheduled one also the Argo pod that creates the job);
  pipeline steps one pod each (a step reusing a training with that training's resources),
  with Argo's `wait` sidecar, Spark drivers and executors, and under Kubeflow Pipelines a
  driver pod per step; notebooks, drift jobs, the MLflow server (Recreate) and the Feast
  servers (Recreate) one pod each.

Containers without requests of their own (operators' sidecars, Argo's executor) get the
LimitRange default. GPUs are counted exactly; cpu and memory get a quarter on top for what
mlstack cannot see (service-mesh sidecars, pods still terminating after a drain).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.resolve.references import enabled
from mlstack.spec.base import Resources
from mlstack.spec.models import InClusterTraining
from mlstack.spec.pipelines import ContainerStep, SparkStep
from mlstack.spec.serving import IN_CLUSTER, InClusterServing, KServeServing, SeldonServing
from mlstack.spec.types import quantity_value
from mlstack.targets.kubernetes import pods
from mlstack.targets.kubernetes.steps import container_parts

HEADROOM = 1.25
DEFAULTED = Resources()
"""A container that sets no requests: the LimitRange default (pods.DEFAULT_CPU/MEMORY)."""
SPARK_OVERHEAD_MIN = 384 * 2**20
FEAST_SERVERS = 3
"""Registry, online and offline servers in the Feast operator's one Deployment."""


@dataclass(frozen=True)
class Rollout:
    """How a Deployment mlstack writes replaces its pods."""

    max_surge: int
    max_unavailable: int

    def strategy(self) -> dict[str, Any]:
        return {
            "type": "RollingUpdate",
            "rollingUpdate": {
                "maxSurge": self.max_surge,
                "maxUnavailable": self.max_unavailable,
            },
        }


def rollout(resources: Resources) -> Rollout:
    """CPU servings surge one pod and never drop below their count while the new pod loads
    its model. GPU servings replace one pod at a time instead: a surge pod needs a free GPU
    on the pool, which is the scarcest thing in the cluster (and the quota grants none
    beyond `replicas.max`), so a rollout at full scale would wait for one forever."""
    return Rollout(0, 1) if resources.gpu else Rollout(1, 0)


@dataclass(frozen=True)
class Pods:
    """`count` pods at once at worst, each running `containers` side by side."""

    source: PathKey
    count: int
    containers: tuple[Resources, ...]

    def total(self) -> tuple[float, float, int]:
        """(cpu cores, memory bytes, GPUs) of all `count` pods."""
        cpu = sum(quantity_value(c.cpu or pods.DEFAULT_CPU) for c in self.containers)
        memory = sum(quantity_value(c.memory or pods.DEFAULT_MEMORY) for c in self.containers)
        gpu = sum(c.gpu for c in self.containers)
        return self.count * cpu, self.count * memory, self.count * gpu


def _serving(plan: Plan, name: str, serving: InClusterServing) -> list[Pods]:
    source: PathKey = ("serving", name)
    copies = 2 if serving.canary else 1
    at_rest = serving.replicas.max * copies
    if isinstance(serving, KServeServing):
        # The primary and the canary are InferenceServices of their own (kserve.py), each
        # rolling by itself; the InferenceGraph router in front scales like the serving.
        if plan.spec.platform.kubernetes.kserve.knative:
            revision = max(serving.replicas.min, 1) * copies
            router = (pods.KSERVE_ROUTER, DEFAULTED)  # a Knative service: queue-proxy too
            return [
                Pods(source, at_rest + revision, (serving.resources, DEFAULTED)),
                Pods(source, serving.replicas.max + max(serving.replicas.min, 1), router),
            ]
        surge = rollout(serving.resources).max_surge * copies
        return [
            Pods(source, at_rest + surge, (serving.resources,)),
            Pods(source, serving.replicas.max + 1, (pods.KSERVE_ROUTER,)),
        ]
    if isinstance(serving, SeldonServing):
        if serving.server is not None:
            return []  # an existing Server: its pods are not this stack's
        sidecars = (pods.SELDON_AGENT, pods.SELDON_RCLONE)
        return [Pods(source, at_rest, (serving.resources, *sidecars))]
    return [Pods(source, at_rest + rollout(serving.resources).max_surge, (serving.resources,))]


def _spark_pod(cores: int, memory: str) -> Resources:
    """Spark asks for the JVM's memory plus its overhead: a tenth, at least 384Mi."""
    value = quantity_value(memory)
    return Resources(
        cpu=str(cores), memory=f"{math.ceil(value + max(0.1 * value, SPARK_OVERHEAD_MIN))}"
    )


def _pipeline_steps(plan: Plan, name: str) -> list[Pods]:
    pipeline = plan.spec.pipelines[name]
    kubeflow = pipeline.engine == "kubeflow"
    out: list[Pods] = []
    for step_name, step in enabled(pipeline.steps).items():
        source: PathKey = ("pipelines", name, "steps", step_name)
        if isinstance(step, SparkStep):
            if kubeflow:
                continue  # left out of Kubeflow pipelines (kfp.py)
            driver = _spark_pod(step.driver.cores, step.driver.memory)
            executor = _spark_pod(step.executor.cores, step.executor.memory)
            out += [
                Pods(source, 1, (DEFAULTED,)),  # the Argo pod that creates the application
                Pods(source, 1, (driver,)),
                Pods(source, step.executor.instances, (executor,)),
            ]
            continue
        assert isinstance(step, ContainerStep)
        out.append(Pods(source, 1, (container_parts(plan, step)["resources"], DEFAULTED)))
        if kubeflow:
            out.append(Pods(source, 1, (DEFAULTED,)))  # KFP's driver pod of the step
    return out


def demand(plan: Plan) -> list[Pods]:
    """Every pod group of the stack at its worst moment (module docstring)."""
    spec = plan.spec
    out: list[Pods] = []
    for name, model in spec.models.items():
        training = model.training
        if isinstance(training, InClusterTraining):
            source: PathKey = ("models", name, "training")
            out.append(Pods(source, training.workers, (training.resources,)))
            if training.schedule is not None:
                out.append(Pods((*source, "schedule"), 1, (DEFAULTED,)))
    for name, serving in spec.serving.items():
        if isinstance(serving, InClusterServing) and serving.runtime in IN_CLUSTER:
            out += _serving(plan, name, serving)
    for name, notebook in spec.notebooks.items():
        out.append(Pods(("notebooks", name), 1, (notebook.resources,)))
    for name, pipeline in enabled(spec.pipelines).items():
        if pipeline.engine != "sagemaker":
            out += _pipeline_steps(plan, name)
    for name in spec.monitoring.drift:
        out.append(Pods(("monitoring", "drift", name), 1, (DEFAULTED,)))
    if spec.tracking.mlflow is not None and spec.tracking.mlflow.deploy:
        out.append(Pods(("tracking", "mlflow"), 1, (DEFAULTED,)))
    if spec.features is not None and spec.features.store == "feast":
        out.append(Pods(("features",), 1, (DEFAULTED,) * FEAST_SERVERS))
    return out


def hard(plan: Plan) -> dict[str, str]:
    """The ResourceQuota's `spec.hard`: requests equal limits on every pod mlstack writes."""
    cpu = memory = 0.0
    gpu = 0
    for group in demand(plan):
        group_cpu, group_memory, group_gpu = group.total()
        cpu, memory, gpu = cpu + group_cpu, memory + group_memory, gpu + group_gpu
    cores, gib = str(math.ceil(cpu * HEADROOM)), f"{math.ceil(memory * HEADROOM / 2**30)}Gi"
    out = {"requests.cpu": cores, "requests.memory": gib, "limits.cpu": cores, "limits.memory": gib}
    if gpu:
        out["requests.nvidia.com/gpu"] = str(gpu)
    return out
