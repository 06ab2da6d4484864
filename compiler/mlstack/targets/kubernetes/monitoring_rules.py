"""`monitoring.alerts.A` -> PrometheusRules (monitoring.coreos.com/v1) with the runtime's real
metric names (see monitoring.py for where each comes from).

One PrometheusRule per serving, named after it, with one rule per alert (sorted by alert
name): the object name is stable when alerts come and go, and `kubectl get prometheusrule S`
shows everything that watches a serving. Raw `expr` alerts without a serving go into
`mlstack-alerts`.

Thresholds are converted to the metric's own unit (a 250ms p99 on TF Serving, which counts
microseconds, becomes `> 250000`; on seconds-based metrics `> 0.25`); error rates are percentages of all requests; throughput is
requests per second; drift compares the drift job's `mlstack_drift_score` (drift.py). `for` is
written as a Prometheus duration with integer units, as the CRD's pattern requires.

The Prometheus `alert` name must be a metric-style identifier, so the spec name is
CamelCased (`fraud-api-latency` -> `FraudApiLatency`); the spec name itself is kept in the
`mlstack_alert` label, with `severity` (page, ticket, info as written in the spec) and
`serving` for Alertmanager routing.

Left to the cloud targets: alerts on sagemaker, vertex, azureml, lambda, cloudrun and
azurefunctions servings, except `drift` (the drift job runs in this cluster and pushes its
score to Prometheus). Not expressible: `error_rate` on KServe RawDeployment with a Python model
server (sklearn, xgboost, lightgbm, huggingface), which exports latency histograms only; such
an alert is not written (resolve should reject it; see the module report).
"""

from __future__ import annotations

from typing import Any

from mlstack.plan import Plan
from mlstack.spec.monitoring import Alert
from mlstack.spec.types import duration_seconds, percentage_value
from mlstack.targets.kubernetes import monitoring as m
from mlstack.targets.kubernetes.meta import Manifest

UNATTACHED = "mlstack-alerts"


def alert_name(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _threshold(alert: Alert) -> float:
    value = alert.threshold
    if alert.metric == "latency_p99":
        return duration_seconds(str(value))
    if alert.metric == "error_rate":
        return percentage_value(str(value))
    assert isinstance(value, (int, float))
    return float(value)


def expression(plan: Plan, alert: Alert) -> tuple[str, str] | None:
    """(PromQL, what it measures), or None when the serving's runtime cannot express it."""
    if alert.expr is not None:
        return alert.expr, "raw PromQL"
    assert alert.serving is not None and alert.metric is not None
    op = ">" if alert.above is not None else "<"
    threshold = _threshold(alert)
    if alert.metric == "drift":
        return f"{m.drift_score(plan, alert.serving)} {op} {m.number(threshold)}", "drift score"
    found = m.profile(plan, alert.serving)
    if found is None:
        return None
    if alert.metric == "latency_p99":
        query = m.latency(plan, alert.serving, 0.99)
        what = "p99 latency" if found.histogram else "mean latency (no latency histogram)"
        return f"{query} {op} {m.number(threshold / found.unit)}", what
    if alert.metric == "throughput":
        return f"{m.throughput(plan, alert.serving)} {op} {m.number(threshold)}", "requests/s"
    errors = m.error_percent(plan, alert.serving)
    if errors is None:
        return None
    return f"{errors} {op} {m.number(threshold)}", "error rate (%)"


def _rule(plan: Plan, name: str, alert: Alert) -> dict[str, Any] | None:
    found = expression(plan, alert)
    if found is None:
        return None
    expr, what = found
    labels = {"severity": alert.severity, "mlstack_alert": name}
    if alert.serving is not None:
        labels[m.SERVING_LABEL] = alert.serving
    side = "" if alert.expr is not None else (
        f" {'above' if alert.above is not None else 'below'} {alert.threshold}"
    )  # fmt: skip
    subject = alert.serving or plan.namespace
    return {
        "alert": alert_name(name),
        "expr": expr,
        "for": m.prom_duration(duration_seconds(alert.for_)),
        "labels": labels,
        "annotations": {
            "summary": f"{subject}: {alert.metric or 'expr'}{side} for {alert.for_}",
            "description": f"mlstack alert {name} on {what} of {subject} in {plan.namespace}.",
        },
    }


def build(plan: Plan) -> list[Manifest]:
    grouped: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name in sorted(plan.spec.monitoring.alerts):
        alert = plan.spec.monitoring.alerts[name]
        rule = _rule(plan, name, alert)
        if rule is not None:
            grouped.setdefault(alert.serving or UNATTACHED, []).append((name, rule))
    out = []
    for owner in sorted(grouped):
        rules = grouped[owner]
        body = {"spec": {"groups": [{"name": f"mlstack.{owner}", "rules": [r for _, r in rules]}]}}
        labels = dict(m.RELEASE_LABEL)
        if owner != UNATTACHED:
            labels[m.SERVING_LABEL] = owner
        out.append(
            Manifest(
                "monitoring.coreos.com/v1",
                "PrometheusRule",
                owner,
                body,
                ("monitoring", "alerts", rules[0][0]),
                labels=labels,
            )
        )
    return out
