"""models.M.training (in-cluster) -> a Kubeflow Trainer TrainJob (pytorchjob under
`platform.kubernetes.kubeflow.trainer: v2`, the default: trainjob.py), a Kubeflow PyTorchJob /
TFJob (kubeflow.org/v1, under `trainer: v1`) or a batch/v1 Job (`job`, under both), applied as
is, or created by an Argo CronWorkflow when it has a `schedule`.

A `job` stays a batch/v1 Job under Trainer v2: Trainer ships no runtime for a plain program
(its ClusterTrainingRuntimes are torch, deepspeed, mlx, jax, xgboost, torchtune), a TrainJob
on one mlstack would write and own itself would only wrap the same Job in a JobSet, and would
lose `backoffLimit` (a TrainJob has none) and make a plain program need the Trainer controller.

`workers` is the world size: PyTorchJob runs 1 Master + workers-1 Workers, TFJob 1 Chief +
workers-1 Workers (the Training Operator v1.9 decides success on the Master / Chief,
pkg/controller.v1/{pytorch,tensorflow}). Kubeflow replicas restart `OnFailure`, counted
against `runPolicy.backoffLimit`. A batch Job runs `workers` pods (Indexed when more than one,
so each pod has its JOB_COMPLETION_INDEX) with `restartPolicy: Never`, so that every failure
is a failed pod and `status.failed > backoffLimit` is exactly the Job's own failure rule.

An unscheduled training is applied as a job named after a hash of its definition (image,
command, resources, env, output, placement): Argo CD creates it once per change of what defines
it; an unrelated sync finds the finished job in place and runs nothing; a changed definition is
a new job, and the superseded one is pruned with the Application's `prune`.

A scheduled training is a CronWorkflow whose one step creates the job (a new name each run)
and waits for it. It runs as a dedicated `schedule-M` account, not as `train-M`: the step
runs only Argo's executor, which needs the API (create/get on that one kind, plus task
results) but no cloud storage, while `train-M` carries the model bucket's cloud identity and
runs user code that needs no API access. Keeping them apart gives each exactly one of the two.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mlstack import names
from mlstack.plan import Plan
from mlstack.resolve.references import enabled
from mlstack.spec.models import InClusterTraining
from mlstack.targets.kubernetes import argo, identity, pods, trainjob
from mlstack.targets.kubernetes.meta import Manifest, selector_labels
from mlstack.targets.kubernetes.steps import output_env
from mlstack.targets.kubernetes.tracking import tracking_env

COMPONENT = "training"
KUBEFLOW = "kubeflow.org/v1"


@dataclass(frozen=True)
class Kind:
    """How one operator names things (kubeflow/trainer v1.9.4, pkg/apis/kubeflow.org/v1)."""

    kind: str
    replica_specs: str
    leader: str
    container: str
    plural: str


KINDS = {
    # The operators find the training container by these default names.
    "pytorchjob": Kind("PyTorchJob", "pytorchReplicaSpecs", "Master", "pytorch", "pytorchjobs"),
    "tfjob": Kind("TFJob", "tfReplicaSpecs", "Chief", "tensorflow", "tfjobs"),
}

FINISHED_TTL = 3600
"""Seconds a scheduled Kubeflow job is kept after it finishes. The operator reports a job
that exhausted its backoff only as a `Failed` condition, which a label-selector condition
cannot address (replica `failed` counts stay 0 under OnFailure, whose pods restart in
place); deleting the finished job makes the waiting step fail instead of hanging the
CronWorkflow (Forbid) forever. A success is seen within Argo's 5 s poll, long before."""


def schedule_account(model: str) -> str:
    return f"schedule-{model}"


def on_trainer_v2(plan: Plan, training: InClusterTraining) -> bool:
    """A TrainJob, not a PyTorchJob (resolve refuses tfjob under v2, E0717)."""
    return (
        training.operator == "pytorchjob" and plan.spec.platform.kubernetes.kubeflow.trainer == "v2"
    )


def pod_template(
    plan: Plan, name: str, training: InClusterTraining, container: str
) -> dict[str, Any]:
    workload = plan.workload("train", name)
    env = [{"name": e.name, "value": e.value} for e in [*training.env, *output_env(plan, name)]]
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {}}]
    if training.operator == "pytorchjob":
        # DataLoader workers share batches through /dev/shm; the runtime's 64Mi is too small.
        mounts.append({"name": "dshm", "mountPath": "/dev/shm"})
        volumes.append({"name": "dshm", "emptyDir": {"medium": "Memory"}})
    spec: dict[str, Any] = {
        "name": container,
        "image": training.image,
        "env": [*env, *tracking_env(plan)],
        "resources": pods.resources(training.resources),
        "securityContext": pods.container_security(),
        "volumeMounts": mounts,
    }
    if training.command is not None:
        spec["command"] = list(training.command)
    spec = pods.with_storage(plan, spec)
    return {
        "metadata": {
            "labels": {**selector_labels(COMPONENT, name), **identity.pod_labels(plan, workload)}
        },
        "spec": {
            "serviceAccountName": workload.service_account,
            "automountServiceAccountToken": False,
            "securityContext": pods.pod_security(),
            "containers": [spec],
            "volumes": volumes,
            **pods.placement(plan, training.pool),
        },
    }


