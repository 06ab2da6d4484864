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
from mlstack.targets.kubernetes.azure_client_ids import service_accounts


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
