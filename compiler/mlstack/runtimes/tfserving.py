"""TensorFlow Serving as a plain Deployment (targets/kubernetes/plain.py): tensorflow/serving
2.18.0. gRPC 8500, REST 8501, readiness `GET /v1/models/NAME`, metrics on the REST port."""

from __future__ import annotations

from mlstack.runtimes import servers
from mlstack.runtimes.base import Runtime, Scaling, Server

SERVER = Server(
    "tensorflow/serving:2.18.0",
    "tensorflow/serving:2.18.0-gpu",
    (("grpc", 8500), ("http", 8501)),
    ("http", "/v1/models/{model}"),
    ("grpc", None),
    ("http", servers.TF_METRICS_PATH),
)
RUNTIME = Runtime(
    "tfserving",
    "in-cluster",
    ("tensorflow",),
    scaling=Scaling(("cpu", "memory"), default=("cpu", 80.0)),
    server=SERVER,
    metrics=servers.tfserving("tfserving", (SERVER.metrics,)),
)
