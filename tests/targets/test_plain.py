"""Plain runtimes (TorchServe, TF Serving, Triton, MLflow/MLServer) on the example stacks:
the right server, ports, probes and model-loading flags, the model copied in by the right
downloader (or the claim mounted), scaling and disruption budgets from the spec."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.base import Resources
from mlstack.targets.kubernetes import model_fetch, plain
from mlstack.targets.kubernetes.meta import full_object
from tests.helpers import ROOT
from tests.targets.schemas import problems

SPEC = {p.parent.name: p for p in sorted((ROOT / "specs").glob("*/mlstack.yaml"))}


@cache
def _plan(stack: str, environment: str | None = None) -> Plan:
    plans = check(SPEC[stack]).plans
    return next(p for p in plans if environment in (None, p.environment))


def _objects(plan: Plan, name: str) -> dict[str, dict[str, Any]]:
    """Objects of one serving by kind, as written out."""
    return {m.kind: full_object(plan, m) for m in plain.build(plan) if m.source[1] == name}


def _pod(plan: Plan, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = _objects(plan, name)["Deployment"]["spec"]["template"]["spec"]
    return spec


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env", [])}


def test_every_serving_gets_its_four_objects_and_nothing_else() -> None:
    plan = _plan("edge-onprem")
    kinds = {name: sorted(_objects(plan, name)) for name in plan.spec.serving}
    assert kinds["anomaly-api"] == [
        "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service",
    ]  # fmt: skip
    assert kinds["forecast-api"] == [
        "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service",
    ]  # fmt: skip
    assert kinds["defect-api"] == []  # KServe: not this module's


@pytest.mark.parametrize("stack", sorted(SPEC))
def test_objects_are_schema_valid(stack: str) -> None:
    plans = check(SPEC[stack]).plans
    assert plans, "the spec must resolve, or the loop below checks nothing"
    for plan in plans:
        version = plan.spec.platform.kubernetes.version
        for manifest in plain.build(plan):
            assert problems(full_object(plan, manifest), version) == [], manifest.file_name


def test_torchserve_on_a_pvc_model() -> None:
    plan = _plan("edge-onprem")
    pod = _pod(plan, "anomaly-api")
    (server,) = pod["containers"]
    assert server["image"] == "pytorch/torchserve:0.12.0-cpu"  # the spec's override
    assert server["command"] == ["torchserve"]
    assert server["args"][server["args"].index("--model-store") + 1] == "/mnt/models"
    assert "--disable-token-auth" in server["args"]
    assert {p["name"]: p["containerPort"] for p in server["ports"]} == {
        "http": 8080,
        "metrics": 8082,
    }
    assert server["readinessProbe"]["httpGet"] == {"path": "/ping", "port": "http"}
    # pvc://edge-models/anomaly-ae/v3: the claim itself, read-only, no download.
    assert "initContainers" not in pod
    claim = next(v for v in pod["volumes"] if v["name"] == "model")
    assert claim["persistentVolumeClaim"] == {"claimName": "edge-models", "readOnly": True}
    mount = next(m for m in server["volumeMounts"] if m["name"] == "model")
    assert mount == {
        "name": "model",
        "mountPath": "/mnt/models",
        "readOnly": True,
        "subPath": "anomaly-ae/v3",
    }
    config = _objects(plan, "anomaly-api")["ConfigMap"]["data"]["config.properties"]
    assert "management_address=http://127.0.0.1:8081" in config
    assert "metrics_mode=prometheus" in config
    assert "enable_model_api=false" in config


def test_read_only_root_with_writable_scratch() -> None:
    plan = _plan("edge-onprem")
    for name in ("anomaly-api", "notes-sentiment", "forecast-api"):
        pod = _pod(plan, name)
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"] + pod.get("initContainers", []):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["resources"]["requests"] == container["resources"]["limits"]
            assert "/tmp" in {m["mountPath"] for m in container["volumeMounts"]}
    torchserve = _pod(plan, "anomaly-api")["containers"][0]
    paths = {m["mountPath"] for m in torchserve["volumeMounts"]}
    assert {"/home/model-server/tmp", "/home/model-server/logs"} <= paths


def test_hf_model_through_the_storage_initializer() -> None:
    pod = _pod(_plan("edge-onprem"), "notes-sentiment")
    (download,) = pod["initContainers"]
    assert download["image"] == model_fetch.KSERVE_INITIALIZER
    assert download["args"] == [
        "hf://distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        "/mnt/models",
    ]
    assert "nvidia.com/gpu" not in download["resources"]["limits"]
    # hf:// is public: the MinIO secret is not handed to the Hugging Face download.
    assert "envFrom" not in download


def test_hf_revision_uses_the_initializer_spelling() -> None:
    plan = _plan("recsys-gcp", "prod")
    uri = plan.spec.models["query-encoder"].uri
    source = model_fetch.model_source(plan, uri, Resources())
    assert source.init_containers[0]["args"][0] == (
        "hf://sentence-transformers/all-MiniLM-L6-v2:c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
    )


def test_mlflow_registry_model_on_mlserver() -> None:
    plan = _plan("edge-onprem")
    pod = _pod(plan, "forecast-api")
    server = pod["containers"][0]
    assert server["image"] == "seldonio/mlserver:1.7.1"
    env = _env(server)
    assert env["MLSERVER_MODEL_IMPLEMENTATION"] == "mlserver_mlflow.MLflowRuntime"
    assert env["MLSERVER_MODEL_URI"] == "/mnt/models"
    assert server["livenessProbe"]["httpGet"]["path"] == "/v2/health/live"
    (download,) = pod["initContainers"]
    assert download["command"][:3] == ["mlflow", "artifacts", "download"]
    assert "models:/sensor-forecast/3" in download["command"]
    assert _env(download)["MLFLOW_TRACKING_URI"] == (
        "http://mlflow.edge-inference.svc.cluster.local:5000"
    )
    # No cloud: the storage secret reaches the downloader (MinIO behind the registry).
    assert download["envFrom"] == [{"secretRef": {"name": "minio-credentials"}}]


def test_scaling_and_disruption_budget() -> None:
    plan = _plan("edge-onprem")
    forecast = _objects(plan, "forecast-api")
    hpa = forecast["HorizontalPodAutoscaler"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (1, 3)
    assert hpa["metrics"][0]["resource"] == {
        "name": "memory",
        "target": {"type": "Utilization", "averageUtilization": 80},
    }
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "forecast-api",
    }
    assert "replicas" not in forecast["Deployment"]["spec"]  # the HPA owns the count
    assert forecast["PodDisruptionBudget"]["spec"]["maxUnavailable"] == 1
    anomaly = _objects(plan, "anomaly-api")
    assert anomaly["PodDisruptionBudget"]["spec"]["minAvailable"] == 1
    assert anomaly["HorizontalPodAutoscaler"]["spec"]["metrics"][0]["resource"]["target"] == {
        "type": "Utilization",
        "averageUtilization": 70,
    }
    # No autoscaling in the spec: cpu at 80 %.
    notes = _objects(plan, "notes-sentiment")["HorizontalPodAutoscaler"]["spec"]["metrics"][0]
    assert notes["resource"] == {
        "name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": 80},
    }


def test_service_selects_the_pods_and_names_every_port() -> None:
    plan = _plan("recsys-gcp", "prod")
    objects = _objects(plan, "reranker")
    pod_labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    service = objects["Service"]["spec"]
    assert service["selector"].items() <= pod_labels.items()
    assert objects["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == service["selector"]
    assert [(p["name"], p["port"], p["targetPort"]) for p in service["ports"]] == [
        ("http", 8000, "http"),
        ("grpc", 8001, "grpc"),
        ("metrics", 8002, "metrics"),
    ]


def test_triton_on_gpu_from_gcs() -> None:
    plan = _plan("recsys-gcp", "prod")
    pod = _pod(plan, "reranker")
    server = pod["containers"][0]
    assert server["image"] == "nvcr.io/nvidia/tritonserver:25.01-py3"
    assert server["command"] == ["tritonserver"]
    assert "--model-repository=/mnt/models" in server["args"]
    assert server["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": "http"}
    assert server["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert pod["nodeSelector"]["mlstack.dev/pool"] == "gpu"
    assert {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present",
            "effect": "NoSchedule"} in pod["tolerations"]  # fmt: skip
    shm = next(v for v in pod["volumes"] if v["name"] == "shm")
    assert shm["emptyDir"]["medium"] == "Memory"
    (download,) = pod["initContainers"]
    assert download["image"] == model_fetch.GCLOUD
    assert download["command"] == [
        "gcloud", "storage", "rsync", "--recursive",
        "gs://acme-recsys-models/reranker/onnx/v3", "/mnt/models",
    ]  # fmt: skip
    assert "envFrom" not in download  # a cloud stack uses workload identity
    assert pod["serviceAccountName"] == "serve-reranker"
    assert plain.server_of("triton").metrics == ("metrics", "/metrics")


def test_tfserving_from_azure_blob() -> None:
    plan = _plan("vision-azure", "prod")
    objects = _objects(plan, "label-api")
    pod = objects["Deployment"]["spec"]["template"]
    assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    server = pod["spec"]["containers"][0]
    assert server["image"] == "tensorflow/serving:2.18.0"
    assert "--model_name=label-classifier" in server["args"]
    assert "--model_base_path=/mnt/models" in server["args"]
    assert server["readinessProbe"]["httpGet"] == {
        "path": "/v1/models/label-classifier",
        "port": "http",
    }
    monitoring = objects["ConfigMap"]["data"]["monitoring_config.txt"]
    assert 'path: "/monitoring/prometheus/metrics"' in monitoring
    assert "--monitoring_config_file=/etc/mlstack/monitoring_config.txt" in server["args"]
    (download,) = pod["spec"]["initContainers"]
    assert download["args"] == [
        "https://acmevisionml.blob.core.windows.net/models/label-classifier/v9",
        "/mnt/models",
    ]


def test_torchserve_gpu_default_image_and_s3_download() -> None:
    plan = _plan("fraud", "prod")
    pod = _pod(plan, "fraud-explain")
    assert pod["containers"][0]["image"] == "pytorch/torchserve:0.12.0-gpu"
    (download,) = pod["initContainers"]
    assert download["image"] == model_fetch.AWS_CLI
    assert download["command"] == [
        "aws", "s3", "cp", "--recursive", "--only-show-errors",
        "s3://acme-models/fraud/bert/v2", "/mnt/models",
    ]  # fmt: skip
    assert _env(download)["AWS_REGION"] == plan.spec.platform.cloud.region  # type: ignore[union-attr]


def test_disabled_serving_emits_nothing(tmp_path: Path) -> None:
    text = (
        SPEC["edge-onprem"]
        .read_text()
        .replace(
            "  notes-sentiment:\n    model: operator-notes\n",
            "  notes-sentiment:\n    enabled: false\n    model: operator-notes\n",
        )
    )
    (plan,) = check(_write(tmp_path, text)).plans
    assert _objects(plan, "notes-sentiment") == {}
    assert _objects(plan, "forecast-api") != {}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mlstack.yaml"
    path.write_text(text)
    return path
