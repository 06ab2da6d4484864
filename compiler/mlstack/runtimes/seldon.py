"""Seldon Core v2 Server + Model (targets/kubernetes/seldon.py). Sources: SeldonIO/seldon-core
v2.10.2."""

from __future__ import annotations

from mlstack.runtimes import servers
from mlstack.runtimes.base import FRAMEWORKS, Profile, Runtime, Scaling

TRITON_FRAMEWORKS = ("tensorflow", "pytorch", "onnx", "triton")
"""Frameworks only the `triton` ServerConfig advertises; the rest are `mlserver`'s."""
MLSERVER_FRAMEWORKS = ("sklearn", "xgboost", "lightgbm", "huggingface", "mlflow")

RUNTIME = Runtime(
    "seldon",
    "in-cluster",
    # Seldon Core v2 servers: MLServer (sklearn, xgboost, lightgbm, mlflow, huggingface) and
    # Triton (tensorflow, pytorch, onnx, triton); no server for custom images.
    tuple(f for f in FRAMEWORKS if f in TRITON_FRAMEWORKS + MLSERVER_FRAMEWORKS),
    no_scheme=("hf", "models"),
    no_scheme_hint="Seldon downloads with rclone (s3, gs, azureblob, pvc): mirror the model "
    "to object storage",
    canary=True,
    scaling=Scaling(
        ("rps", "cpu", "memory"),
        # Accepted (SPEC allows the metric) but not generated: Seldon rules out a second
        # autoscaler on a Server's pods, so its own lag-based scaling stays in charge.
        unscaled=("cpu", "memory"),
        unscaled_note="Seldon scales models on inference lag between replicas.min and "
        "replicas.max; autoscaling on {metric} is not generated",
        unscaled_hint="use rps (an HPA on Seldon's infer_rps metric), or remove autoscaling",
    ),
    metrics=Profile(
        "seldon",
        (("metrics", "/metrics"),),
        latency="seldon_model_infer_seconds_total",
        latency_count="seldon_model_infer_total",
        unit=servers.SECOND,
        requests="seldon_model_infer_total",
        errors='seldon_model_infer_total{code=~"5..|Unknown|Internal|Unavailable|DataLoss|DeadlineExceeded"}',
        shared=True,
    ),
)
