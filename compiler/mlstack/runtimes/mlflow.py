"""`mlflow models serve --enable-mlserver` as a plain Deployment (targets/kubernetes/plain.py):
seldonio/mlserver 1.7.1 with its MLflow runtime. HTTP 8080, gRPC 8081, metrics 8082."""

from __future__ import annotations

from mlstack.runtimes import servers
from mlstack.runtimes.base import Runtime, Scaling, Server

SERVER = Server(
    "seldonio/mlserver:1.7.1",
    "seldonio/mlserver:1.7.1",
    (("http", 8080), ("grpc", 8081), ("metrics", 8082)),
    ("http", "/v2/health/ready"),
    ("http", "/v2/health/live"),
    ("metrics", "/metrics"),
    command=("mlserver",),
    args=("start", "{model_dir}"),
    # The model comes from MLSERVER_MODEL_* variables, so the artifact needs no
    # model-settings.json.
    env=(
        ("MLSERVER_MODEL_NAME", "{model}"),
        ("MLSERVER_MODEL_IMPLEMENTATION", "mlserver_mlflow.MLflowRuntime"),
        ("MLSERVER_MODEL_URI", "{model_dir}"),
        ("MLSERVER_METRICS_DIR", "/tmp/.metrics"),
        ("HF_HOME", "/tmp/huggingface"),
        ("NUMBA_CACHE_DIR", "/tmp/numba"),
    ),
)
RUNTIME = Runtime(
    "mlflow",
    "in-cluster",
    ("mlflow", "sklearn", "xgboost", "lightgbm", "pytorch", "tensorflow", "onnx", "huggingface"),
    scaling=Scaling(("cpu", "memory"), default=("cpu", 80.0)),
    server=SERVER,
    metrics=servers.mlserver("mlflow", (SERVER.metrics,)),
)
