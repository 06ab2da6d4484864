"""runtime: torchserve | tfserving | triton | mlflow -> Deployment + Service +
HorizontalPodAutoscaler (autoscaling/v2) + PodDisruptionBudget (policy/v1), for clusters
without KServe. The model is copied in by an initContainer (model_fetch.py).

Each server runs its upstream image with its own ports, health endpoints and model-loading
flags (sources: the projects' Dockerfiles and docs at the pinned tags):

- TorchServe `pytorch/torchserve:0.12.0-cpu|-gpu`: inference 8080, management 8081, metrics
  8082 (Prometheus only with `metrics_mode=prometheus`), `GET /ping`. Our config.properties
  (ConfigMap) binds management to 127.0.0.1 (reachable by port-forward, not by other pods) with
  `enable_model_api=false`, so nobody can register models from URLs; token authorization
  (default since 0.11) is off because per-pod random keys cannot work behind a Service, access
  being the NetworkPolicy's job. `--models all` loads every archive in the store.
- TF Serving `tensorflow/serving:2.18.0[-gpu]`: gRPC 8500, REST 8501, readiness
  `GET /v1/models/NAME`; Prometheus metrics at /monitoring/prometheus/metrics on the REST
  port, switched on by `--monitoring_config_file` (ConfigMap). `--model_base_path` is the
  model directory, which must hold numbered versions (KServe's convention, so the same URI
  serves in both).
- Triton `nvcr.io/nvidia/tritonserver:25.01-py3` (one image for CPU and GPU): HTTP 8000,
  gRPC 8001, metrics 8002, `/v2/health/ready` and `/v2/health/live`,
  `--model-repository` = the model directory (a Triton model repository).
- MLflow: MLServer `seldonio/mlserver:1.7.1`, the server `mlflow models serve --enable-mlserver`
  runs, with its MLflow runtime: HTTP 8080, gRPC 8081, metrics 8082, `/v2/health/ready|live`;
  the model comes from MLSERVER_MODEL_* variables, so the artifact needs no model-settings.json.

readOnlyRootFilesystem is true for all four; each gets an emptyDir where it writes: /tmp
everywhere (JVM and Python temp files; HOME points there for library caches), TorchServe
also its TEMP (archive extraction, pid file) and log directories, Triton a memory-backed
/dev/shm (its Python backend talks to stubs through shared memory), MLServer its metrics
directory under /tmp. A startupProbe gives model loading up to 10 minutes before liveness
counts. The Deployment has no `replicas`: the HPA owns the count, and a sync would fight it.
"""

from __future__ import annotations

from typing import Any

from mlstack import runtimes
from mlstack.plan import Plan
from mlstack.runtimes import Server
from mlstack.runtimes.servers import TF_METRICS_PATH
from mlstack.runtimes.torchserve import HOME as TS_HOME
from mlstack.spec.serving import (
    MlflowServing,
    TFServingServing,
    TorchServeServing,
    TritonServing,
)
from mlstack.targets.kubernetes import identity, pods, quota
from mlstack.targets.kubernetes.meta import Manifest, selector_labels
from mlstack.targets.kubernetes.model_fetch import MODEL_DIR, TMP_VOLUME, model_source

COMPONENT = "serving"
CONFIG_DIR = "/etc/mlstack"
STARTUP_SECONDS = 600


PlainServing = TorchServeServing | TFServingServing | TritonServing | MlflowServing

TORCHSERVE_CONFIG = f"""\
inference_address=http://0.0.0.0:8080
management_address=http://127.0.0.1:8081
metrics_address=http://0.0.0.0:8082
metrics_mode=prometheus
disable_token_authorization=true
enable_model_api=false
install_py_dep_per_model=false
model_store={MODEL_DIR}
load_models=all
"""
TFSERVING_MONITORING = f"""\
prometheus_config {{
  enable: true,
  path: "{TF_METRICS_PATH}"
}}
"""


