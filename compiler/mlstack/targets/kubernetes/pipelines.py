"""pipelines.P -> engine argo: an Argo WorkflowTemplate (+ a CronWorkflow when scheduled);
engine kubeflow: a Kubeflow Pipelines Pipeline + PipelineVersion (kfp.py). sagemaker is the
Terraform target's.

Every step runs as `pipeline-P` (one account for all steps, granted the union of what they
read). Container steps are plain Argo container templates; a step naming a `model` runs that
model's training image, command, env, resources and pool (one pod: a distributed training
is the model's own job, not a pipeline step). Spark steps are `resource` templates that create
a Spark Operator SparkApplication and wait for its terminal state.

RBAC for `pipeline-P`: Argo's executor rule (task results), `create`/`get` on
sparkapplications (the resource template creates and polls), and, because the Spark driver
runs as `pipeline-P` too (it reads the step's data through that account's cloud identity), the
rights the driver uses to run its executors: the Spark Operator chart's spark Role (pods,
configmaps, services, persistentvolumeclaims; charts/spark-operator-chart/templates/spark/
rbac.yaml, v2.5.2).
"""

from __future__ import annotations

from typing import Any

from mlstack.plan import Plan
from mlstack.resolve.references import enabled
from mlstack.spec.pipelines import ContainerStep, Pipeline, SparkStep
from mlstack.spec.types import quantity_value
from mlstack.targets.kubernetes import argo, identity, kfp, pods
from mlstack.targets.kubernetes.meta import Manifest, selector_labels
from mlstack.targets.kubernetes.steps import container_parts, ordered_steps
from mlstack.targets.kubernetes.tracking import tracking_env

COMPONENT = "pipeline"
SPARK = "sparkoperator.k8s.io/v1beta2"
SPARK_UID = 185
"""The `spark` user of the apache/spark images (apache/spark-docker: `ARG spark_uid=185`)."""
SPARK_SUCCESS = "status.applicationState.state == COMPLETED"
SPARK_FAILURE = "status.applicationState.state in (FAILED, SUBMISSION_FAILED)"
"""Terminal states of api/v1beta2/sparkapplication_types.go (v2.5.2) with restartPolicy Never."""

SPARK_RULES: list[dict[str, Any]] = [
    {
        "apiGroups": ["sparkoperator.k8s.io"],
        "resources": ["sparkapplications"],
        "verbs": ["create", "get"],
    },
    {
        "apiGroups": [""],
        "resources": ["pods", "configmaps", "persistentvolumeclaims", "services"],
        "verbs": [
            "get",
            "list",
            "watch",
            "create",
            "update",
            "patch",
            "delete",
            "deletecollection",
        ],
    },
]


def _container_template(plan: Plan, name: str, step: ContainerStep) -> dict[str, Any]:
    parts = container_parts(plan, step)
    container: dict[str, Any] = {
        "image": parts["image"],
        "env": [{"name": e.name, "value": e.value} for e in parts["env"]] + tracking_env(plan),
        "resources": pods.resources(parts["resources"]),
        "securityContext": pods.container_security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, argo.NO_TOKEN_MOUNT],
    }
    if parts["command"] is not None:
        container["command"] = list(parts["command"])
    container = pods.with_storage(plan, container)
    return {"name": name, "container": container, **pods.placement(plan, parts["pool"])}


def spark_memory(quantity: str) -> str:
    """Spark's JVM-style size: whole mebibytes with an `m` suffix ("4Gi" -> "4096m")."""
    return f"{max(1, round(quantity_value(quantity) / 2**20))}m"


def spark_application(
    plan: Plan, pipeline: str, name: str, step: SparkStep, labels: dict[str, str]
) -> dict[str, Any]:
    """The SparkApplication body. Driver and executors run as `pipeline-P` on the step's
    pool; Spark writes scratch and fetched dependencies under its working directory, so the
    root filesystem stays writable. The driver gets its API token through its pod template
    (it creates the executors); executors get none."""
    account = plan.workload("pipeline", pipeline).service_account

    def role(spec: Any) -> dict[str, Any]:
        return {
            "cores": spec.cores,
            "coreLimit": str(spec.cores),
            "memory": spark_memory(spec.memory),
            "serviceAccount": account,
            "labels": labels,
            "env": tracking_env(plan),
            "podSecurityContext": pods.pod_security(SPARK_UID),
            "securityContext": pods.container_security(read_only_root=False),
            **pods.placement(plan, step.pool),
        }

    driver = role(step.driver)
    driver["template"] = {"spec": {"automountServiceAccountToken": True}}
    executor = {**role(step.executor), "instances": step.executor.instances}
    spec: dict[str, Any] = {
        "type": step.type,
        "mode": "cluster",
        "image": step.image,
        "mainApplicationFile": step.main_application_file,
        "sparkVersion": step.spark_version,
        "restartPolicy": {"type": "Never"},
        "driver": driver,
        "executor": executor,
    }
    if step.main_class is not None:
        spec["mainClass"] = step.main_class
    if step.arguments:
        spec["arguments"] = list(step.arguments)
    return {"apiVersion": SPARK, "kind": "SparkApplication", "spec": spec}


def _argo(plan: Plan, name: str, pipeline: Pipeline) -> list[Manifest]:
    workload = plan.workload("pipeline", name)
    source = ("pipelines", name)
    labels = selector_labels(COMPONENT, name)
    steps = ordered_steps(pipeline)
    tasks: list[dict[str, Any]] = []
    templates: list[dict[str, Any]] = []
    for step_name, step, deps in steps:
        task: dict[str, Any] = {"name": step_name, "template": step_name}
        if deps:
            task["dependencies"] = deps
        tasks.append(task)
        if isinstance(step, SparkStep):
            app = argo.inline_object(
                plan,
                spark_application(plan, name, step_name, step, labels),
                f"{name}-{step_name}",
                labels,
                (*source, "steps", step_name),
            )
            templates.append(argo.create_template(step_name, app, SPARK_SUCCESS, SPARK_FAILURE))
        else:
            templates.append(_container_template(plan, step_name, step))
    has_spark = any(isinstance(step, SparkStep) for _, step, _ in steps)
    spec = {
        "entrypoint": "main",
        **argo.workflow_identity(workload.service_account),
        "securityContext": pods.pod_security(),
        "podMetadata": {"labels": {**labels, **identity.pod_labels(plan, workload)}},
        "volumes": [{"name": "tmp", "emptyDir": {}}, argo.NO_TOKEN_VOLUME],
        "templates": [{"name": "main", "dag": {"tasks": tasks}}, *templates],
    }
    out = [
        *argo.executor_access(workload.service_account, SPARK_RULES if has_spark else [], source),
        Manifest(argo.ARGO, "WorkflowTemplate", name, {"spec": spec}, source, labels=labels),
    ]
    if pipeline.schedule is not None:
        out.append(
            Manifest(
                argo.ARGO,
                "CronWorkflow",
                name,
                argo.cron_spec(pipeline.schedule, {"workflowTemplateRef": {"name": name}}),
                (*source, "schedule"),
                labels=labels,
            )
        )
    return out


def build(plan: Plan) -> list[Manifest]:
    out: list[Manifest] = []
    for name, pipeline in enabled(plan.spec.pipelines).items():
        if pipeline.engine == "argo":
            out.extend(_argo(plan, name, pipeline))
        elif pipeline.engine == "kubeflow":
            out.extend(kfp.build_pipeline(plan, name, pipeline))
    return out
