"""Training jobs of specs/: replica layout, restart and backoff policy, identity, tracking,
and the CronWorkflow + RBAC of scheduled trainings (whose inline job must be schema-valid too)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import yaml

from mlstack.pipeline import check, check_bytes
from mlstack.plan import Plan
from mlstack.targets.kubernetes import compile_plan, training
from mlstack.targets.kubernetes.training import conditions, job_body
from tests.helpers import ROOT
from tests.targets.schemas import CRDS, problems


@cache
def _plan(stack: str, environment: str = "default") -> Plan:
    plans = check(ROOT / "specs" / stack / "mlstack.yaml").plans
    return next(p for p in plans if p.environment == environment)


@cache
def _objects(stack: str, environment: str = "default") -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for artifact in compile_plan(_plan(stack, environment)):
        obj = yaml.safe_load(artifact.content)
        if "kind" in obj and obj["kind"] != "Kustomization":
            out[(obj["kind"], obj["metadata"]["name"])] = obj
    return out


def _inline(cron: dict[str, Any]) -> dict[str, Any]:
    """The job a CronWorkflow creates: block YAML, one field a line in a review diff."""
    manifest = cron["spec"]["workflowSpec"]["templates"][0]["resource"]["manifest"]
    assert manifest.count("\n") > 20 and not manifest.startswith("{")
    return yaml.safe_load(manifest)  # type: ignore[no-any-return]


def _run(stack: str, kind: str, model: str, environment: str = "default") -> dict[str, Any]:
    """The one unscheduled job of `model` (named MODEL-run-HASH of its definition)."""
    (job,) = [
        o
        for (k, name), o in _objects(stack, environment).items()
        if k == kind and name.startswith(f"{model}-run-")
    ]
    return job


def _run_name(text: str, model: str) -> str:
    (plan,) = check_bytes(text.encode(), "mlstack.yaml").plans
    (name,) = [m.name for m in training.build(plan) if m.name.startswith(f"{model}-run-")]
    return name


def test_an_unscheduled_training_runs_once_per_change_of_its_definition() -> None:
    """Argo CD creates a job once per name: the name must follow the image, command and
    resources, and nothing else (an unrelated serving edit must not start a GPU run)."""
    text = (ROOT / "specs" / "edge-onprem" / "mlstack.yaml").read_text()
    name = _run_name(text, "anomaly-ae")
    image = "registry.plant.acme.example/ml/anomaly-train:0.8.1"
    assert image in text
    for changed in (
        text.replace(image, "registry.plant.acme.example/ml/anomaly-train:0.8.2"),
        text.replace("--epochs", "--epochz"),
        text.replace("memory: 32Gi, gpu: 1}", "memory: 48Gi, gpu: 1}"),
    ):
        assert changed != text and _run_name(changed, "anomaly-ae") != name
    unrelated = text.replace("replicas: {min: 2, max: 6}", "replicas: {min: 2, max: 7}", 1)
    assert unrelated != text and _run_name(unrelated, "anomaly-ae") == name
    assert _run_name("# a comment\n" + text, "anomaly-ae") == name


def test_pytorch_training_is_a_trainjob_on_the_torch_runtime_by_default() -> None:
    """Kubeflow Trainer v2: world size as numNodes, the pod's placement, identity and
    hardening through mlstack's one runtimePatches entry, what has no patch in `trainer`."""
    job = _run("edge-onprem", "TrainJob", "anomaly-ae")
    assert job["apiVersion"] == "trainer.kubeflow.org/v1alpha1"
    spec = job["spec"]
    assert spec["runtimeRef"] == {
        "apiGroup": "trainer.kubeflow.org",
        "kind": "ClusterTrainingRuntime",
        "name": "torch-distributed",
    }
    trainer = spec["trainer"]
    assert trainer["numNodes"] == 2  # workers: 2 nodes, no master/worker split
    assert "numProcPerNode" not in trainer and "numProcPerNode" not in spec
    assert trainer["image"] == "registry.plant.acme.example/ml/anomaly-train:0.8.1"
    assert trainer["command"][0] == "torchrun"
    assert trainer["resourcesPerNode"]["limits"]["nvidia.com/gpu"] == "1"
    uri = "http://mlflow.edge-inference.svc.cluster.local:5000"
    assert {"name": "MLFLOW_TRACKING_URI", "value": uri} in trainer["env"]
    # no envFrom in the TrainJob API: the storage Secret's keys one by one
    assert {
        "name": "AWS_SECRET_ACCESS_KEY",
        "valueFrom": {
            "secretKeyRef": {"name": "minio-credentials", "key": "AWS_SECRET_ACCESS_KEY"}
        },
    } in trainer["env"]
    (patch,) = spec["runtimePatches"]
    assert patch["manager"] == "mlstack.dev/compiler"
    (node,) = patch["trainingRuntimeSpec"]["template"]["spec"]["replicatedJobs"]
    assert node["name"] == "node"  # the runtime's replicated job
    pod = node["template"]["spec"]["template"]
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "training"
    assert pod["spec"]["serviceAccountName"] == "train-anomaly-ae"
    assert pod["spec"]["nodeSelector"]["mlstack.dev/pool"] == "gpu"
    assert {t["key"] for t in pod["spec"]["tolerations"]} == {
        "nvidia.com/gpu",
        "plant.acme.example/gpu",
    }
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert {"name": "dshm", "emptyDir": {"medium": "Memory"}} in pod["spec"]["volumes"]
    (container,) = pod["spec"]["containers"]
    assert container["name"] == "node"  # the runtime's container: patches may not set env
    assert set(container) == {"name", "securityContext", "volumeMounts"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"name": "dshm", "mountPath": "/dev/shm"} in container["volumeMounts"]
    assert problems(job, "1.33") == []


