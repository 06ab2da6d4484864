"""pipelines.P with engine kubeflow and a `schedule` -> an Argo CronWorkflow that starts one
Kubeflow Pipelines run of the current pipeline version per tick and waits for it.

Kubeflow Pipelines keeps recurring runs in its database, outside Kubernetes (KEP-11551 left
runs out of the Kubernetes-native API), so a schedule cannot be a synced object of KFP's own.
Argo Workflows, which KFP runs on, can: the CronWorkflow's one step is `kfp_run.py` (standard
library only, in a pinned Python image), which calls KFP's REST API as the account
`schedule-pipeline-P`. That account holds no Kubernetes API token in the step (Argo's own
containers use the pod's projected one, argo.py); it gets a second projected token whose
audience is the KFP API server, and a Role with the pipelines.kubeflow.org verbs multi-user
KFP checks (SubjectAccessReviews: get/list pipelines, get/list/create experiments,
create/get runs). The run itself runs as `pipeline-P`, like an unscheduled one.

Changing the pipeline renames its version (kfp.py) and so changes the CronWorkflow's
environment: the next tick runs the new version, never a stale one.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from mlstack.plan import Plan
from mlstack.spec.base import Resources
from mlstack.targets.kubernetes import argo, pods
from mlstack.targets.kubernetes.meta import Manifest, selector_labels
from mlstack.targets.kubernetes.network import KUBEFLOW_NAMESPACE

PYTHON = "python:3.12.8-slim-bookworm"
"""The official Python image: kfp_run.py needs nothing beyond the standard library."""
API = f"http://ml-pipeline.{KUBEFLOW_NAMESPACE}.svc.cluster.local:8888"
"""KFP's API server Service (REST port) in a Kubeflow or standalone KFP install."""
TOKEN_DIR = "/var/run/secrets/kubeflow/pipelines"
"""Where the KFP SDK looks for its token (KF_PIPELINES_SA_TOKEN_PATH's default)."""
AUDIENCE = "pipelines.kubeflow.org"
POLL_SECONDS = 30
KFP_RULES: list[dict[str, Any]] = [
    {"apiGroups": [AUDIENCE], "resources": ["pipelines"], "verbs": ["get", "list"]},
    {"apiGroups": [AUDIENCE], "resources": ["experiments"], "verbs": ["get", "list", "create"]},
    {"apiGroups": [AUDIENCE], "resources": ["runs"], "verbs": ["get", "create"]},
]
TOKEN_VOLUME: dict[str, Any] = {
    "name": "kfp-token",
    "projected": {
        "sources": [
            {
                "serviceAccountToken": {
                    "audience": AUDIENCE,
                    "expirationSeconds": 7200,
                    "path": "token",
                }
            }
        ]
    },
}


def account(pipeline: str) -> str:
    return f"schedule-pipeline-{pipeline}"


def _script(plan: Plan, pipeline: str, version: str) -> dict[str, Any]:
    env = {
        "KFP_API": API,
        "KFP_NAMESPACE": plan.namespace,
        "KFP_PIPELINE": pipeline,
        "KFP_PIPELINE_VERSION": version,
        "KFP_SERVICE_ACCOUNT": plan.workload("pipeline", pipeline).service_account,
        "KFP_RUN_NAME": "{{workflow.name}}",
        "KFP_TOKEN_PATH": f"{TOKEN_DIR}/token",
        "KFP_POLL_SECONDS": str(POLL_SECONDS),
    }
    source = resources.files("mlstack.targets.kubernetes").joinpath("kfp_run.py").read_text()
    return {
        "name": "run",
        "script": {
            "image": PYTHON,
            "imagePullPolicy": "IfNotPresent",
            "command": ["python"],
            "source": source,
            "env": [{"name": k, "value": v} for k, v in env.items()],
            "resources": pods.resources(Resources(cpu="50m", memory="64Mi")),
            "securityContext": pods.container_security(),
            "volumeMounts": [
                argo.NO_TOKEN_MOUNT,
                {"name": TOKEN_VOLUME["name"], "mountPath": TOKEN_DIR, "readOnly": True},
            ],
        },
    }


def build_schedule(plan: Plan, pipeline: str, schedule: str, version: str) -> list[Manifest]:
    source = ("pipelines", pipeline, "schedule")
    labels = selector_labels("pipeline", pipeline)
    name = account(pipeline)
    workflow = {
        "entrypoint": "run",
        **argo.workflow_identity(name),
        "securityContext": pods.pod_security(),
        "podMetadata": {"labels": selector_labels("pipeline-schedule", pipeline)},
        "volumes": [argo.NO_TOKEN_VOLUME, TOKEN_VOLUME],
        "templates": [_script(plan, pipeline, version)],
    }
    return [
        Manifest("v1", "ServiceAccount", name, {"automountServiceAccountToken": False}, source),
        *argo.executor_access(name, KFP_RULES, source),
        Manifest(
            argo.ARGO,
            "CronWorkflow",
            pipeline,
            argo.cron_spec(schedule, workflow),
            source,
            labels=labels,
        ),
    ]
