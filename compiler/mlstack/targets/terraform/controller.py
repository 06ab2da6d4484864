"""`gitops.terraform.apply: controller`: what the cluster must run before tofu-controller can
apply this folder (targets/kubernetes/tofu.py generates the objects that ask it to)."""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.targets.terraform.blocks import Note


def build(plan: Plan) -> list[Note]:
    if plan.terraform_apply != "controller":
        return []
    return [
        Note(
            "Applied in the cluster by tofu-controller (flux-iac/tofu-controller v0.16, with "
            "Flux source-controller, in namespace flux-system; its chart's ClusterRole "
            "tf-runner-role is what the environment's tf-runner ServiceAccount is bound to). "
            "The runner pod (ServiceAccount tf-runner in the environment's namespace) needs "
            "cloud credentials that may apply everything here and read the state backend; an "
            "ssh:// deploy repository needs the Secret mlstack-deploy-repository (identity, "
            "known_hosts) in that namespace for the GitRepository.",
            ("gitops", "terraform"),
        )
    ]
