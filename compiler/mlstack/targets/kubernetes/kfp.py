"""pipelines.P with engine kubeflow -> Kubeflow Pipelines' Kubernetes-native Pipeline and
PipelineVersion (pipelines.kubeflow.org/v2beta1, KEP-11551, kubeflow/pipelines 2.17.0).

`spec.pipelineSpec` is the KFP IR (api/v2alpha1/pipeline_spec.proto, schemaVersion 2.1.0)
built as plain data: one component + executor per container step, a root DAG whose tasks
name their `dependentTasks`. Kubernetes details the IR has no field for (node selector,
tolerations, Secret-backed env, pod labels, run-as user, a writable /tmp) go to
`spec.platformSpec` as the kfp-kubernetes extension writes them
(kubernetes_platform/proto/kubernetes_executor_config.proto and its snapshot tests).

Pipeline versions are immutable (the API server's webhook rejects a changed spec), so the
version is named after a hash of its content: a changed pipeline is a new version. Runs are
not Kubernetes objects in KFP (the KEP's non-goals): a `schedule` becomes a CronWorkflow that
starts runs through KFP's API (kfp_schedule.py). Spark steps are refused at validate time
(E0704): a KFP step cannot create a SparkApplication without an API token, and KFP gives
every step of a run the same account, user code included.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mlstack.plan import Plan
from mlstack.spec.pipelines import ContainerStep, Pipeline
from mlstack.targets.kubernetes import identity, kfp_schedule, pods
from mlstack.targets.kubernetes.meta import Manifest, selector_labels
from mlstack.targets.kubernetes.steps import container_parts, ordered_steps
from mlstack.targets.kubernetes.tracking import tracking_env

KFP = "pipelines.kubeflow.org/v2beta1"
SCHEMA_VERSION = "2.1.0"
SDK_VERSION = "mlstack"


def _resources(plan_resources: dict[str, Any]) -> dict[str, Any]:
    """ResourceSpec's string fields (the double ones are deprecated)."""
    limits = plan_resources["limits"]
    out: dict[str, Any] = {
        "resourceCpuLimit": limits["cpu"],
        "resourceCpuRequest": limits["cpu"],
        "resourceMemoryLimit": limits["memory"],
        "resourceMemoryRequest": limits["memory"],
    }
    if "nvidia.com/gpu" in limits:
        out["accelerator"] = {
            "resourceType": "nvidia.com/gpu",
            "resourceCount": limits["nvidia.com/gpu"],
        }
    return out


def _secret_env(env: dict[str, Any]) -> dict[str, Any]:
    ref = env["valueFrom"]["secretKeyRef"]
    return {
        "secretName": ref["name"],
        "secretNameParameter": {"runtimeValue": {"constant": ref["name"]}},
        "keyToEnv": [{"secretKey": ref["key"], "envVar": env["name"]}],
        "optional": False,
    }


def _kubernetes_config(plan: Plan, pipeline: str, pool: str | None) -> dict[str, Any]:
    workload = plan.workload("pipeline", pipeline)
    config: dict[str, Any] = {
        "podMetadata": {
            "labels": {
                **selector_labels("pipeline", pipeline),
                **identity.pod_labels(plan, workload),
            }
        },
        "securityContext": {
            "runAsUser": str(pods.NONROOT_UID),
            "runAsGroup": str(pods.NONROOT_UID),
            "runAsNonRoot": True,
        },
        "emptyDirMounts": [{"volumeName": "tmp", "mountPath": "/tmp"}],
    }
    placement = pods.placement(plan, pool)
    if placement:
        config["nodeSelector"] = {"labels": placement["nodeSelector"]}
    if "tolerations" in placement:
        config["tolerations"] = placement["tolerations"]
    return config


def _container_steps(pipeline: Pipeline) -> list[tuple[str, ContainerStep, list[str]]]:
    """The steps in DAG order; resolve refuses spark steps on this engine (E0704)."""
    return [
        (name, step, deps)
        for name, step, deps in ordered_steps(pipeline)
        if isinstance(step, ContainerStep)
    ]


def pipeline_spec(
    plan: Plan, name: str, pipeline: Pipeline
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(IR without pipelineInfo, platform spec)."""
    components: dict[str, Any] = {}
    executors: dict[str, Any] = {}
    tasks: dict[str, Any] = {}
    platform: dict[str, Any] = {}
    for step_name, step, deps in _container_steps(pipeline):
        parts = container_parts(plan, step)
        env = [{"name": e.name, "value": e.value} for e in parts["env"]] + tracking_env(plan)
        container: dict[str, Any] = {
            "image": parts["image"],
            "resources": _resources(pods.resources(parts["resources"])),
        }
        if parts["command"] is not None:
            container["command"] = list(parts["command"])
        plain = [e for e in env if "value" in e]
        if plain:
            container["env"] = plain
        executor = f"exec-{step_name}"
        executors[executor] = {"container": container}
        components[f"comp-{step_name}"] = {"executorLabel": executor}
        task: dict[str, Any] = {
            "taskInfo": {"name": step_name},
            "componentRef": {"name": f"comp-{step_name}"},
            # Steps train and publish models: a cached "success" would skip the work.
            "cachingOptions": {"enableCache": False},
        }
        if deps:
            task["dependentTasks"] = deps
        tasks[step_name] = task
        config = _kubernetes_config(plan, name, parts["pool"])
        secrets = [_secret_env(e) for e in env if "valueFrom" in e]
        if secrets:
            config["secretAsEnv"] = secrets
        platform[executor] = config
    ir = {
        "components": components,
        "deploymentSpec": {"executors": executors},
        "root": {"dag": {"tasks": tasks}},
        "schemaVersion": SCHEMA_VERSION,
        "sdkVersion": SDK_VERSION,
    }
    platform_spec = {"platforms": {"kubernetes": {"deploymentSpec": {"executors": platform}}}}
    return ir, platform_spec


def version_name(name: str, ir: dict[str, Any], platform_spec: dict[str, Any]) -> str:
    content = json.dumps([ir, platform_spec], sort_keys=True).encode()
    return f"{name}-{hashlib.sha256(content).hexdigest()[:10]}"


def build_pipeline(plan: Plan, name: str, pipeline: Pipeline) -> list[Manifest]:
    ir, platform_spec = pipeline_spec(plan, name, pipeline)
    version = version_name(name, ir, platform_spec)
    ir = {**ir, "pipelineInfo": {"name": version}}
    labels = selector_labels("pipeline", name)
    notes = {"mlstack.dev/run-service-account": plan.workload("pipeline", name).service_account}
    version_spec: dict[str, Any] = {
        "pipelineName": name,
        "pipelineSpec": ir,
        "platformSpec": platform_spec,
    }
    out = [
        Manifest(
            KFP,
            "Pipeline",
            name,
            {"spec": {"displayName": name}},
            ("pipelines", name),
            labels=labels,
            annotations=notes,
        ),
        Manifest(
            KFP,
            "PipelineVersion",
            version,
            {"spec": version_spec},
            ("pipelines", name, "steps"),
            labels=labels,
        ),
    ]
    if pipeline.schedule is not None:
        out.extend(kfp_schedule.build_schedule(plan, name, pipeline.schedule, version))
    return out