def test_an_edit_of_a_trainjob_is_a_new_object() -> None:
    """`spec.trainer` and `runtimeRef` are immutable: an edited definition must never reach
    the same TrainJob, and an identical one must keep its name."""
    text = (ROOT / "specs" / "edge-onprem" / "mlstack.yaml").read_text()
    name = _run_name(text, "anomaly-ae")
    assert _run_name(text.replace("workers: 2", "workers: 3", 1), "anomaly-ae") != name
    assert _run_name(text.replace("pool: gpu", "pool: gpu  # x", 1), "anomaly-ae") == name


def test_trainer_v1_keeps_the_pytorchjob() -> None:
    text = (ROOT / "specs" / "edge-onprem" / "mlstack.yaml").read_text()
    v1 = text.replace("  kubernetes:\n", "  kubernetes:\n    kubeflow: {trainer: v1}\n", 1)
    (plan,) = check_bytes(v1.encode(), "mlstack.yaml").plans
    (job,) = [m for m in training.build(plan) if m.kind == "PyTorchJob"]
    replicas = job.body["spec"]["pytorchReplicaSpecs"]
    assert replicas["Master"]["replicas"] == 1
    assert replicas["Worker"]["replicas"] == 1  # workers: 2
    assert {r["restartPolicy"] for r in replicas.values()} == {"OnFailure"}
    assert job.body["spec"]["runPolicy"] == {"backoffLimit": 3}
    pod = replicas["Worker"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["name"] == "pytorch"  # the operator's default container name
    assert pod["serviceAccountName"] == "train-anomaly-ae"
    assert pod["automountServiceAccountToken"] is False
    assert container["envFrom"] == [{"secretRef": {"name": "minio-credentials"}}]
    assert not [m for m in training.build(plan) if m.kind == "TrainJob"]


def test_scheduled_trainjob_is_created_by_a_cron_workflow_that_reads_its_status() -> None:
    objects = _objects("fraud", "prod")
    cron = objects[("CronWorkflow", "fraud-xgb-train")]
    resource = cron["spec"]["workflowSpec"]["templates"][0]["resource"]
    # Argo's conditions are label selectors over gjson paths: indexes, no queries.
    assert resource["successCondition"] == "status.jobsStatus.0.succeeded > 0"
    assert resource["failureCondition"] == (
        "status.conditions.0.type == Failed, status.conditions.1.type == Failed"
    )
    job = _inline(cron)
    assert job["kind"] == "TrainJob" and job["metadata"]["generateName"] == "fraud-xgb-train-"
    assert job["spec"]["trainer"]["numNodes"] == 2
    assert problems(job, "1.33") == []
    role = objects[("Role", "schedule-fraud-xgb")]
    assert role["rules"][1] == {
        "apiGroups": ["trainer.kubeflow.org"],
        "resources": ["trainjobs"],
        "verbs": ["create", "get"],
    }


def test_jsonpaths_of_the_trainjob_conditions_exist_in_its_status_schema() -> None:
    """The paths the CronWorkflow polls are fields of the v2.3.0 TrainJob status."""
    crd = yaml.safe_load((CRDS / "trainer.kubeflow.org" / "trainjob_v1alpha1.yaml").read_text())
    status = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    assert "succeeded" in status["properties"]["jobsStatus"]["items"]["properties"]
    assert "type" in status["properties"]["conditions"]["items"]["properties"]


def test_unscheduled_tfjob_has_chief_and_workers() -> None:
    job = _run("vision-azure", "TFJob", "label-classifier", "prod")
    replicas = job["spec"]["tfReplicaSpecs"]
    assert replicas["Chief"]["replicas"] == 1 and replicas["Worker"]["replicas"] == 1
    pod = replicas["Chief"]["template"]
    assert pod["spec"]["containers"][0]["name"] == "tensorflow"
    # Azure workload identity: the pod opts in by label
    assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"


def test_scheduled_tfjob_is_created_by_a_cron_workflow() -> None:
    objects = _objects("recsys-gcp", "prod")
    assert ("TFJob", "two-tower-train") not in objects  # the CronWorkflow creates it
    cron = objects[("CronWorkflow", "two-tower-train")]
    spec = cron["spec"]
    assert spec["schedules"] == ["0 4 * * *"] and "schedule" not in spec
    assert spec["concurrencyPolicy"] == "Forbid"
    workflow = spec["workflowSpec"]
    assert workflow["serviceAccountName"] == "schedule-two-tower"
    assert json.loads(workflow["podSpecPatch"]) == {"automountServiceAccountToken": True}
    assert "executor" not in workflow  # it would need a long-lived token Secret
    resource = workflow["templates"][0]["resource"]
    assert resource["action"] == "create" and resource["setOwnerReference"] is True
    assert resource["successCondition"] == "status.replicaStatuses.Chief.succeeded > 0"
    job = _inline(cron)
    assert job["kind"] == "TFJob" and job["metadata"]["generateName"] == "two-tower-train-"
    replicas = job["spec"]["tfReplicaSpecs"]
    assert replicas["Chief"]["replicas"] == 1 and replicas["Worker"]["replicas"] == 2
    pod = replicas["Worker"]["template"]["spec"]
    assert pod["serviceAccountName"] == "train-two-tower"
    assert {"name": "TF_CPP_MIN_LOG_LEVEL", "value": "1"} in pod["containers"][0]["env"]
    assert {t["key"] for t in pod["tolerations"]} == {
        "nvidia.com/gpu",
        "mlstack.dev/spot",
        "dedicated",
    }
    assert problems(job, "1.32") == []


def test_schedule_account_may_create_and_get_only_its_job_kind() -> None:
    objects = _objects("recsys-gcp", "prod")
    role = objects[("Role", "schedule-two-tower")]
    assert role["rules"] == [
        {
            "apiGroups": ["argoproj.io"],
            "resources": ["workflowtaskresults"],
            "verbs": ["create", "patch"],
        },
        {"apiGroups": ["kubeflow.org"], "resources": ["tfjobs"], "verbs": ["create", "get"]},
    ]
    binding = objects[("RoleBinding", "schedule-two-tower")]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "schedule-two-tower"}]
    assert binding["roleRef"]["name"] == "schedule-two-tower"
    account = objects[("ServiceAccount", "schedule-two-tower")]
    assert "annotations" not in account["metadata"] or not any(
        "iam" in k for k in account["metadata"]["annotations"]
    )  # no cloud identity: it never reads storage
    assert account["automountServiceAccountToken"] is False  # only workflow pods opt in
    assert ("Secret", "schedule-two-tower.service-account-token") not in objects


