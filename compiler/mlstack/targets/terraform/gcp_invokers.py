"""Who may call a Cloud Run serving: one `roles/run.invoker` binding per caller on its service.

The service answers IAM-authenticated requests only (gcp_serving), so without bindings nobody
could call it. `serving.S.invokers` names the callers as IAM members. Without it they are the
stack's own workloads, read precisely as every Google service account this environment creates
to run a workload: the Workload Identity accounts of the in-cluster workloads (servings,
training, pipeline steps, notebooks, drift jobs, the MLflow server), the accounts of the Vertex
AI servings and of Vertex AI training, and those of the other Cloud Run servings. Not the GKE
node account nor a scheduler's account (they run no code of the stack's), and not the service
itself. A workload with no Google identity (it reads no cloud storage) has no token Cloud Run
could check, so it cannot be granted anything. The members reference the accounts'
`email` attributes, so a binding is created after its account and follows a rename.
"""

from __future__ import annotations

from mlstack import runtimes
from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.serving import CloudRunServing
from mlstack.targets.terraform.blocks import Block, resource, tf_name
from mlstack.targets.terraform.gcp_attrs import CloudRunV2ServiceIamMember
from mlstack.targets.terraform.gcp_cluster import gcp_cloud, identities
from mlstack.targets.terraform.gcp_identity import (
    serving_account,
    training_account,
    workload_account,
)

INVOKER = "roles/run.invoker"


def own_accounts(plan: Plan, service: str) -> list[str]:
    """Block names of the stack's workload accounts that may call Cloud Run serving `service`:
    resolve decided them all (Plan.workloads, Plan.cloud_roles); this picks the callers."""
    accounts = [workload_account(w) for w in identities(plan)]
    for role in plan.cloud_roles:
        prefix = runtimes.get(role.kind).identity if role.kind in ("vertex", "cloudrun") else None
        if prefix is not None and (role.kind, role.name) != ("cloudrun", service):
            accounts.append(serving_account(prefix, role.name))
        elif role.kind == "vertex-train":
            accounts.append(training_account("train", role.name))
    return sorted(accounts)


def _members(plan: Plan, name: str, serving: CloudRunServing) -> list[tuple[str, str]]:
    """(block name suffix, member) of every caller, each member once."""
    if serving.invokers is None:
        return [
            (account, f"serviceAccount:${{google_service_account.{account}.email}}")
            for account in own_accounts(plan, name)
        ]
    unique = list(dict.fromkeys(serving.invokers))
    return [(str(index), member) for index, member in enumerate(unique)]


def build(plan: Plan) -> list[Block]:
    if gcp_cloud(plan) is None:
        return []
    out: list[Block] = []
    for name, serving in plan.spec.serving.items():
        if not isinstance(serving, CloudRunServing):
            continue
        path: PathKey = ("serving", name, "invokers")
        service = f"google_cloud_run_v2_service.{tf_name(name)}"
        for suffix, member in _members(plan, name, serving):
            body: CloudRunV2ServiceIamMember = {
                "location": f"${{{service}.location}}",
                "name": f"${{{service}.name}}",
                "role": INVOKER,
                "member": member,
            }
            block = f"{tf_name(name)}_{suffix}"
            out.append(resource("google_cloud_run_v2_service_iam_member", block, body, path))
    return out
