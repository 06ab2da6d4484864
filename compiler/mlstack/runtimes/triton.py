"""NVIDIA Triton as a plain Deployment (targets/kubernetes/plain.py): tritonserver 25.01, one
image for CPU and GPU. HTTP 8000, gRPC 8001, metrics 8002."""

from __future__ import annotations

from mlstack.runtimes import servers
from mlstack.runtimes.base import Runtime, Scaling, Server

SERVER = Server(
    "nvcr.io/nvidia/tritonserver:25.01-py3",
    "nvcr.io/nvidia/tritonserver:25.01-py3",
    (("http", 8000), ("grpc", 8001), ("metrics", 8002)),
    ("http", "/v2/health/ready"),
    ("http", "/v2/health/live"),
    ("metrics", "/metrics"),
)
RUNTIME = Runtime(
    "triton",
    "in-cluster",
    ("triton", "onnx", "tensorflow", "pytorch"),
    scaling=Scaling(("cpu", "memory"), default=("cpu", 80.0)),
    server=SERVER,
    metrics=servers.triton("triton", (SERVER.metrics,)),
)
