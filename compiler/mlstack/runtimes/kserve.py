"""KServe InferenceService (targets/kubernetes/kserve.py). Sources: kserve/kserve v0.20.0."""

from __future__ import annotations

from dataclasses import dataclass

from mlstack.runtimes import servers
from mlstack.runtimes.base import FRAMEWORKS, Profile, Runtime, Scaling

MODEL_FORMAT = {
    "sklearn": "sklearn", "xgboost": "xgboost", "lightgbm": "lightgbm",
    "tensorflow": "tensorflow", "pytorch": "pytorch", "onnx": "onnx",
    "huggingface": "huggingface", "mlflow": "mlflow", "triton": "triton",
}  # fmt: skip
"""Framework -> `modelFormat.name` of KServe's built-in ClusterServingRuntimes; `custom` has
none and needs an image of its own."""
V2_ONLY = ("onnx", "triton", "mlflow")
"""Served by KServe's Triton and MLServer runtimes, which speak only the v2 protocol: with
the default (v1) KServe would find no runtime for them."""
CONTAINER = "kserve-container"
KNATIVE_METRIC = "kn_serving_invocation_duration_seconds"
SERVERLESS = Profile(
    "kserve",
    (("http-usermetric", "/metrics"),),
    latency=f"{KNATIVE_METRIC}_bucket",
    unit=servers.SECOND,
    requests=f"{KNATIVE_METRIC}_count",
    errors=f'{KNATIVE_METRIC}_count{{http_response_status_code=~"5.."}}',
)
"""Knative's queue-proxy, the same for every model server behind it."""
PYTHON = Profile(
    "kserve",
    ((8080, "/metrics"),),
    latency="request_predict_seconds_bucket",
    unit=servers.SECOND,
    requests="request_predict_seconds_count",
    errors=None,
    container=CONTAINER,
    no_errors=(
        "its KServe Standard-mode server",
        "alert on latency_p99 or throughput, or use deploymentMode: Knative (its queue-proxy "
        "counts errors)",
    ),
)
"""KServe's Python model server (sklearn, xgboost, lightgbm, huggingface) in RawDeployment
mode: latency histograms, no per-status request counts. A `custom` image is assumed to
export what KServe's own Python server does (kserve's `Model` base class)."""
RAW: dict[str, Profile] = {
    "onnx": servers.triton("kserve", ((8002, "/metrics"),), CONTAINER),
    "triton": servers.triton("kserve", ((8002, "/metrics"),), CONTAINER),
    "pytorch": servers.torchserve("kserve", ((8082, "/metrics"),), CONTAINER),
    "tensorflow": servers.tfserving("kserve", ((8080, servers.TF_METRICS_PATH),), CONTAINER),
    "mlflow": servers.mlserver("kserve", ((8082, "/metrics"),), CONTAINER),
}
"""RawDeployment: the server KServe auto-selects for the format; the rest run PYTHON."""


@dataclass(frozen=True)
class KServe(Runtime):
    """Scale to zero, the scaling metrics and the metrics all follow the deployment mode."""

    def scales_to_zero(self, knative: bool, serverless: bool) -> bool:
        return knative

    def zero_hint(self) -> str:
        return "; KServe scales to zero only in Knative mode"

    def scaling_metrics(self, knative: bool) -> tuple[str, ...]:
        return ("concurrency", "rps") if knative else ("cpu", "memory")

    def mode(self, deployment_mode: str) -> str:
        return f" in {deployment_mode} mode"

    def profile(self, framework: str, knative: bool) -> Profile | None:
        if knative:
            return SERVERLESS
        return RAW.get(framework, PYTHON)


RUNTIME = KServe("kserve", "in-cluster", FRAMEWORKS, canary=True, scaling=Scaling())