def server_of(runtime: str) -> Server:
    """The Deployment facts of a plain runtime (its registry entry has a `Server`)."""
    found = runtimes.get(runtime).server
    assert found is not None, runtime
    return found


def config_map_name(name: str, runtime: str) -> str:
    return f"{name}-{runtime}"


def _config(serving: PlainServing) -> dict[str, str]:
    """The server's config files (a ConfigMap mounted at CONFIG_DIR), if it needs any."""
    if isinstance(serving, TorchServeServing):
        return {"config.properties": TORCHSERVE_CONFIG}
    if isinstance(serving, TFServingServing):
        return {"monitoring_config.txt": TFSERVING_MONITORING}
    return {}


def _server_args(serving: PlainServing, model: str) -> tuple[list[str], list[str], list[Any]]:
    """(command, args, env) that load the model from MODEL_DIR."""
    env: list[dict[str, Any]] = [{"name": "HOME", "value": "/tmp"}]
    if isinstance(serving, TorchServeServing):
        env += [
            {"name": "TEMP", "value": f"{TS_HOME}/tmp"},
            {"name": "LOG_LOCATION", "value": f"{TS_HOME}/logs"},
            {"name": "METRICS_LOCATION", "value": f"{TS_HOME}/logs"},
        ]
        args = ["--start", "--foreground", "--ts-config", f"{CONFIG_DIR}/config.properties"]
        args += ["--model-store", MODEL_DIR, "--models", "all", "--disable-token-auth", "--ncs"]
        return ["torchserve"], args, env
    if isinstance(serving, TFServingServing):
        return (
            ["tensorflow_model_server"],
            [
                "--port=8500",
                "--rest_api_port=8501",
                f"--model_name={model}",
                f"--model_base_path={MODEL_DIR}",
                f"--monitoring_config_file={CONFIG_DIR}/monitoring_config.txt",
            ],
            env,
        )
    if isinstance(serving, TritonServing):
        args = [f"--model-repository={MODEL_DIR}", "--http-port=8000", "--grpc-port=8001"]
        return ["tritonserver"], [*args, "--metrics-port=8002"], env
    env += [
        {"name": "MLSERVER_MODEL_NAME", "value": model},
        {"name": "MLSERVER_MODEL_IMPLEMENTATION", "value": "mlserver_mlflow.MLflowRuntime"},
        {"name": "MLSERVER_MODEL_URI", "value": MODEL_DIR},
        {"name": "MLSERVER_METRICS_DIR", "value": "/tmp/.metrics"},
        {"name": "HF_HOME", "value": "/tmp/huggingface"},
        {"name": "NUMBA_CACHE_DIR", "value": "/tmp/numba"},
    ]
    return ["mlserver"], ["start", MODEL_DIR], env


def _probe(check: tuple[str, str | None], model: str, **timing: int) -> dict[str, Any]:
    port, path = check
    action: dict[str, Any] = (
        {"tcpSocket": {"port": port}}
        if path is None
        else {"httpGet": {"path": path.format(model=model), "port": port}}
    )
    return {**action, **timing}


