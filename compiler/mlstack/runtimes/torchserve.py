"""TorchServe as a plain Deployment (targets/kubernetes/plain.py): pytorch/torchserve 0.12.0.
Inference 8080, metrics 8082 (Prometheus only with `metrics_mode=prometheus`), `GET /ping`."""

from __future__ import annotations

from mlstack.runtimes import servers
from mlstack.runtimes.base import Runtime, Scaling, Server

HOME = "/home/model-server"
SERVER = Server(
    "pytorch/torchserve:0.12.0-cpu",
    "pytorch/torchserve:0.12.0-gpu",
    (("http", 8080), ("metrics", 8082)),
    ("http", "/ping"),
    ("http", "/ping"),
    ("metrics", "/metrics"),
    (f"{HOME}/tmp", f"{HOME}/logs"),
)
RUNTIME = Runtime(
    "torchserve",
    "in-cluster",
    ("pytorch", "huggingface", "custom"),
    scaling=Scaling(("cpu", "memory"), default=("cpu", 80.0)),
    server=SERVER,
    metrics=servers.torchserve("torchserve", (SERVER.metrics,)),
)
