"""Pipelines of specs/: the Argo DAG, steps reusing a model's training, Spark steps as
SparkApplications with their RBAC, CronWorkflows, and the Kubeflow IR."""

from __future__ import annotations

from typing import Any

import yaml

from mlstack.spec.pipelines import Pipeline
from mlstack.targets.kubernetes import kfp
from mlstack.targets.kubernetes.pipelines import _argo, spark_memory
from mlstack.targets.kubernetes.steps import ordered_steps
from tests.targets.schemas import problems
from tests.targets.test_training import _objects, _plan


def _templates(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in template["spec"]["templates"]}


def test_argo_dag_follows_depends_on() -> None:
    template = _objects("edge-onprem")[("WorkflowTemplate", "weekly-retrain")]
    tasks = _templates(template)["main"]["dag"]["tasks"]
    assert [t["name"] for t in tasks] == ["extract", "train", "evaluate", "publish"]
    assert [t.get("dependencies") for t in tasks] == [None, ["extract"], ["train"], ["evaluate"]]
    spec = template["spec"]
    assert spec["serviceAccountName"] == "pipeline-weekly-retrain"
    # the executor's token is the pod's projected one (tests/targets/test_argo_tokens.py)
    assert "executor" not in spec and "automountServiceAccountToken" not in spec


def test_step_with_model_reuses_its_training() -> None:
    templates = _templates(_objects("edge-onprem")[("WorkflowTemplate", "weekly-retrain")])
    train = templates["train"]
    container = train["container"]
    assert container["image"] == "registry.plant.acme.example/ml/anomaly-train:0.8.1"
    assert container["command"][:2] == ["torchrun", "train.py"]
    assert container["resources"]["limits"] == {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "1"}
    assert train["nodeSelector"]["mlstack.dev/pool"] == "gpu"
    assert train["tolerations"][0]["key"] == "nvidia.com/gpu"
    for name in ("extract", "train", "evaluate", "publish"):
        env = templates[name]["container"]["env"]
        assert "MLFLOW_TRACKING_URI" in {e["name"] for e in env}, name
    # publish names no pool: no placement fields at all
    assert "nodeSelector" not in templates["publish"]


