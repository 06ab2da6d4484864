"""`operator: pytorchjob` under `platform.kubernetes.kubeflow.trainer: v2` -> a Kubeflow Trainer
TrainJob (trainer.kubeflow.org/v1alpha1; sources: kubeflow/trainer at v2.3.0).

The TrainJob runs on the `torch-distributed` ClusterTrainingRuntime that Trainer v2.3 installs
(manifests/base/runtimes/torch_distributed.yaml): one replicated job `node` whose container
is `node`. `workers` is `trainer.numNodes` (the world size in nodes); the runtime's torch
policy injects PET_NNODES, PET_NPROC_PER_NODE, PET_NODE_RANK, PET_MASTER_ADDR and
PET_MASTER_PORT for torchrun (plugins/torch/torch.go). No `numProcPerNode` is written: the
runtime derives processes per node from `resourcesPerNode` (one per GPU).

What the TrainJob API has no field for goes through one `runtimePatches` entry (the API that
replaced `podTemplateOverrides` in v2.2), owned by the fixed manager MANAGER: the entry is a
list-map key and immutable, so one name for every TrainJob mlstack writes. Trainer lets a patch
set the pod's labels, serviceAccountName, securityContext, nodeSelector, tolerations and
volumes and the `node` container's securityContext and volumeMounts, but not its env, image,
command or resources (those are `trainer` fields), and no `envFrom` anywhere: the storage
Secret's keys are referenced one by one (pods.STORAGE_KEYS).

`spec.trainer` is immutable; an unscheduled TrainJob is named after a hash of its definition
(training.build), so an edit is a new object, never an update. The runtime gives the retry
policy: a TrainJob has no backoffLimit (its JobSet fails with its first failed Job), which
resolve reports (W0715).
"""

from __future__ import annotations

from typing import Any

from mlstack.targets.kubernetes import pods

GROUP = "trainer.kubeflow.org"
TRAINER = f"{GROUP}/v1alpha1"
RUNTIME = "torch-distributed"
"""The ClusterTrainingRuntime Trainer v2.3 ships for PyTorch."""
NODE = "node"
"""Replicated job and container name in the torch-distributed runtime."""
MANAGER = "mlstack.dev/compiler"
"""Owner of mlstack's runtimePatches entry."""


def _env(container: dict[str, Any]) -> list[dict[str, Any]]:
    env = list(container.get("env", []))
    for source in container.get("envFrom", []):
        secret = source["secretRef"]["name"]
        env += [
            {"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
            for key in pods.STORAGE_KEYS
        ]
    return env


def body(template: dict[str, Any], workers: int) -> dict[str, Any]:
    """apiVersion, kind and spec of the TrainJob that runs `template` (the pod template the
    v1 operators would get) on `workers` nodes."""
    pod = template["spec"]
    (container,) = pod["containers"]
    trainer: dict[str, Any] = {
        "image": container["image"],
        "env": _env(container),
        "numNodes": workers,
        "resourcesPerNode": container["resources"],
    }
    if "command" in container:
        trainer["command"] = container["command"]
    patched_pod = {
        key: pod[key]
        for key in ("serviceAccountName", "securityContext", "nodeSelector", "tolerations")
        if key in pod
    }
    patched_pod["volumes"] = pod["volumes"]
    patched_pod["containers"] = [
        {
            "name": NODE,
            "securityContext": container["securityContext"],
            "volumeMounts": container["volumeMounts"],
        }
    ]
    job = {"template": {"metadata": template["metadata"], "spec": patched_pod}}
    patch = {
        "manager": MANAGER,
        "trainingRuntimeSpec": {
            "template": {"spec": {"replicatedJobs": [{"name": NODE, "template": {"spec": job}}]}}
        },
    }
    return {
        "apiVersion": TRAINER,
        "kind": "TrainJob",
        "spec": {
            "runtimeRef": {
                "apiGroup": GROUP,
                "kind": "ClusterTrainingRuntime",
                "name": RUNTIME,
            },
            "trainer": trainer,
            "runtimePatches": [patch],
        },
    }


SUCCESS = "status.jobsStatus.0.succeeded > 0"
"""The runtime has one replicated job (`node`, jobsStatus[0]) of one Job: it succeeded, so the
JobSet and the TrainJob completed. Read from jobsStatus because a condition list is addressed
by index only (Argo's conditions are label-selector keys over gjson paths, no `#(...)`
queries), and `Complete` is not at index 0 when a queue (Kueue) suspended the TrainJob first."""
FAILURE = "status.conditions.0.type == Failed, status.conditions.1.type == Failed"
"""`Failed` is terminal and excludes `Complete`; it is the first condition, or the second
after a `Suspended` one (the only other type, trainjob_types.go). It also covers failures
without a Job (an unsupported runtime), which jobsStatus would not show. ORed by Argo."""