def job_body(
    plan: Plan, name: str, training: InClusterTraining, *, scheduled: bool
) -> dict[str, Any]:
    """apiVersion, kind and spec of the training job (metadata is added by the caller)."""
    if on_trainer_v2(plan, training):
        template = pod_template(plan, name, training, trainjob.NODE)
        return trainjob.body(template, training.workers)
    kind = KINDS.get(training.operator)
    if kind is None:
        template = pod_template(plan, name, training, "train")
        template["spec"]["restartPolicy"] = "Never"
        spec: dict[str, Any] = {
            "completions": training.workers,
            "parallelism": training.workers,
            "backoffLimit": training.backoff_limit,
            "template": template,
        }
        if training.workers > 1:
            spec["completionMode"] = "Indexed"
        return {"apiVersion": "batch/v1", "kind": "Job", "spec": spec}

    def replica(count: int) -> dict[str, Any]:
        return {
            "replicas": count,
            "restartPolicy": "OnFailure",
            "template": pod_template(plan, name, training, kind.container),
        }

    replicas = {kind.leader: replica(1)}
    if training.workers > 1:
        replicas["Worker"] = replica(training.workers - 1)
    run_policy: dict[str, Any] = {"backoffLimit": training.backoff_limit}
    if scheduled:
        run_policy["ttlSecondsAfterFinished"] = FINISHED_TTL
    return {
        "apiVersion": KUBEFLOW,
        "kind": kind.kind,
        "spec": {kind.replica_specs: replicas, "runPolicy": run_policy},
    }


def conditions(plan: Plan, training: InClusterTraining) -> tuple[str, str]:
    """(success, failure) for the step that waits on the job."""
    if on_trainer_v2(plan, training):
        return trainjob.SUCCESS, trainjob.FAILURE
    kind = KINDS.get(training.operator)
    if kind is None:
        return (
            f"status.succeeded > {training.workers - 1}",
            f"status.failed > {training.backoff_limit}",
        )
    return (
        f"status.replicaStatuses.{kind.leader}.succeeded > 0",
        f"status.replicaStatuses.{kind.leader}.failed > 0",
    )


def _rule(plan: Plan, training: InClusterTraining) -> dict[str, Any]:
    kind = KINDS.get(training.operator)
    group, plural = ("kubeflow.org", kind.plural) if kind else ("batch", "jobs")
    if on_trainer_v2(plan, training):
        group, plural = trainjob.GROUP, "trainjobs"
    return {"apiGroups": [group], "resources": [plural], "verbs": ["create", "get"]}


def _scheduled(plan: Plan, name: str, training: InClusterTraining) -> list[Manifest]:
    assert training.schedule is not None
    source = ("models", name, "training")
    account = schedule_account(name)
    job = argo.inline_object(
        plan,
        job_body(plan, name, training, scheduled=True),
        names.training(name),
        selector_labels(COMPONENT, name),
        source,
    )
    success, failure = conditions(plan, training)
    workflow = {
        "entrypoint": "train",
        **argo.workflow_identity(account),
        "securityContext": pods.pod_security(),
        "podMetadata": {"labels": selector_labels("training-schedule", name)},
        "templates": [argo.create_template("train", job, success, failure)],
    }
    return [
        Manifest(
            "v1",
            "ServiceAccount",
            account,
            {"automountServiceAccountToken": False},
            source,
        ),
        *argo.executor_access(account, [_rule(plan, training)], source),
        Manifest(
            argo.ARGO,
            "CronWorkflow",
            names.training(name),
            argo.cron_spec(training.schedule, workflow),
            ("models", name, "training", "schedule"),
            labels=selector_labels(COMPONENT, name),
        ),
    ]


def build(plan: Plan) -> list[Manifest]:
    out: list[Manifest] = []
    for name, model in enabled(plan.spec.models).items():
        training = model.training
        if not isinstance(training, InClusterTraining):
            continue
        if training.schedule is not None:
            out.extend(_scheduled(plan, name, training))
            continue
        body = job_body(plan, name, training, scheduled=False)
        # Named after its whole definition (kept after it finishes: no TTL), so a sync
        # creates it once per change and never again for an unrelated one (docs/choices.md).
        definition = json.dumps([plan.labels, body], sort_keys=True)
        out.append(
            Manifest(
                body.pop("apiVersion"),
                body.pop("kind"),
                names.training_run(name, definition),
                body,
                ("models", name, "training"),
                labels=selector_labels(COMPONENT, name),
            )
        )
    return out
