"""Metric profiles of the model servers that more than one runtime runs: KServe picks
Triton, TorchServe, TF Serving or MLServer for a model format, and the plain runtimes run the
same servers on their own. One builder per server, so a metric name is written once."""

from __future__ import annotations

from mlstack.runtimes.base import Endpoint, Profile

SECOND, MICRO = 1.0, 1e-6
_INFER_PATH = 'path=~".*/infer|/invocations"'
TF_METRICS_PATH = "/monitoring/prometheus/metrics"
"""Where TF Serving serves Prometheus metrics once its monitoring config enables them."""


def mlserver(
    runtime: str, endpoints: tuple[Endpoint, ...], container: str | None = None
) -> Profile:
    return Profile(
        runtime,
        endpoints,
        latency=f"rest_server_requests_duration_seconds_bucket{{{_INFER_PATH}}}",
        unit=SECOND,
        requests=f"rest_server_requests{{{_INFER_PATH}}}",
        errors=f'rest_server_requests{{{_INFER_PATH},status_code=~"5.."}}',
        container=container,
    )


def triton(runtime: str, endpoints: tuple[Endpoint, ...], container: str | None = None) -> Profile:
    return Profile(
        runtime,
        endpoints,
        latency="nv_inference_request_duration_us",
        latency_count="nv_inference_request_success",
        unit=MICRO,
        requests='{__name__=~"nv_inference_request_success|nv_inference_request_failure"}',
        errors="nv_inference_request_failure",
        container=container,
    )


def torchserve(
    runtime: str, endpoints: tuple[Endpoint, ...], container: str | None = None
) -> Profile:
    return Profile(
        runtime,
        endpoints,
        latency="ts_inference_latency_microseconds",
        latency_count="ts_inference_requests_total",
        unit=MICRO,
        requests="ts_inference_requests_total",
        errors="Requests5XX",
        error_base='{__name__=~"Requests2XX|Requests4XX|Requests5XX"}',
        container=container,
    )


def tfserving(
    runtime: str, endpoints: tuple[Endpoint, ...], container: str | None = None
) -> Profile:
    return Profile(
        runtime,
        endpoints,
        latency=":tensorflow:serving:request_latency_bucket",
        unit=MICRO,
        requests=":tensorflow:serving:request_count",
        errors=':tensorflow:serving:request_count{status!="OK"}',
        container=container,
    )
