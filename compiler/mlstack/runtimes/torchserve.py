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
    command=("torchserve",),
    args=(
        "--start",
        "--foreground",
        "--ts-config",
        "{config_dir}/config.properties",
        "--model-store",
        "{model_dir}",
        "--models",
        "all",
        "--disable-token-auth",
        "--ncs",
    ),
    env=(
        ("TEMP", f"{HOME}/tmp"),
        ("LOG_LOCATION", f"{HOME}/logs"),
        ("METRICS_LOCATION", f"{HOME}/logs"),
    ),
    # Management only on 127.0.0.1 (port-forward) and no model API, so nobody registers
    # models from URLs; token authorization off: per-pod random keys cannot work behind a
    # Service, and access is the NetworkPolicy's job.
    config=(
        (
            "config.properties",
            """\
inference_address=http://0.0.0.0:8080
management_address=http://127.0.0.1:8081
metrics_address=http://0.0.0.0:8082
metrics_mode=prometheus
disable_token_authorization=true
enable_model_api=false
install_py_dep_per_model=false
model_store={model_dir}
load_models=all
""",
        ),
    ),
)
RUNTIME = Runtime(
    "torchserve",
    "in-cluster",
    ("pytorch", "huggingface", "custom"),
    scaling=Scaling(("cpu", "memory"), default=("cpu", 80.0)),
    server=SERVER,
    metrics=servers.torchserve("torchserve", (SERVER.metrics,)),
)
