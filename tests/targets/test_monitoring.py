"""Monitoring objects of the specs/ stacks: PodMonitors that select the serving's real pods on
the runtime's metrics port, alerts with the runtime's metric names and converted thresholds,
dashboards that parse and query the alerts' metrics, and drift CronJobs that push the metric
the drift alerts read."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
import yaml

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.serving import IN_CLUSTER
from mlstack.targets.kubernetes import compile_plan
from mlstack.targets.kubernetes import monitoring as m
from mlstack.targets.kubernetes.drift import PUSHGATEWAY, PUSHGATEWAY_PORT
from mlstack.targets.kubernetes.monitoring_rules import alert_name
from tests.helpers import ROOT, SPECS


@cache
def _plans() -> dict[str, Plan]:
    return {f"{p.stack}-{p.environment}": p for path in SPECS for p in check(path).plans}


@cache
def _objects(key: str) -> tuple[dict[str, Any], ...]:
    return tuple(
        yaml.safe_load(a.content)
        for a in compile_plan(_plans()[key])
        if not a.path.endswith("kustomization.yaml")
    )


def _find(key: str, kind: str, name: str) -> dict[str, Any]:
    found = [o for o in _objects(key) if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def _kinds(key: str, kind: str) -> list[dict[str, Any]]:
    return [o for o in _objects(key) if o["kind"] == kind]


def _rules(key: str) -> dict[str, dict[str, Any]]:
    """Spec alert name -> Prometheus rule."""
    return {
        rule["labels"]["mlstack_alert"]: rule
        for obj in _kinds(key, "PrometheusRule")
        for group in obj["spec"]["groups"]
        for rule in group["rules"]
    }


KEYS = sorted(_plans())


# --- PodMonitors ------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_one_podmonitor_per_in_cluster_serving(key: str) -> None:
    plan = _plans()[key]
    wanted = sorted(n for n, s in plan.spec.serving.items() if s.runtime in IN_CLUSTER)
    monitors = sorted(o["metadata"]["name"] for o in _kinds(key, "PodMonitor"))
    assert monitors == wanted
    assert wanted, "every spec stack has an in-cluster serving"
    for obj in _kinds(key, "PodMonitor"):
        assert obj["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        for endpoint in obj["spec"]["podMetricsEndpoints"]:
            assert endpoint["interval"] == plan.spec.monitoring.prometheus.interval  # type: ignore[union-attr]
            assert {
                "action": "replace",
                "targetLabel": "serving",
                "replacement": obj["metadata"]["name"],
            } in endpoint["relabelings"]


def _pod_template(key: str, name: str, runtime: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """(labels, containers) of the pods a serving module creates."""
    if runtime == "kserve":
        predictor = _find(key, "InferenceService", name)["spec"]["predictor"]
        return predictor["labels"], []
    template = _find(key, "Deployment", name)["spec"]["template"]
    return template["metadata"]["labels"], template["spec"]["containers"]


PLAIN_PORTS = {
    "torchserve": (8082, "/metrics"),
    "tfserving": (8501, "/monitoring/prometheus/metrics"),
    "triton": (8002, "/metrics"),
    "mlflow": (8082, "/metrics"),
}


@pytest.mark.parametrize("key", KEYS)
def test_podmonitors_select_the_serving_pods_on_the_metrics_port(key: str) -> None:
    plan = _plans()[key]
    serverless = plan.spec.platform.kubernetes.kserve.knative
    for obj in _kinds(key, "PodMonitor"):
        name = obj["metadata"]["name"]
        runtime = plan.spec.serving[name].runtime
        endpoints = obj["spec"]["podMetricsEndpoints"]
        seldon_names = (name, f"{name}-canary")
        if runtime == "seldon":
            # The pods of the Servers hosting the serving's Models, which the Seldon operator
            # labels with the Server's name; only this serving's Models' series are kept.
            models = [o for o in _kinds(key, "Model") if o["metadata"]["name"] in seldon_names]
            hosts = sorted({o["spec"]["server"] for o in models})
            assert obj["spec"]["selector"] == {
                "matchExpressions": [
                    {"key": "seldon-server-name", "operator": "In", "values": hosts}
                ]
            }
            assert {o["metadata"]["name"] for o in _kinds(key, "Server")} >= set(hosts)
            assert [e["port"] for e in endpoints] == ["metrics"]
            keep = endpoints[0]["metricRelabelings"][0]
            assert keep["sourceLabels"] == ["model"] and keep["action"] == "keep"
            assert re.fullmatch(keep["regex"], name)
            assert re.fullmatch(keep["regex"], f"{name}-canary")
            assert not re.fullmatch(keep["regex"], f"{name}x")
            continue
        selector = obj["spec"]["selector"]["matchLabels"]
        labels, containers = _pod_template(key, name, runtime)
        assert selector.items() <= labels.items(), name
        (endpoint,) = endpoints
        if runtime in PLAIN_PORTS:
            number, path = PLAIN_PORTS[runtime]
            declared = {p["name"]: p["containerPort"] for c in containers for p in c["ports"]}
            assert declared[endpoint["port"]] == number, name
            assert endpoint["path"] == path
        elif serverless:
            assert endpoint["port"] == "http-usermetric"  # Knative queue-proxy, 9091
        else:
            address = next(
                r for r in endpoint["relabelings"] if r.get("targetLabel") == "__address__"
            )
            framework = plan.spec.models[plan.spec.serving[name].model].framework
            port = {"onnx": "8002", "triton": "8002", "pytorch": "8082"}.get(framework, "8080")
            assert address["replacement"] == f"$1:{port}"


# --- alerts -----------------------------------------------------------------------------

# (stack-env, alert) -> (metric the expr must use, comparison with the converted threshold)
EXPECTED = {
    ("fraud-prod", "fraud-api-latency"): (
        "kn_serving_invocation_duration_seconds_bucket",
        "> 0.25",
    ),
    ("fraud-prod", "fraud-api-errors"): ('http_response_status_code=~"5.."', "> 1"),
    ("recsys-prod", "reranker-latency"): ("nv_inference_request_duration_us", "> 80000"),
    ("recsys-prod", "candidates-latency"): (
        "kn_serving_invocation_duration_seconds_bucket",
        "> 0.15",
    ),
    ("recsys-prod", "candidates-drift"): ("mlstack_drift_score", "> 0.3"),
    ("edge-default", "defect-api-latency"): ("nv_inference_request_duration_us", "> 100000"),
    ("edge-default", "defect-api-errors"): ("nv_inference_request_failure", "> 0.5"),
    ("edge-default", "anomaly-api-throughput"): ("ts_inference_requests_total", "< 1"),
    ("vision-prod", "ocr-latency"): ("seldon_model_infer_seconds_total", "> 0.8"),
    ("vision-prod", "label-api-throughput"): (":tensorflow:serving:request_count", "< 2"),
}


@pytest.mark.parametrize(("key", "alert"), sorted(EXPECTED))
def test_alert_uses_the_runtime_metric_and_the_converted_threshold(key: str, alert: str) -> None:
    plan = _plans()[key]
    rule = _rules(key)[alert]
    metric, comparison = EXPECTED[(key, alert)]
    spec = plan.spec.monitoring.alerts[alert]
    assert metric in rule["expr"]
    assert rule["expr"].endswith(f" {comparison}")
    assert f'serving="{spec.serving}"' in rule["expr"]
    assert f'namespace="{plan.namespace}"' in rule["expr"]
    assert rule["alert"] == alert_name(alert)
    assert rule["labels"]["severity"] == spec.severity
    assert rule["for"] == spec.for_


def test_p99_is_a_histogram_quantile_where_the_runtime_has_buckets() -> None:
    expr = _rules("fraud-prod")["fraud-api-latency"]["expr"]
    assert expr.startswith("histogram_quantile(0.99, sum by (le) (rate(")
    assert "[5m]" in expr


@pytest.mark.parametrize("key", KEYS)
def test_alerts_exist_exactly_for_in_cluster_servings_and_drift(key: str) -> None:
    plan = _plans()[key]
    wanted = sorted(
        name
        for name, alert in plan.spec.monitoring.alerts.items()
        if alert.serving is None
        or plan.spec.serving[alert.serving].runtime in IN_CLUSTER
        or alert.metric == "drift"
    )
    assert sorted(_rules(key)) == wanted
    for obj in _kinds(key, "PrometheusRule"):
        (group,) = obj["spec"]["groups"]
        owners = {r["labels"].get("serving", "mlstack-alerts") for r in group["rules"]}
        assert owners == {obj["metadata"]["name"]}


def test_raw_expr_goes_in_as_written() -> None:
    spec = _plans()["edge-default"].spec.monitoring.alerts["gpu-memory-pressure"]
    rule = _rules("edge-default")["gpu-memory-pressure"]
    assert rule["expr"] == spec.expr
    assert rule["for"] == "10m"


@pytest.mark.parametrize(
    ("seconds", "text"), [(90.0, "1m30s"), (5400.0, "1h30m"), (0.25, "250ms"), (3600.0, "1h")]
)
def test_prometheus_durations_have_integer_units(seconds: float, text: str) -> None:
    assert m.prom_duration(seconds) == text


def test_numbers_are_written_without_float_noise() -> None:
    assert m.number(0.1 / 1e-6) == "100000"
    assert m.number(0.25) == "0.25"


# --- dashboards -------------------------------------------------------------------------

_METRIC = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*(?=\{)")


@pytest.mark.parametrize("key", KEYS)
def test_dashboards_parse_and_query_the_alert_metrics(key: str) -> None:
    plan = _plans()[key]
    maps = _kinds(key, "ConfigMap")
    boards = {
        o["metadata"]["name"]: o for o in maps if "grafana_dashboard" in o["metadata"]["labels"]
    }
    in_cluster = [n for n, s in plan.spec.serving.items() if s.runtime in IN_CLUSTER]
    assert sorted(boards) == sorted(f"{n}-dashboard" for n in in_cluster)
    rules = _rules(key)
    for name in in_cluster:
        obj = boards[f"{name}-dashboard"]
        assert obj["metadata"]["labels"]["grafana_dashboard"] == "1"
        (text,) = obj["data"].values()
        board = json.loads(text)
        assert board["schemaVersion"] >= 36 and len(board["uid"]) <= 40
        assert [p["id"] for p in board["panels"]] == list(range(1, len(board["panels"]) + 1))
        queries = " ".join(t["expr"] for p in board["panels"] for t in p["targets"])
        titles = [p["title"] for p in board["panels"]]
        assert "Throughput" in titles
        gpu = plan.spec.serving[name].resources.gpu  # type: ignore[union-attr]
        assert ("DCGM_FI_DEV_GPU_UTIL" in queries) == bool(gpu), name
        for alert, rule in rules.items():
            spec = plan.spec.monitoring.alerts[alert]
            if spec.serving != name or spec.expr is not None:
                continue
            metrics = set(_METRIC.findall(rule["expr"]))
            assert metrics and metrics <= set(_METRIC.findall(queries)), alert


def test_dashboard_json_is_deterministic() -> None:
    first = [o["data"] for o in _kinds("fraud-prod", "ConfigMap")]
    assert list(compile_plan(_plans()["fraud-prod"])) == list(compile_plan(_plans()["fraud-prod"]))
    assert first


# --- drift ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_drift_cronjobs(key: str) -> None:
    plan = _plans()[key]
    checks = plan.spec.monitoring.drift
    assert sorted(
        o["metadata"]["name"] for o in _kinds(key, "CronJob") if "drift" in o["metadata"]["name"]
    ) == sorted(f"{n}-drift" for n in checks)
    for name, drift in checks.items():
        spec = _find(key, "CronJob", f"{name}-drift")["spec"]
        assert spec["schedule"] == drift.schedule
        assert spec["concurrencyPolicy"] == "Forbid"
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == plan.workload("drift", name).service_account
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        assert container["image"] == drift.image
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
        args = container["args"]
        assert f"--serving={name}" in args
        assert f"--threshold={drift.threshold:g}" in args
        assert f"--pushgateway={PUSHGATEWAY}" in args
        reference = next(a for a in args if a.startswith("--reference="))
        if drift.reference.startswith("pvc://"):
            claim = drift.reference.removeprefix("pvc://").split("/")[0]
            assert reference.startswith(f"--reference=/mnt/pvc/{claim}/")
            volume = next(v for v in pod["volumes"] if "persistentVolumeClaim" in v)
            assert volume["persistentVolumeClaim"] == {"claimName": claim, "readOnly": True}
        else:
            assert reference == f"--reference={drift.reference}"


def test_drift_pods_may_reach_the_pushgateway() -> None:
    policy = _find("edge-default", "NetworkPolicy", "allow-drift-pushgateway")["spec"]
    assert policy["egress"][0]["ports"] == [{"protocol": "TCP", "port": PUSHGATEWAY_PORT}]
    assert PUSHGATEWAY.endswith(f".monitoring.svc:{PUSHGATEWAY_PORT}")
    assert policy["podSelector"]["matchLabels"] == {"app.kubernetes.io/component": "drift"}


def test_cloud_less_drift_reads_cloud_data_with_the_storage_secret() -> None:
    pod = _find("edge-default", "CronJob", "forecast-api-drift")["spec"]["jobTemplate"]["spec"]
    (container,) = pod["template"]["spec"]["containers"]
    assert container["envFrom"] == [{"secretRef": {"name": "minio-credentials"}}]
    assert ROOT.exists()
