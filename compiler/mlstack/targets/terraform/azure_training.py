"""`training.operator: azureml`: an Azure ML compute cluster per model, in the shared workspace.

The cluster (`azurerm_machine_learning_compute_cluster`) has `instanceType` VMs, scales from 0
to `instanceCount` nodes (idle nodes go after 10 minutes), dedicated priority, no public SSH,
Entra-only auth, and a system-assigned identity that reads and writes exactly the model's
container/prefix (azure_identity). The job itself (command, image, distribution, schedule)
is not an ARM resource Terraform can hold: Azure ML jobs and schedules are data-plane objects
created with `az ml job create` / `az ml schedule create`; SPEC.md asks for a job definition
artifact, which a Terraform module cannot write (blocks and notes only), so the note spells
out the job YAML fields until the target can write the file.
"""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Grant, Plan
from mlstack.spec.models import ManagedTraining
from mlstack.spec.types import duration_seconds
from mlstack.spec.uris import parse
from mlstack.targets.terraform import azure_workspace
from mlstack.targets.terraform.azure_attrs import MachineLearningComputeCluster
from mlstack.targets.terraform.azure_cluster import azure_cloud
from mlstack.targets.terraform.azure_identity import role_assignments
from mlstack.targets.terraform.blocks import Block, Note, resource, tags, tf_name


def compute_name(name: str) -> str:
    """Compute names: 2-16 characters, letters, digits and '-'."""
    return f"{name[:13].rstrip('-')}-tr"


def build(plan: Plan) -> list[Block | Note]:
    cloud = azure_cloud(plan)
    if cloud is None:
        return []
    out: list[Block | Note] = []
    for name, model in plan.spec.models.items():
        training = model.training
        if not isinstance(training, ManagedTraining) or training.operator != "azureml":
            continue
        source: PathKey = ("models", name, "training")
        body: MachineLearningComputeCluster = {
            "name": compute_name(name),
            "location": cloud.region,
            "machine_learning_workspace_id": azure_workspace.WORKSPACE,
            "vm_priority": "Dedicated",
            "vm_size": training.instance_type,
            "description": f"mlstack training of model {name}",
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
        key = f"{tf_name(name)}_train"
        compute = resource("azurerm_machine_learning_compute_cluster", key, body, source)
        out.append(compute)
        location = parse(model.uri)
        if location.scheme == "azureblob":
            grant = Grant(location.scheme, location.bucket, location.prefix, True)
            out += role_assignments(
                cloud,
                key,
                compute.ref("identity[0].principal_id"),
                (grant,),
                source,
                f"Azure ML training of {name}",
            )
        hours = duration_seconds(training.max_runtime) / 3600
        text = (
            f"model '{name}': Azure ML training runs on compute cluster "
            f"{compute_name(name)}; create the job with `az ml job create` from a command job "
            f"YAML: compute azureml:{compute_name(name)}, environment image {training.image}, "
            f"command {' '.join(training.command or [])!r}, resources.instance_count "
            f"{training.instance_count}, limits.timeout {int(hours * 3600)}, output model "
            f"{model.uri}"
        )
        if training.schedule:
            text += (
                f'; schedule it with `az ml schedule create` (cron "{training.schedule}", '
                "time zone UTC)"
            )
        out.append(Note(text + ".", source))
    return out
