"""`training.operator: vertex`: a compiled Vertex AI pipeline per model, started on schedule by
Cloud Scheduler.

The pipeline (`terraform/vertex/MODEL.pipeline.json`, KFP IR, PipelineSpec schema 2.1.0) has
one task: Google Cloud Pipeline Components' `CustomTrainingJobOp`, whose component and executor
are the SDK's own compiled output (data/vertex_custom_training_job.json). The task's inputs
are constants: worker pools on `instanceType` (GPUs of A2/A3/G2 machine types named from the
instance catalogue, as Vertex wants them spelt out; the primary pool has one replica and a
second pool the other `instanceCount - 1`), the image and command, `maxRuntime` as the timeout,
the model's location as base output directory (Vertex sets AIP_MODEL_DIR to `URI/model/`).
Caching is off, or a scheduled rerun with unchanged inputs would be skipped as already done.
The pipeline root is `URI/pipeline-root`, inside the training's grant.

Identity: a training service account runs the pipeline and the CustomJob: it writes exactly
the model's prefix (gcp_identity's conditional bucket grant), may create jobs
(`roles/aiplatform.user`; the launcher task creates the CustomJob as the pipeline's account)
and act as itself (the CustomJob's run-as account). A scheduled training adds a scheduler
service account, allowed to create pipeline jobs and to act as the training account only;
the `google_cloud_scheduler_job` POSTs the PipelineJob (spec inline) to the regional
`pipelineJobs` endpoint with an OAuth token of that account. A model whose uri is not gs://
gets a note instead: there is nothing the training could be granted.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from importlib import resources
from typing import Any

from mlstack import catalogue, names
from mlstack.load import PathKey
from mlstack.plan import Grant, Plan, training_output
from mlstack.spec.models import ManagedTraining
from mlstack.spec.platform import GcpCloud
from mlstack.spec.types import duration_seconds
from mlstack.spec.uris import parse
from mlstack.targets.terraform import cron
from mlstack.targets.terraform.blocks import Block, File, Note, gcp_labels, resource, tf_name
from mlstack.targets.terraform.gcp_attrs import (
    CloudSchedulerJob,
    ProjectIamMember,
    ServiceAccountIamMember,
)
from mlstack.targets.terraform.gcp_cluster import gcp_cloud, scoped
from mlstack.targets.terraform.gcp_identity import (
    bucket_grants,
    service_account,
    training_account,
)

FOLDER = "vertex"
TASK = "custom-training-job"
AIPLATFORM_USER = "roles/aiplatform.user"
ACT_AS = "roles/iam.serviceAccountUser"
SCOPE = "https://www.googleapis.com/auth/cloud-platform"
ACCELERATORS = {
    # catalogue GPU type -> Vertex AI AcceleratorType (aiplatform v1 accelerator_type.proto)
    "nvidia-tesla-a100": "NVIDIA_TESLA_A100",
    "nvidia-a100-80gb": "NVIDIA_A100_80GB",
    "nvidia-h100-80gb": "NVIDIA_H100_80GB",
    "nvidia-l4": "NVIDIA_L4",
}


@cache
def _custom_job() -> dict[str, Any]:
    text = resources.files("mlstack").joinpath("data/vertex_custom_training_job.json").read_text()
    return dict(json.loads(text))


def machine_spec(instance_type: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"machine_type": instance_type}
    known = catalogue.instance("gcp", instance_type)
    if known is not None and known.gpu and known.gpu_type in ACCELERATORS:
        spec |= {"accelerator_type": ACCELERATORS[known.gpu_type], "accelerator_count": known.gpu}
    return spec


def worker_pools(training: ManagedTraining) -> list[dict[str, Any]]:
    container: dict[str, Any] = {"image_uri": training.image}
    if training.command:
        container |= {"command": training.command[:1], "args": training.command[1:]}
    primary = {
        "machine_spec": machine_spec(training.instance_type),
        "replica_count": 1,
        "container_spec": container,
    }
    workers = training.instance_count - 1
    return [primary] + ([primary | {"replica_count": workers}] if workers else [])


def pipeline_spec(
    plan: Plan, cloud: GcpCloud, model: str, training: ManagedTraining, email: str
) -> dict[str, Any]:
    """The PipelineSpec the KFP SDK compiles for one CustomTrainingJobOp with these inputs."""
    uri = (training_output(plan.spec, model) or "").rstrip("/")
    data = _custom_job()
    constants: dict[str, Any] = {
        "base_output_directory": uri,
        "display_name": scoped(plan, names.training(model), 128),
        "labels": gcp_labels(plan),
        "location": cloud.region,
        "project": cloud.project,
        "service_account": email,
        "timeout": f"{int(duration_seconds(training.max_runtime))}s",
        "worker_pool_specs": worker_pools(training),
    }
    task = {
        "cachingOptions": {},
        "componentRef": {"name": f"comp-{TASK}"},
        "inputs": {
            "parameters": {k: {"runtimeValue": {"constant": v}} for k, v in constants.items()}
        },
        "taskInfo": {"name": TASK},
    }
    return {
        "components": {f"comp-{TASK}": data["component"]},
        "defaultPipelineRoot": f"{uri}/pipeline-root",
        "deploymentSpec": {"executors": {f"exec-{TASK}": data["executor"]}},
        "pipelineInfo": {"name": scoped(plan, names.training(model), 128)},
        "root": {"dag": {"tasks": {TASK: task}}},
        "schemaVersion": data["schemaVersion"],
        "sdkVersion": data["sdkVersion"],
    }


def pipeline_job(plan: Plan, spec: dict[str, Any], email: str) -> dict[str, Any]:
    """The body of `pipelineJobs.create` that runs `spec` as the training account."""
    return {
        "displayName": spec["pipelineInfo"]["name"],
        "labels": gcp_labels(plan),
        "pipelineSpec": spec,
        "runtimeConfig": {"gcsOutputDirectory": spec["defaultPipelineRoot"]},
        "serviceAccount": email,
    }


def _account(plan: Plan, cloud: GcpCloud, kind: str, model: str) -> tuple[str, str]:
    account_id = plan.cloud_role(f"vertex-{kind}", model).identity
    assert account_id is not None  # resolve/identity.py `cloud_roles`
    return account_id, f"{account_id}@{cloud.project}.iam.gserviceaccount.com"


def _job_account(
    plan: Plan,
    cloud: GcpCloud,
    model: str,
    role: str,
    description: str,
    source: PathKey,
    acts_as: Block | None = None,
) -> tuple[str, Block, list[Block]]:
    """(email, service account, its grants) of an account that may create Vertex AI jobs
    running as `acts_as` (itself when None): the training account runs pipeline and job,
    the scheduler's account starts them as the training account."""
    key = training_account(role, model)
    account_id, email = _account(plan, cloud, role, model)
    account = service_account(key, account_id, description, source)
    member = f"serviceAccount:{account.ref('email')}"
    jobs: ProjectIamMember = {"project": cloud.project, "role": AIPLATFORM_USER, "member": member}
    act_as: ServiceAccountIamMember = {
        "service_account_id": (acts_as or account).ref("name"),
        "role": ACT_AS,
        "member": member,
    }
    grants = [
        resource("google_project_iam_member", key, jobs, source),
        resource("google_service_account_iam_member", key, act_as, source),
    ]
    return email, account, grants