def test_tracking_secret_reaches_every_step() -> None:
    templates = _templates(_objects("fraud", "prod")[("WorkflowTemplate", "nightly-retrain")])
    for name in ("extract", "train", "evaluate"):
        env = {e["name"]: e for e in templates[name]["container"]["env"]}
        assert env["WANDB_API_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "wandb-api-key"
        assert env["WANDB_PROJECT"]["value"] == "fraud"


def test_scheduled_argo_pipeline_refers_to_its_template() -> None:
    cron = _objects("fraud", "prod")[("CronWorkflow", "nightly-retrain")]
    assert cron["spec"]["schedules"] == ["0 2 * * *"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["workflowSpec"] == {"workflowTemplateRef": {"name": "nightly-retrain"}}


def test_argo_role_without_spark_is_the_executor_minimum() -> None:
    role = _objects("fraud", "prod")[("Role", "pipeline-nightly-retrain")]
    assert role["rules"] == [
        {
            "apiGroups": ["argoproj.io"],
            "resources": ["workflowtaskresults"],
            "verbs": ["create", "patch"],
        }
    ]


def _recsys_as_argo() -> tuple[Any, Pipeline]:
    plan = _plan("recsys-gcp", "prod")
    return plan, plan.spec.pipelines["feature-refresh"]


def test_spark_step_creates_a_spark_application() -> None:
    plan, pipeline = _recsys_as_argo()
    manifests = {(m.kind, m.name): m for m in _argo(plan, "feature-refresh", pipeline)}
    spec = manifests[("WorkflowTemplate", "feature-refresh")].body["spec"]
    step = next(t for t in spec["templates"] if t["name"] == "build-features")["resource"]
    assert step["successCondition"] == "status.applicationState.state == COMPLETED"
    assert (
        step["failureCondition"] == "status.applicationState.state in (FAILED, SUBMISSION_FAILED)"
    )
    app = yaml.safe_load(step["manifest"])
    assert problems(app, "1.32") == []
    assert app["metadata"]["generateName"] == "feature-refresh-build-features-"
    body = app["spec"]
    assert body["mode"] == "cluster" and body["type"] == "Python"
    assert body["mainApplicationFile"] == "local:///opt/app/build_features.py"
    assert body["sparkVersion"] == "3.5.5"
    assert body["arguments"][:2] == ["--events", "gs://acme-recsys-data/events/"]
    assert (body["driver"]["cores"], body["driver"]["memory"]) == (1, "4096m")
    executor = body["executor"]
    assert (executor["instances"], executor["cores"], executor["memory"]) == (6, 4, "24576m")
    assert (
        executor["serviceAccount"] == body["driver"]["serviceAccount"] == "pipeline-feature-refresh"
    )
    assert executor["nodeSelector"]["mlstack.dev/pool"] == "highmem"
    assert [t["key"] for t in executor["tolerations"]] == ["mlstack.dev/spot"]
    rules = manifests[("Role", "pipeline-feature-refresh")].body["rules"]
    assert {
        "apiGroups": ["sparkoperator.k8s.io"],
        "resources": ["sparkapplications"],
        "verbs": ["create", "get"],
    } in rules
    assert any("pods" in r["resources"] and "create" in r["verbs"] for r in rules)
    # the scheduled copy refers to the template
    assert manifests[("CronWorkflow", "feature-refresh")].body["spec"]["schedules"] == [
        "30 1 * * *"
    ]


def test_spark_memory_is_in_mebibytes() -> None:
    assert spark_memory("2Gi") == "2048m"
    assert spark_memory("512Mi") == "512m"


def test_kubeflow_pipeline_version_ir() -> None:
    objects = _objects("recsys-gcp", "prod")
    version = next(o for (kind, _), o in objects.items() if kind == "PipelineVersion")
    name = version["metadata"]["name"]
    spec = version["spec"]
    assert spec["pipelineName"] == "ranker-eval"
    ir = spec["pipelineSpec"]
    assert ir["pipelineInfo"]["name"] == name  # the webhook's naming rule
    assert ir["schemaVersion"] == "2.1.0"
    tasks = ir["root"]["dag"]["tasks"]
    assert set(tasks) == {"offline-metrics", "report"}
    assert "dependentTasks" not in tasks["offline-metrics"]
    assert tasks["report"]["dependentTasks"] == ["offline-metrics"]
    container = ir["deploymentSpec"]["executors"]["exec-offline-metrics"]["container"]
    assert container["resources"]["resourceMemoryLimit"] == "8Gi"
    assert container["env"][-1]["name"] == "MLFLOW_TRACKING_URI"
    k8s = spec["platformSpec"]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert k8s["exec-offline-metrics"]["nodeSelector"]["labels"]["mlstack.dev/pool"] == "cpu"


def test_kubeflow_secret_env_goes_through_the_platform_spec() -> None:
    plan = _plan("fraud", "prod")
    pipeline = plan.spec.pipelines["nightly-retrain"].model_copy(update={"engine": "kubeflow"})
    ir, platform = kfp.pipeline_spec(plan, "nightly-retrain", pipeline)
    env = ir["deploymentSpec"]["executors"]["exec-train"]["container"]["env"]
    assert "WANDB_API_KEY" not in {e["name"] for e in env}
    executor = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-train"]
    assert executor["secretAsEnv"] == [
        {
            "secretName": "wandb-api-key",
            "secretNameParameter": {"runtimeValue": {"constant": "wandb-api-key"}},
            "keyToEnv": [{"secretKey": "api-key", "envVar": "WANDB_API_KEY"}],
            "optional": False,
        }
    ]
    accelerator = ir["deploymentSpec"]["executors"]["exec-train"]["container"]["resources"][
        "accelerator"
    ]
    assert accelerator == {"resourceType": "nvidia.com/gpu", "resourceCount": "1"}


def test_version_name_changes_with_content() -> None:
    plan = _plan("recsys-gcp", "prod")
    pipeline = plan.spec.pipelines["ranker-eval"]
    ir, platform = kfp.pipeline_spec(plan, "ranker-eval", pipeline)
    first = kfp.version_name("ranker-eval", ir, platform)
    ir["deploymentSpec"]["executors"]["exec-report"]["container"]["image"] = "other:1"
    assert kfp.version_name("ranker-eval", ir, platform) != first


def test_order_is_topological_then_spec_order() -> None:
    plan = _plan("edge-onprem")
    order = [name for name, _, _ in ordered_steps(plan.spec.pipelines["weekly-retrain"])]
    assert order == ["extract", "train", "evaluate", "publish"]