def _pod(plan: Plan, name: str, serving: PlainServing) -> dict[str, Any]:
    workload = plan.workload("serve", name)
    server = server_of(serving.runtime)
    model = serving.model
    source = model_source(plan, plan.spec.models[model].uri, serving.resources)
    command, args, env = _server_args(serving, model)
    mounts: list[dict[str, Any]] = [source.mount, {"name": TMP_VOLUME, "mountPath": "/tmp"}]
    volumes: list[dict[str, Any]] = [*source.volumes, {"name": TMP_VOLUME, "emptyDir": {}}]
    for index, path in enumerate(server.scratch):
        mounts.append({"name": f"scratch-{index}", "mountPath": path})
        volumes.append({"name": f"scratch-{index}", "emptyDir": {}})
    if isinstance(serving, TritonServing):
        mounts.append({"name": "shm", "mountPath": "/dev/shm"})
        volumes.append({"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "256Mi"}})
    if _config(serving):
        mounts.append({"name": "config", "mountPath": CONFIG_DIR, "readOnly": True})
        volumes.append(
            {"name": "config", "configMap": {"name": config_map_name(name, serving.runtime)}}
        )
    default_image = server.gpu_image if serving.resources.gpu else server.image
    container = {
        "name": serving.runtime,
        "image": serving.image or default_image,
        "command": command,
        "args": args,
        "env": [*env, *pods.serving_env(serving)],
        "ports": [{"name": n, "containerPort": p, "protocol": "TCP"} for n, p in server.ports],
        "startupProbe": _probe(
            server.ready, model, periodSeconds=10, failureThreshold=STARTUP_SECONDS // 10
        ),
        "readinessProbe": _probe(server.ready, model, periodSeconds=10, failureThreshold=3),
        "livenessProbe": _probe(server.live, model, periodSeconds=15, failureThreshold=4),
        "resources": pods.resources(serving.resources),
        "securityContext": pods.container_security(read_only_root=True),
        "volumeMounts": mounts,
    }
    spec: dict[str, Any] = {
        "serviceAccountName": workload.service_account,
        "automountServiceAccountToken": False,
        "securityContext": pods.pod_security(),
        "containers": [container],
        "volumes": volumes,
        **pods.serving_placement(plan, serving),
    }
    if source.init_containers:
        spec["initContainers"] = source.init_containers
    labels = {
        **serving.labels,
        **selector_labels(COMPONENT, name),
        **identity.pod_labels(plan, workload),
    }
    metadata: dict[str, Any] = {"labels": labels}
    if serving.annotations:
        metadata["annotations"] = dict(serving.annotations)
    return {"metadata": metadata, "spec": spec}


def _objects(plan: Plan, name: str, serving: PlainServing) -> list[Manifest]:
    source = ("serving", name)
    selected = selector_labels(COMPONENT, name)
    selector = {"matchLabels": selected}
    labels = {**serving.labels, **selected}
    server = server_of(serving.runtime)
    metric, target = (
        (serving.autoscaling.metric, serving.autoscaling.target)
        if serving.autoscaling is not None
        else runtimes.get(serving.runtime).scaling.fallback()
    )
    deployment = {
        "spec": {
            "selector": selector,
            "strategy": quota.rollout(serving.resources).strategy(),
            "template": _pod(plan, name, serving),
        }
    }
    service = {
        "spec": {
            "type": "ClusterIP",
            "selector": selected,
            "ports": [
                {"name": n, "port": p, "targetPort": n, "protocol": "TCP"} for n, p in server.ports
            ],
        }
    }
    hpa = {
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": serving.replicas.min,
            "maxReplicas": serving.replicas.max,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": metric,
                        "target": {"type": "Utilization", "averageUtilization": round(target)},
                    },
                }
            ],
        }
    }
    # With two or more replicas keep one serving through a drain; with one, allow the drain.
    budget = {"minAvailable": 1} if serving.replicas.min >= 2 else {"maxUnavailable": 1}
    out = [
        Manifest(
            "apps/v1",
            "Deployment",
            name,
            deployment,
            source,
            labels=labels,
            annotations=dict(serving.annotations),
        ),
        Manifest("v1", "Service", name, service, source, labels=labels),
        Manifest("autoscaling/v2", "HorizontalPodAutoscaler", name, hpa, source, labels=labels),
        Manifest(
            "policy/v1",
            "PodDisruptionBudget",
            name,
            {"spec": {"selector": selector, **budget}},
            source,
            labels=labels,
        ),
    ]
    files = _config(serving)
    if files:
        out.append(
            Manifest(
                "v1",
                "ConfigMap",
                config_map_name(name, serving.runtime),
                {"data": files},
                source,
                labels=labels,
            )
        )
    return out


def build(plan: Plan) -> list[Manifest]:
    out: list[Manifest] = []
    for name, serving in plan.spec.serving.items():
        if isinstance(
            serving, TorchServeServing | TFServingServing | TritonServing | MlflowServing
        ):
            out.extend(_objects(plan, name, serving))
    return out
