"""KServe's built-in ClusterServingRuntimes: which model formats and protocols each serves.

From kserve/kserve v0.20.0 config/runtimes/ (the runtimes `kustomization.yaml` installs):
`supportedModelFormats` (with `autoSelect`) and `protocolVersions` of each. KServe picks a
runtime for an InferenceService that names none among the auto-selectable runtimes of its
model format that speak its protocol; with none, the InferenceService never becomes ready
("No runtime found"). Read by resolve (is this protocol servable) and by the target (which
protocol to write by default), so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Runtime:
    formats: tuple[str, ...]
    """Model formats the runtime serves (mlstack framework names)."""
    auto_formats: tuple[str, ...]
    """Those of `formats` KServe selects the runtime for on its own (`autoSelect: true`)."""
    protocols: tuple[str, ...]


RUNTIMES: dict[str, Runtime] = {
    "kserve-sklearnserver": Runtime(("sklearn",), ("sklearn",), ("v1", "v2")),
    "kserve-xgbserver": Runtime(("xgboost",), ("xgboost",), ("v1", "v2")),
    "kserve-lgbserver": Runtime(("lightgbm",), ("lightgbm",), ("v1", "v2")),
    "kserve-predictiveserver": Runtime(("sklearn", "xgboost", "lightgbm"), (), ("v1", "v2")),
    "kserve-mlserver": Runtime(
        ("sklearn", "xgboost", "lightgbm", "mlflow"),
        ("sklearn", "xgboost", "lightgbm", "mlflow"),
        ("v2",),
    ),
    "kserve-tensorflow-serving": Runtime(("tensorflow",), ("tensorflow",), ("v1", "grpc-v1")),
    "kserve-torchserve": Runtime(("pytorch",), ("pytorch",), ("v1", "v2", "grpc-v2")),
    "kserve-tritonserver": Runtime(
        ("tensorflow", "onnx", "pytorch", "triton"),
        ("tensorflow", "onnx", "triton"),
        ("v2", "grpc-v2"),
    ),
    "kserve-huggingfaceserver": Runtime(("huggingface",), ("huggingface",), ("v2", "v1")),
    "kserve-huggingfaceserver-multinode": Runtime(("huggingface",), ("huggingface",), ("v2", "v1")),
}

HTTP = ("v1", "v2")
"""The protocols a serving can ask for (spec/predictor.py: its clients enter over HTTP)."""
V2_DEFAULT = ("onnx", "triton", "mlflow")
"""Formats whose auto-selected runtimes speak no v1: written with protocolVersion v2 unless the
serving says otherwise (with the default v1 KServe would find no runtime for them)."""


def protocols(framework: str, runtime: str | None) -> tuple[str, ...] | None:
    """The HTTP protocols a model of `framework` can be served with, on `runtime` (a built-in
    runtime's name) or on whichever runtime KServe selects; None when mlstack cannot know
    (a runtime of the cluster's own, or a custom model without a format)."""
    if framework == "custom" or (runtime is not None and runtime not in RUNTIMES):
        return None
    if runtime is not None:
        found = set(RUNTIMES[runtime].protocols)
    else:
        found = {p for r in RUNTIMES.values() if framework in r.auto_formats for p in r.protocols}
    return tuple(p for p in HTTP if p in found)


def default_protocol(framework: str) -> str | None:
    """The protocolVersion written when the serving sets none (None: KServe's own v1)."""
    return "v2" if framework in V2_DEFAULT else None
