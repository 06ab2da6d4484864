"""`training.operator: azureml`: an Azure ML compute cluster per model in the shared workspace,
the job definition as a CLI v2 command job file, and the schedule as an ARM resource.

The cluster (`azurerm_machine_learning_compute_cluster`) has `instanceType` VMs, scales from 0
to `instanceCount` nodes (idle nodes go after 10 minutes), dedicated priority, no public SSH,
Entra-only auth, and a system-assigned identity that reads and writes exactly the model's
container/prefix (azure_identity); jobs run as that identity (`identity: managed`).

A job is a data-plane object, not an ARM resource Terraform can hold, so the definition is a
file, `terraform/azureml/MODEL.job.yaml` (commandJob schema: the image inline, the command,
`compute: azureml:CLUSTER`, `resources.instance_count`, `limits.timeout`, the model's location
as a read-write mounted `uri_folder` output), for `az ml job create`. A schedule is an ARM
resource (`workspaces/schedules`, no azurerm resource), so azapi creates it on the same
2024-10-01 API as the servings: a cron trigger in UTC whose `CreateJob` action is the same job
in ARM form (JobBaseProperties: the environment as an `environments/versions` resource, the
cluster by id). Azure ML cron takes days of week 0-6 (cron.py).
"""

from __future__ import annotations

import shlex
from typing import Any

import yaml

from mlstack import names
from mlstack.load import PathKey
from mlstack.plan import Grant, Plan, training_output
from mlstack.spec.models import ManagedTraining
from mlstack.spec.platform import AzureCloud
from mlstack.spec.types import duration_seconds
from mlstack.spec.uris import blob_url, parse
from mlstack.targets.terraform import azure_workspace, cron
from mlstack.targets.terraform.azure_attrs import AzapiResource, MachineLearningComputeCluster
from mlstack.targets.terraform.azure_cluster import azure_cloud, scoped
from mlstack.targets.terraform.azure_identity import role_assignments
from mlstack.targets.terraform.azure_serving import ML, azapi, versioned_asset
from mlstack.targets.terraform.blocks import Block, File, Note, resource, tags, tf_name

FOLDER = "azureml"
JOB_SCHEMA = "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json"
OUTPUT = "model"


def compute_name(name: str) -> str:
    """Compute names: 2-16 characters, letters, digits and '-'."""
    return f"{name[:13].rstrip('-')}-tr"


def job_definition(
    plan: Plan, model: str, training: ManagedTraining, command: list[str]
) -> dict[str, Any]:
    """The command job, in the CLI v2 YAML schema."""
    job: dict[str, Any] = {
        "$schema": JOB_SCHEMA,
        "type": "command",
        "display_name": scoped(plan, names.training(model)),
        "experiment_name": scoped(plan, names.training(model)),
        "description": f"mlstack training of model {model} ({plan.stack}, {plan.environment})",
        "tags": tags(plan),
        "command": shlex.join(command),
        "environment": {"image": training.image},
        "compute": f"azureml:{compute_name(model)}",
        "resources": {"instance_count": training.instance_count},
        "limits": {"timeout": int(duration_seconds(training.max_runtime))},
        "identity": {"type": "managed"},
    }
    output = training_output(plan.spec, model)
    url = blob_url(output) if output else None
    if url is not None:
        job["outputs"] = {OUTPUT: {"type": "uri_folder", "mode": "rw_mount", "path": url}}
    return job


def _environment(plan: Plan, model: str, image: str, source: PathKey) -> list[Block]:
    return versioned_asset(
        plan,
        f"{tf_name(model)}_train_env",
        ("environments", names.training(model), {"properties": {}}),
        (image, {"properties": {"image": image, "osType": "Linux"}}),
        source,
    )


def _schedule(
    plan: Plan, model: str, training: ManagedTraining, job: dict[str, Any], compute: Block
) -> list[Block]:
    """The schedule as azapi_resource: the job above in ARM form, on a UTC cron trigger."""
    assert training.schedule is not None
    source: PathKey = ("models", model, "training", "schedule")
    environment = _environment(plan, model, training.image, source)
    definition: dict[str, Any] = {
        "jobType": "Command",
        "displayName": job["display_name"],
        "experimentName": job["experiment_name"],
        "description": job["description"],
        "tags": job["tags"],
        "environmentId": environment[-1].ref("id"),
        "computeId": compute.ref("id"),
        "resources": {"instanceCount": training.instance_count},
        "limits": {"jobLimitsType": "Command", "timeout": f"PT{job['limits']['timeout']}S"},
        "identity": {"identityType": "Managed"},
        "command": job["command"],
    }
    if "outputs" in job:
        output = job["outputs"][OUTPUT]
        definition["outputs"] = {
            OUTPUT: {"jobOutputType": "uri_folder", "mode": "ReadWriteMount", "uri": output["path"]}
        }
    properties = {
        "displayName": job["display_name"],
        "description": f"{training.schedule} (UTC): {job['description']}",
        "isEnabled": True,
        "tags": tags(plan),
        "trigger": {
            "triggerType": "Cron",
            "expression": cron.azure(training.schedule),
            "timeZone": "UTC",
        },
        "action": {"actionType": "CreateJob", "jobDefinition": definition},
    }
    body: AzapiResource = azapi(
        f"{ML}/schedules",
        scoped(plan, names.training(model)),
        azure_workspace.workspace_id(plan),
        {"properties": properties},
    )
    return [*environment, resource("azapi_resource", f"{tf_name(model)}_train", body, source)]


def _compute(cloud: AzureCloud, plan: Plan, model: str, training: ManagedTraining) -> Block:
    body: MachineLearningComputeCluster = {
        "name": compute_name(model),
        "location": azure_workspace.workspace_location(plan),
        "machine_learning_workspace_id": azure_workspace.workspace_id(plan),
        "vm_priority": "Dedicated",
        "vm_size": training.instance_type,
        "description": f"mlstack training of model {model}",
        "local_auth_enabled": False,
        "node_public_ip_enabled": True,
        "ssh_public_access_enabled": False,
        "scale_settings": [
            {
                "min_node_count": 0,
                "max_node_count": training.instance_count,
                "scale_down_nodes_after_idle_duration": "PT10M",
            }
        ],
        "identity": [{"type": "SystemAssigned"}],
        "tags": tags(plan),
    }
    key = f"{tf_name(model)}_train"
    return resource(
        "azurerm_machine_learning_compute_cluster", key, body, ("models", model, "training")
    )


def build(plan: Plan) -> list[Block | Note | File]:
    cloud = azure_cloud(plan)
    if cloud is None:
        return []
    out: list[Block | Note | File] = []
    for name, model in plan.spec.models.items():
        training = model.training
        if not isinstance(training, ManagedTraining) or training.operator != "azureml":
            continue
        source: PathKey = ("models", name, "training")
        compute = _compute(cloud, plan, name, training)
        out.append(compute)
        output = training_output(plan.spec, name)
        location = parse(output) if output else None
        if location is not None and location.scheme == "azureblob":
            grant = Grant(location.scheme, location.bucket, location.prefix, True)
            out += role_assignments(
                cloud,
                compute.name,
                compute.ref("identity[0].principal_id"),
                (grant,),
                source,
                f"Azure ML training of {name}",
            )
        assert training.command, "validate requires a command (E0754)"
        job = job_definition(plan, name, training, training.command)
        path = f"{FOLDER}/{name}.job.yaml"
        text = yaml.safe_dump(job, sort_keys=False, allow_unicode=True, width=100)
        out.append(File(path, text.encode(), source))
        if training.schedule:
            out += _schedule(plan, name, training, job, compute)
    return out
