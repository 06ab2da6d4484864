"""What a stack's cluster side needs from its Terraform before it builds, said by compile
when Terraform is applied outside mlstack (`gitops.terraform.apply: none`).

Today that is the Azure client ids (targets/kubernetes/azure_client_ids.py): Azure assigns
them at apply, and the kustomization of every such environment reads them. Said once per
stack, naming its environments, so a person applying Terraform by hand knows what to hand
back to `mlstack publish`.
"""

from __future__ import annotations

from collections.abc import Iterable

from mlstack.gitops.client_ids import OUTPUT
from mlstack.plan import Plan
from mlstack.spec.platform import AzureCloud


def service_accounts(plan: Plan) -> list[str]:
    """The ServiceAccounts that have a managed identity (the Terraform target's
    `azure_workload_client_ids` keys), in plan order: what the cluster needs from apply. Here,
    not in the Kubernetes target, so that compile says it without loading cdk8s."""
    if not isinstance(plan.spec.platform.cloud, AzureCloud):
        return []
    return [w.service_account for w in plan.workloads if w.identity is not None]


def lines(plans: Iterable[Plan]) -> list[str]:
    """One line per stack whose environments applied outside mlstack need outputs."""
    needing: dict[str, list[str]] = {}
    for plan in plans:
        if plan.terraform_apply == "none" and service_accounts(plan):
            needing.setdefault(plan.stack, []).append(plan.environment)
    return [
        f"{stack}: Terraform is applied outside mlstack (gitops.terraform.apply: none); the "
        f"cluster needs its output {OUTPUT} of {', '.join(sorted(envs))}: after apply, publish "
        f"with --terraform-outputs DIR holding DIR/{stack}/ENV.json (terraform output -json)"
        for stack, envs in sorted(needing.items())
    ]
