"""What every Argo workflow mlstack generates shares: how its pods get (and don't get) an API
token, the RBAC its executor needs, and resource templates that wait for what they create.

Workload ServiceAccounts are created with `automountServiceAccountToken: false`, and user
code should not hold an API token. Argo's executor containers (init/wait, and the pod of a
`resource` template) do need one: since v3.4 they record step outputs as
`workflowtaskresults` (docs/workflow-rbac.md, v4.1.2). Argo solves exactly this with
`executor.serviceAccountName`: the controller mounts that account's token Secret, found by
the name `SA.service-account-token` (docs/service-account-secrets.md), into the executor
containers only, while `automountServiceAccountToken: false` keeps it out of the main
container (workflow/controller/workflowpod.go `setupServiceAccount`).
"""

from __future__ import annotations

from typing import Any

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.targets import yaml_out
from mlstack.targets.kubernetes.meta import Manifest
from mlstack.targets.labels import common_labels

ARGO = "argoproj.io/v1alpha1"
RBAC = "rbac.authorization.k8s.io/v1"

EXECUTOR_RULE: dict[str, Any] = {
    "apiGroups": ["argoproj.io"],
    "resources": ["workflowtaskresults"],
    "verbs": ["create", "patch"],
}
"""The executor minimum for Argo >= v3.4 (docs/workflow-rbac.md)."""


def token_secret_name(service_account: str) -> str:
    """Argo discovers an executor token by this name (docs/service-account-secrets.md)."""
    return f"{service_account}.service-account-token"


def executor_access(
    service_account: str, rules: list[dict[str, Any]], source: PathKey
) -> list[Manifest]:
    """Token Secret, Role (the executor rule plus `rules`) and RoleBinding for one account."""
    subject = {"kind": "ServiceAccount", "name": service_account}
    return [
        Manifest(
            "v1",
            "Secret",
            token_secret_name(service_account),
            {"type": "kubernetes.io/service-account-token"},
            source,
            annotations={"kubernetes.io/service-account.name": service_account},
        ),
        Manifest(RBAC, "Role", service_account, {"rules": [EXECUTOR_RULE, *rules]}, source),
        Manifest(
            RBAC,
            "RoleBinding",
            service_account,
            {
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": service_account,
                },
                "subjects": [subject],
            },
            source,
        ),
    ]


def workflow_identity(service_account: str) -> dict[str, Any]:
    """WorkflowSpec fields: pods run as the account, only the executor holds its token."""
    return {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": False,
        "executor": {"serviceAccountName": service_account},
    }


def inline_object(
    plan: Plan, obj: dict[str, Any], generate_name: str, labels: dict[str, str], source: PathKey
) -> dict[str, Any]:
    """An object a workflow creates at run time: `generateName`, because every run creates a
    new one, and the same labels and source annotation as the objects mlstack applies."""
    return {
        **obj,
        "metadata": {
            "generateName": f"{generate_name}-",
            "namespace": plan.namespace,
            "labels": {**common_labels(plan), **labels},
            "annotations": {"mlstack.dev/source": plan.source(source)},
        },
    }


def create_template(name: str, obj: dict[str, Any], success: str, failure: str) -> dict[str, Any]:
    """A `resource` template that creates `obj`, owned by the workflow (deleted with it), and
    polls it (GET every 5s, workflow/executor/resource.go) until a condition holds. Conditions
    are label-selector expressions over gjson paths; failure requirements are ORed. The
    manifest is block YAML (Argo reads YAML or JSON), one field a line in a review diff."""
    return {
        "name": name,
        "resource": {
            "action": "create",
            "setOwnerReference": True,
            "manifest": yaml_out.dump(obj).decode(),
            "successCondition": success,
            "failureCondition": failure,
        },
    }


def cron_spec(schedule: str, workflow_spec: dict[str, Any]) -> dict[str, Any]:
    """CronWorkflow spec: Argo v4 removed the singular `schedule` (docs/upgrading.md, v4.0);
    `schedules` takes five-field cron and @daily-style macros alike (CRD pattern). Forbid: a
    run still going when the next is due is not doubled."""
    return {
        "spec": {
            "schedules": [schedule],
            "concurrencyPolicy": "Forbid",
            "workflowSpec": workflow_spec,
        }
    }
