"""`serving.S.kserve`: the InferenceService predictor settings a platform engineer reaches for
first, in KServe's own names (spec.predictor.model.runtime, runtimeVersion, protocolVersion;
spec.predictor.timeout, logger, batcher), so that a KServe manifest reads across.

They sit in a block of their own rather than beside `replicas` because only KServe has them:
on any other runtime the block is an unknown key with a hint, never a silent drop. Whether a
protocol or a named ServingRuntime can serve the model's framework needs the model, so it is
checked in resolve (resolve/predictor.py), against KServe's built-in runtimes
(mlstack/runtimes/kserve.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from mlstack.spec.base import SpecModel

Protocol = Literal["v1", "v2"]


class Logger(SpecModel):
    """KServe's request logger: every request and/or response, as a CloudEvent, to a URL."""

    url: Annotated[str, Field(pattern=r"^https?://[^\s/:@]+(:[0-9]{1,5})?(/\S*)?$")]
    """Where the agent posts the events, e.g. http://message-dumper.ml-logs.svc/ or a
    Knative broker; the NetworkPolicies open its port from the serving's pods."""
    mode: Literal["all", "request", "response"] = "all"
    """What is logged: all (requests and responses), request or response."""


class Batcher(SpecModel):
    """KServe's batcher: the agent gathers requests into one batch for the model server."""

    max_batch_size: Annotated[int, Field(ge=1)] | None = None
    """Requests per batch at most (KServe's default: 32)."""
    max_latency: Annotated[int, Field(ge=1)] | None = None
    """Milliseconds a request waits for its batch to fill (KServe's default: 500)."""
    timeout: Annotated[int, Field(ge=1)] | None = None
    """Seconds a batch may take (KServe's default: 60)."""


class KServePredictor(SpecModel):
    """InferenceService predictor settings, applied to the canary's InferenceService too."""

    runtime: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")] | None = None
    """The ServingRuntime or ClusterServingRuntime, e.g. kserve-mlserver; default: the one
    KServe selects for the model's format and protocol."""
    runtime_version: Annotated[str, Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.]{0,127}$")] | None = (
        None
    )
    """The runtime image's tag, e.g. 1.7.1 (KServe writes it into the runtime's image)."""
    protocol_version: Protocol | None = None
    """Inference protocol over HTTP: v1 or v2 (Open Inference Protocol); default v1, v2 for
    onnx, triton and mlflow models."""
    timeout: Annotated[int, Field(ge=1, le=3600)] | None = None
    """Seconds a request may take, on the predictor and on the InferenceGraph in front of it
    (and the HTTPRoute of `ingress` with api: gateway)."""
    logger: Logger | None = None
    """Log requests and responses to a URL (see docs/choices.md for drift's `current`)."""
    batcher: Batcher | None = None
    """Batch requests before they reach the model server."""

    @field_validator("protocol_version", mode="before")
    @classmethod
    def _http_only(cls, value: Any) -> Any:
        """KServe's grpc-v1 / grpc-v2 are real protocols, but a serving's clients enter
        through its InferenceGraph router (targets/kubernetes/kserve.py), an HTTP server
        (cmd/router/main.go) that forwards HTTP requests only: a gRPC predictor behind it
        would be unreachable."""
        if isinstance(value, str) and value.startswith("grpc-"):
            raise PydanticCustomError(
                "E0124",
                "protocolVersion '{value}': clients reach a KServe serving through its "
                "InferenceGraph router, which forwards HTTP only",
                {
                    "value": value,
                    "hint": "use v2 (the same Open Inference Protocol over HTTP), or serve "
                    "gRPC with runtime: triton",
                },
            )
        return value