def _training_identity(
    plan: Plan, cloud: GcpCloud, model: str, grant: Grant, source: PathKey
) -> tuple[str, Block, list[Block]]:
    """The training account, which also writes exactly the model's prefix."""
    description = f"Vertex AI training of {model}"
    email, account, grants = _job_account(plan, cloud, model, "train", description, source)
    member = f"serviceAccount:{account.ref('email')}"
    grants += bucket_grants(f"vertex_train_{tf_name(model)}", member, [grant], source)
    return email, account, grants


def _schedule(
    plan: Plan,
    cloud: GcpCloud,
    model: str,
    schedule: str,
    trainer: Block,
    job: dict[str, Any],
    source: PathKey,
) -> list[Block]:
    description = f"Starts Vertex AI training of {model}"
    _, account, grants = _job_account(
        plan, cloud, model, "schedule", description, source, acts_as=trainer
    )
    body = json.dumps(job, sort_keys=True, separators=(",", ":")).encode()
    host = f"https://{cloud.region}-aiplatform.googleapis.com"
    scheduler: CloudSchedulerJob = {
        "name": scoped(plan, names.training(model), 500),
        "description": f"{schedule} (UTC): Vertex AI training of model {model}",
        "region": cloud.region,
        "schedule": cron.unix(schedule),
        "time_zone": "Etc/UTC",
        "http_target": [
            {
                "uri": f"{host}/v1/projects/{cloud.project}/locations/{cloud.region}/pipelineJobs",
                "http_method": "POST",
                "headers": {"Content-Type": "application/json"},
                "body": base64.b64encode(body).decode(),
                "oauth_token": [{"service_account_email": account.ref("email"), "scope": SCOPE}],
            }
        ],
        "depends_on": [f"{b.type}.{b.name}" for b in grants],
    }
    return [
        account,
        *grants,
        resource("google_cloud_scheduler_job", tf_name(model), scheduler, (*source, "schedule")),
    ]


def build(plan: Plan) -> list[Block | Note | File]:
    cloud = gcp_cloud(plan)
    if cloud is None:
        return []
    out: list[Block | Note | File] = []
    for model, spec in plan.spec.models.items():
        training = spec.training
        if not isinstance(training, ManagedTraining) or training.operator != "vertex":
            continue
        source: PathKey = ("models", model, "training")
        output = training_output(plan.spec, model)
        location = parse(output) if output else None
        assert location is not None and location.scheme == "gs"  # E0741 at validate
        grant = Grant("gs", location.bucket, location.prefix, True)
        email, trainer, grants = _training_identity(plan, cloud, model, grant, source)
        pipeline = pipeline_spec(plan, cloud, model, training, email)
        path = f"{FOLDER}/{model}.pipeline.json"
        text = json.dumps(pipeline, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        out += [trainer, *grants, File(path, text.encode(), source)]
        if training.schedule:
            job = pipeline_job(plan, pipeline, email)
            out += _schedule(plan, cloud, model, training.schedule, trainer, job, source)
    return out
