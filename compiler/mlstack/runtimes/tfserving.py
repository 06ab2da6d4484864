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
    command=("tensorflow_model_server",),
    args=(
        "--port=8500",
        "--rest_api_port=8501",
        "--model_name={model}",
        "--model_base_path={model_dir}",
        "--monitoring_config_file={config_dir}/monitoring_config.txt",
    ),
    config=(
        (
            "monitoring_config.txt",
            f"""\
prometheus_config {{{{
  enable: true,
  path: "{servers.TF_METRICS_PATH}"
}}}}
""",
        ),
    ),
)
RUNTIME = Runtime(
    "tfserving",
    "in-cluster",
    ("tensorflow",),
    scaling=Scaling(("cpu", "memory"), default=("cpu", 80.0)),
    server=SERVER,
    metrics=servers.tfserving("tfserving", (SERVER.metrics,)),
)
