"""`monitoring.prometheus` -> one PodMonitor (monitoring.coreos.com/v1) per in-cluster serving,
plus the queries the alerts (monitoring_rules.py) and the Grafana dashboards (dashboards.py)
are written from. The metric names are the runtimes' `Profile`s (mlstack/runtimes), which
resolve reads too (E0711), so monitors, alerts, dashboards and validation never disagree.

Why PodMonitors, never ServiceMonitors: most metrics ports are behind no Service. KServe's
RawDeployment Service only maps 80 -> 8080 and its runtimes declare no metrics port, Knative's
private Service is Knative's, and Seldon Core v2 has one headless Service per Server replica
(Seldon's own monitors are PodMonitors). plain.py's Services do carry the metrics port, but a
PodMonitor on the same pods keeps one shape for every runtime and needs nothing from the
Service. The pods are those the serving module labels `selector_labels("serving", S)`
(kserve.py: predictor pods; plain.py: Deployment pods), or the pods of Seldon's Servers.

Every target gets the label `serving="S"` (relabelled from nothing but the monitor itself), so
alert and dashboard queries select `{namespace="NS", serving="S"}` on every runtime, whatever
labels the server puts on its own samples.

Where each runtime's metrics are (looked up in the upstream sources at the tags named):
- KServe Serverless: Knative's queue-proxy, port `http-usermetric` (9091) /metrics, the same
  for every model server behind it. KServe v0.20 installs Knative Serving 1.21, whose
  queue-proxy records the OpenTelemetry histogram `kn.serving.invocation.duration` (seconds,
  `http.response.status_code`; pkg/queue/request_metric.go at knative-v1.21.3), exported to
  Prometheus as `kn_serving_invocation_duration_seconds` once `config-observability` sets
  `request-metrics-protocol: prometheus` (the default is none). Knative <= 1.18 named it
  `revision_request_latencies` (ms) / `revision_request_count`.
- KServe RawDeployment (no queue-proxy): the model server KServe auto-selects for the format
  (config/runtimes at v0.20.0): Python servers (sklearn, xgboost, lightgbm, huggingface) on
  8080 /metrics with `request_predict_seconds` (histogram, s, no error counter); Triton (onnx,
  triton) on 8002; TorchServe (pytorch) on 8082; TF Serving (tensorflow) on its REST port
  8080; MLServer (mlflow) on its metrics port 8082.
- Seldon Core v2: the agent beside each Server, port `metrics` (9006), with per-model counters
  `seldon_model_infer_total` (`model`, `code`) and `seldon_model_infer_seconds_total`
  (scheduler/pkg/metrics/agent.go, v2.10.2). The monitor selects the pods of the Servers that
  host the serving's Models (`seldon-server-name`: its own, or the one `server` names, which
  may host other models too), and keeps only the series of this serving's Models (`model` = S
  or S-canary, as seldon.py names them); the agent's latency histogram
  `seldon_model_infer_api_seconds` has no model label and cannot be attributed to a serving.
- Plain runtimes: the named port and path of the runtime's `Server` (mlstack/runtimes).
- TorchServe: 8082 /metrics (plain.py sets `metrics_address=http://0.0.0.0:8082`,
  `metrics_mode=prometheus`): `ts_inference_latency_microseconds` and
  `ts_inference_requests_total` are counters, and `Requests2XX/4XX/5XX`.
- TF Serving: REST port 8501 at /monitoring/prometheus/metrics (plain.py passes a monitoring
  config with `prometheus_config { enable: true }`): `:tensorflow:serving:request_latency` (histogram, us)
  and `:tensorflow:serving:request_count` (`status`).
- Triton: 8002 /metrics: `nv_inference_request_duration_us` (counter),
  `nv_inference_request_success` / `_failure`.
- MLflow (`mlflow models serve --enable-mlserver`): MLServer's metrics port 8082 /metrics:
  `rest_server_requests_duration_seconds` (histogram, s) and `rest_server_requests`
  (`status_code`).
TorchServe, Triton and (per serving) Seldon publish no latency distribution by default, so their
"p99" is the mean latency over the window (a lower bound of the p99): stated in the alert's
description. TorchServe's throughput is `ts_inference_requests_total`; its error rate is
`Requests5XX` over all `Requests2XX/4XX/5XX` (TorchServe counts no errors per model).

KServe's runtimes declare no metrics port, which `port`/`portNumber` would need, so for numbered
ports the target address is rewritten to `POD_IP:PORT` and `container`/`endpoint` are fixed,
which lets Prometheus deduplicate the one-target-per-declared-port it discovers.

Selection by Prometheus: PodMonitors and PrometheusRules carry `release: kube-prometheus-stack`
(what kube-prometheus-stack selects by default when installed under its chart name); other
installs select `app.kubernetes.io/managed-by: mlstack` or set the chart's
`*SelectorNilUsesHelmValues: false`.
"""

