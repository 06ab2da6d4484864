"""What a stack needs done after its Terraform is applied, said by compile when Terraform is
applied outside mlstack (`gitops.terraform.apply: none`).

The Azure client ids (targets/kubernetes/azure_client_ids.py): Azure assigns them at apply,
and the kustomization of every such environment reads them. And the Vertex AI deployments
(mlstack.vertex_deploy), which no provider resource holds: whoever applies runs the deploy
step after each apply. Said once per stack, naming its environments, so a person applying
Terraform by hand knows what to hand back to `mlstack publish` and what to run.
"""

from __future__ import annotations

from collections.abc import Iterable

from mlstack.gitops.client_ids import OUTPUT
from mlstack.plan import Plan
from mlstack.spec.platform import AzureCloud
from mlstack.spec.serving import VertexServing


def service_accounts(plan: Plan) -> list[str]:
    """The ServiceAccounts that have a managed identity (the Terraform target's
    `azure_workload_client_ids` keys), in plan order: what the cluster needs from apply. Here,
    not in the Kubernetes target, so that compile says it without loading cdk8s."""
    if not isinstance(plan.spec.platform.cloud, AzureCloud):
        return []
    return [w.service_account for w in plan.workloads if w.identity is not None]


def vertex_servings(plan: Plan) -> list[str]:
    """The Vertex AI servings, whose models the deploy step puts on their endpoints."""
    return [name for name, s in plan.spec.serving.items() if isinstance(s, VertexServing)]


def lines(plans: Iterable[Plan]) -> list[str]:
    """One line per stack and need, for the environments applied outside mlstack."""
    outputs: dict[str, list[str]] = {}
    deploys: dict[str, list[str]] = {}
    for plan in plans:
        if plan.terraform_apply != "none":
            continue
        if service_accounts(plan):
            outputs.setdefault(plan.stack, []).append(plan.environment)
        if vertex_servings(plan):
            deploys.setdefault(plan.stack, []).append(plan.environment)
    said = [
        f"{stack}: Terraform is applied outside mlstack (gitops.terraform.apply: none); the "
        f"cluster needs its output {OUTPUT} of {', '.join(sorted(envs))}: after apply, publish "
        f"with --terraform-outputs DIR holding DIR/{stack}/ENV.json (terraform output -json)"
        for stack, envs in sorted(outputs.items())
    ]
    said += [
        f"{stack}: Terraform is applied outside mlstack (gitops.terraform.apply: none); after "
        f"each apply of {', '.join(sorted(envs))}, deploy its Vertex AI models with "
        f"`mlstack vertex-deploy OUT/{stack}/ENV/terraform`"
        for stack, envs in sorted(deploys.items())
    ]
    return said