def test_scheduled_batch_job_waits_on_job_counts() -> None:
    cron = _objects("edge-onprem")[("CronWorkflow", "sensor-forecast-train")]
    assert cron["spec"]["schedules"] == ["@daily"]
    resource = cron["spec"]["workflowSpec"]["templates"][0]["resource"]
    assert resource["successCondition"] == "status.succeeded > 0"
    assert resource["failureCondition"] == "status.failed > 3"  # backoffLimit default 3
    job = _inline(cron)
    assert job["kind"] == "Job"
    assert job["spec"]["completions"] == job["spec"]["parallelism"] == 1
    assert "completionMode" not in job["spec"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert problems(job, "1.30") == []
    role = _objects("edge-onprem")[("Role", "schedule-sensor-forecast")]
    assert role["rules"][1] == {
        "apiGroups": ["batch"],
        "resources": ["jobs"],
        "verbs": ["create", "get"],
    }


def test_managed_training_is_left_to_terraform() -> None:
    kinds = {
        kind
        for kind, name in _objects("vision-azure", "prod")
        if name.startswith("defect-detector")
    }
    assert not kinds & {"Job", "PyTorchJob", "TFJob", "TrainJob", "CronWorkflow"}


def test_multi_worker_batch_job_is_indexed() -> None:
    plan = _plan("edge-onprem")
    training = plan.spec.models["sensor-forecast"].training
    wide = training.model_copy(update={"workers": 4})  # type: ignore[union-attr]
    spec = job_body(plan, "sensor-forecast", wide, scheduled=False)["spec"]
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == spec["parallelism"] == 4
    assert conditions(plan, wide)[0] == "status.succeeded > 3"
