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
the default (v1) KServe would find no runtime for them. Written with protocolVersion v2 unless
the serving says otherwise."""
SERVER_PORT = 8080
"""The port every KServe runtime's container (and a graph's router) listens on."""
GRAPH_SERVICE_PORT = 80
"""Port of a Standard-mode InferenceGraph's Service, to the router's SERVER_PORT (KServe's
CommonDefaultHttpPort; inferencegraph/raw_ig.go creates no Ingress or HTTPRoute of its own)."""
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


RUNTIME = KServe(
    "kserve", "in-cluster", FRAMEWORKS, canary=True, scaling=Scaling(), addons=("kserve",)
)


# --- KServe's built-in ClusterServingRuntimes ------------------------------------------------
# From kserve/kserve v0.20.0 config/runtimes/ (the runtimes its `kustomization.yaml` installs):
# `supportedModelFormats` (with `autoSelect`) and `protocolVersions` of each. KServe picks a
# runtime for an InferenceService that names none among the auto-selectable runtimes of its
# model format that speak its protocol; with none, the InferenceService never becomes ready
# ("No runtime found"). Read by resolve/predictor.py (E0728, E0729) and by the target (the
# protocol written by default).


@dataclass(frozen=True)
class ServingRuntime:
    """A built-in ClusterServingRuntime of KServe's."""

    formats: tuple[str, ...]
    """Model formats the runtime serves (mlstack framework names)."""
    auto_formats: tuple[str, ...]
    """Those of `formats` KServe selects the runtime for on its own (`autoSelect: true`)."""
    protocols: tuple[str, ...]


SERVING_RUNTIMES: dict[str, ServingRuntime] = {
    "kserve-sklearnserver": ServingRuntime(("sklearn",), ("sklearn",), ("v1", "v2")),
    "kserve-xgbserver": ServingRuntime(("xgboost",), ("xgboost",), ("v1", "v2")),
    "kserve-lgbserver": ServingRuntime(("lightgbm",), ("lightgbm",), ("v1", "v2")),
    "kserve-predictiveserver": ServingRuntime(("sklearn", "xgboost", "lightgbm"), (), ("v1", "v2")),
    "kserve-mlserver": ServingRuntime(
        ("sklearn", "xgboost", "lightgbm", "mlflow"),
        ("sklearn", "xgboost", "lightgbm", "mlflow"),
        ("v2",),
    ),
    "kserve-tensorflow-serving": ServingRuntime(
        ("tensorflow",), ("tensorflow",), ("v1", "grpc-v1")
    ),
    "kserve-torchserve": ServingRuntime(("pytorch",), ("pytorch",), ("v1", "v2", "grpc-v2")),
    "kserve-tritonserver": ServingRuntime(
        ("tensorflow", "onnx", "pytorch", "triton"),
        ("tensorflow", "onnx", "triton"),
        ("v2", "grpc-v2"),
    ),
    "kserve-huggingfaceserver": ServingRuntime(("huggingface",), ("huggingface",), ("v2", "v1")),
    "kserve-huggingfaceserver-multinode": ServingRuntime(
        ("huggingface",), ("huggingface",), ("v2", "v1")
    ),
}

HTTP = ("v1", "v2")
"""The protocols a serving can ask for (spec/predictor.py: its clients enter over HTTP)."""


def protocols(framework: str, runtime: str | None) -> tuple[str, ...] | None:
    """The HTTP protocols a model of `framework` can be served with, on `runtime` (a built-in
    runtime's name) or on whichever runtime KServe selects; None when mlstack cannot know
    (a runtime of the cluster's own, or a custom model without a format)."""
    if framework == "custom" or (runtime is not None and runtime not in SERVING_RUNTIMES):
        return None
    if runtime is not None:
        found = set(SERVING_RUNTIMES[runtime].protocols)
    else:
        found = {
            p for r in SERVING_RUNTIMES.values() if framework in r.auto_formats for p in r.protocols
        }
    return tuple(p for p in HTTP if p in found)


def default_protocol(framework: str) -> str | None:
    """The protocolVersion written when the serving sets none (None: KServe's own v1)."""
    return "v2" if framework in V2_ONLY else None
