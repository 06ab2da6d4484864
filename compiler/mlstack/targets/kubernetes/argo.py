"""What every Argo workflow mlstack generates shares: how its pods get (and don't get) an API
token, the RBAC its executor needs, and resource templates that wait for what they create.

Argo's executor containers (init/wait/supervisor, and the `main` of a `resource` template,
which runs argoexec itself) need an API token: since v3.4 they record step outputs as
`workflowtaskresults` (docs/workflow-rbac.md, v4.1.2). User code should not hold one.

Argo's own way to split the two, `executor.serviceAccountName`, mounts a long-lived legacy
token Secret (`SA.service-account-token`, docs/service-account-secrets.md): in v4.1.2
`setupServiceAccount` (workflow/controller/workflowpod.go) always builds a Secret volume for it,
with no projected alternative. So mlstack uses the token Kubernetes projects itself (bound to
the pod, expiring, rotated by the kubelet): the workflow's pods opt in with
`podSpecPatch: {"automountServiceAccountToken": true}` (our ServiceAccounts say false, and Argo
copies only a false from `WorkflowSpec.automountServiceAccountToken`), and the main container
of each container template mounts a token-less volume at the token path, which makes the
ServiceAccount admission plugin skip that container ("Existing mounts at the default mount
path prevent mounting of the API token", plugin/pkg/admission/serviceaccount/admission.go).
The volume still holds `namespace`, the one file there that argoexec's emissary reads in the
main container (cmd/argoexec/commands/emissary.go, for tracing).
"""

from __future__ import annotations

import json
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


TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
"""Where Kubernetes mounts the projected API token, and client-go reads it."""
NO_TOKEN_VOLUME: dict[str, Any] = {
    "name": "no-api-token",
    "downwardAPI": {
        "items": [{"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}}]
    },
}
"""Mounted at TOKEN_PATH in user containers: what is there instead of a token."""
NO_TOKEN_MOUNT: dict[str, Any] = {
    "name": NO_TOKEN_VOLUME["name"],
    "mountPath": TOKEN_PATH,
    "readOnly": True,
}


def executor_access(
    service_account: str, rules: list[dict[str, Any]], source: PathKey
) -> list[Manifest]:
    """Role (the executor rule plus `rules`) and RoleBinding for one account; the token is
    the pod's projected one (workflow_identity), never a Secret."""
    subject = {"kind": "ServiceAccount", "name": service_account}
    return [
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
    """WorkflowSpec fields: pods run as the account with its projected token; user
    containers shadow it with NO_TOKEN_MOUNT."""
    return {
        "serviceAccountName": service_account,
        "podSpecPatch": json.dumps({"automountServiceAccountToken": True}),
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