from __future__ import annotations

from typing import Any

from mlstack import runtimes
from mlstack.plan import Plan
from mlstack.runtimes import Profile
from mlstack.spec.serving import InClusterServing
from mlstack.spec.types import duration_seconds
from mlstack.targets.kubernetes import seldon
from mlstack.targets.kubernetes.meta import Manifest, selector_labels

RELEASE_LABEL = {"release": "kube-prometheus-stack"}
SERVING_LABEL = "serving"
"""Target label every monitor adds; the drift job pushes its metrics with the same label."""


def profile(plan: Plan, name: str) -> Profile | None:
    """The metric profile of an in-cluster serving (from its runtime's registry entry), None
    for a cloud serving."""
    serving = plan.spec.serving[name]
    if not isinstance(serving, InClusterServing):
        return None
    framework = plan.spec.models[serving.model].framework
    knative = plan.spec.platform.kubernetes.kserve.knative
    return runtimes.get(serving.runtime).profile(framework, knative)


def in_cluster(plan: Plan) -> list[str]:
    """Names of the in-cluster servings, in spec order."""
    return [name for name in plan.spec.serving if profile(plan, name) is not None]


def window(plan: Plan) -> str:
    """rate() window: 5m, or four scrape intervals when scraping is slower than 75s."""
    prometheus = plan.spec.monitoring.prometheus
    interval = duration_seconds(prometheus.interval) if prometheus else 30.0
    return prom_duration(max(300.0, 4 * interval))


def prom_duration(seconds: float) -> str:
    """A Prometheus duration (`1h30m`, `250ms`): integer units only, as the CRD requires."""
    millis = round(seconds * 1000)
    if millis % 1000:
        return f"{millis}ms"
    out, rest = "", millis // 1000
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            out += f"{rest // size}{unit}"
            rest %= size
    return out or "0s"


def number(value: float) -> str:
    """A PromQL number without float noise: 250000, 0.25."""
    rounded = round(value, 9)
    return str(int(rounded)) if rounded == int(rounded) else repr(rounded)


# --- queries (shared by alerts and dashboards) ------------------------------------------


def selector(plan: Plan, name: str) -> str:
    return f'namespace="{plan.namespace}",{SERVING_LABEL}="{name}"'


def _select(metric: str, labels: str) -> str:
    """Add label matchers to a series selector that may already have some."""
    if metric.endswith("}"):
        return f"{metric[:-1]},{labels}}}"
    return f"{metric}{{{labels}}}"


def rate(plan: Plan, name: str, metric: str) -> str:
    return f"sum(rate({_select(metric, selector(plan, name))}[{window(plan)}]))"


