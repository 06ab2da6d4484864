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
)
RUNTIME = Runtime(
    "mlflow",
    "in-cluster",
    ("mlflow", "sklearn", "xgboost", "lightgbm", "pytorch", "tensorflow", "onnx", "huggingface"),
    scaling=Scaling(("cpu", "memory"), default=("cpu", 80.0)),
    server=SERVER,
    metrics=servers.mlserver("mlflow", (SERVER.metrics,)),
)