def latency(plan: Plan, name: str, quantile: float) -> str:
    """Latency in the metric's own unit: a histogram quantile, or the mean (see Profile)."""
    found = profile(plan, name)
    assert found is not None
    if found.latency_count is None:
        buckets = f"rate({_select(found.latency, selector(plan, name))}[{window(plan)}])"
        return f"histogram_quantile({number(quantile)}, sum by (le) ({buckets}))"
    return f"{rate(plan, name, found.latency)} / {rate(plan, name, found.latency_count)}"


def throughput(plan: Plan, name: str) -> str:
    found = profile(plan, name)
    assert found is not None
    return rate(plan, name, found.requests)


def error_percent(plan: Plan, name: str) -> str | None:
    found = profile(plan, name)
    assert found is not None
    if found.errors is None:
        return None
    base = found.error_base or found.requests
    return f"100 * {rate(plan, name, found.errors)} / {rate(plan, name, base)}"


DRIFT_SCORE = "mlstack_drift_score"
DRIFT_DETECTED = "mlstack_drift_detected"


def drift_score(plan: Plan, name: str) -> str:
    return f"max({DRIFT_SCORE}{{{selector(plan, name)}}})"


# --- PodMonitors ------------------------------------------------------------------------


def _endpoint(plan: Plan, found: Profile, name: str, port: str | int, path: str) -> dict[str, Any]:
    relabel: list[dict[str, Any]] = []
    endpoint: dict[str, Any] = {"path": path}
    if isinstance(port, str):
        endpoint["port"] = port
    else:
        keep = found.container or ".+"
        relabel += [
            {"action": "keep", "sourceLabels": ["__meta_kubernetes_pod_container_init"], "regex": "false"},
            {"action": "keep", "sourceLabels": ["__meta_kubernetes_pod_container_name"], "regex": keep},
            {"action": "replace", "sourceLabels": ["__meta_kubernetes_pod_ip"], "regex": "(.+)",
             "targetLabel": "__address__", "replacement": f"$1:{port}"},
            {"action": "replace", "targetLabel": "container", "replacement": found.runtime},
            {"action": "replace", "targetLabel": "endpoint", "replacement": str(port)},
        ]  # fmt: skip
    relabel.append({"action": "replace", "targetLabel": SERVING_LABEL, "replacement": name})
    interval = plan.spec.monitoring.prometheus
    assert interval is not None
    endpoint["interval"] = prom_duration(duration_seconds(interval.interval))
    endpoint["relabelings"] = relabel
    if found.shared:
        endpoint["metricRelabelings"] = [
            {"action": "keep", "sourceLabels": ["model"], "regex": seldon_models(name)}
        ]
    return endpoint


SELDON_SERVER_LABEL = "seldon-server-name"
"""Label the Seldon operator puts on a Server's pods, valued with the Server's name
(operator/pkg/constants, server/statefulset_reconciler.go, v2.10.2)."""


def _selector(plan: Plan, name: str, found: Profile) -> dict[str, Any]:
    if not found.shared:
        return {"matchLabels": selector_labels("serving", name)}
    hosts = seldon.servers(plan, name)
    return {"matchExpressions": [{"key": SELDON_SERVER_LABEL, "operator": "In", "values": hosts}]}


def seldon_models(name: str) -> str:
    """Seldon Model names of a serving: itself, and its canary (seldon.py names both)."""
    return f"{name}|{name}{seldon.CANARY_SUFFIX}"


def build(plan: Plan) -> list[Manifest]:
    if plan.spec.monitoring.prometheus is None:
        return []
    out = []
    for name in in_cluster(plan):
        found = profile(plan, name)
        assert found is not None
        body = {
            "spec": {
                "selector": _selector(plan, name, found),
                "podMetricsEndpoints": [
                    _endpoint(plan, found, name, port, path) for port, path in found.endpoints
                ],
            }
        }
        out.append(
            Manifest(
                "monitoring.coreos.com/v1",
                "PodMonitor",
                name,
                body,
                ("monitoring", "prometheus"),
                labels={**selector_labels("monitoring", name), **RELEASE_LABEL},
            )
        )
    return out
