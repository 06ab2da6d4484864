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
`mlstack_alert` label, with `severity` (page, ticket, info as written in the spec), `serving`,
`mlstack_stack`, `mlstack_environment` and the alert's own `labels`, for Alertmanager routing.
Annotations are words (alert_text.py): `summary`, `description` (with the value at firing),
`runbook_url` when given and `dashboard` (the Grafana path `/d/UID`) when dashboards are on.

A `below` condition is `(QUERY or vector(0)) < T`: with no series at all (pods gone, scrape
broken) the query is empty, and an empty comparison never fires. In-cluster series cover a
serving's primary and canary together (the PodMonitor labels both `serving=S`), so the
threshold is the serving's, not a share of it.

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
from mlstack.targets import alert_text as text
from mlstack.targets.kubernetes import monitoring as m
from mlstack.targets.kubernetes.dashboards import dashboard_uid
from mlstack.targets.kubernetes.meta import Manifest

UNATTACHED = "mlstack-alerts"
STACK_LABEL = "mlstack_stack"
ENVIRONMENT_LABEL = "mlstack_environment"
"""Labels every rule carries, so that the stack's AlertmanagerConfig matches its own alerts
only (alertmanager_config.py); Prometheus label names take no dots or slashes."""


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


def _below(query: str, op: str) -> str:
    """A "below" condition also holds when the serving reports nothing at all: with no series
    (pods gone, scrape broken) the query is empty and `empty < 1` would never fire."""
    return f"({query} or vector(0))" if op == "<" else query


def expression(plan: Plan, alert: Alert) -> tuple[str, str] | None:
    """(PromQL, what it measures), or None when the serving's runtime cannot express it."""
    if alert.expr is not None:
        return alert.expr, f"PromQL {alert.expr}"
    assert alert.serving is not None and alert.metric is not None
    op = ">" if alert.above is not None else "<"
    threshold = _threshold(alert)
    if alert.metric == "drift":
        query = _below(m.drift_score(plan, alert.serving), op)
        return f"{query} {op} {m.number(threshold)}", "the drift job's mlstack_drift_score"
    found = m.profile(plan, alert.serving)
    if found is None:
        return None
    if alert.metric == "latency_p99":
        query = _below(m.latency(plan, alert.serving, 0.99), op)
        what = "p99 latency" if found.histogram else "mean latency (no latency histogram)"
        return f"{query} {op} {m.number(threshold / found.unit)}", f"{what} of {found.runtime}"
    if alert.metric == "throughput":
        query = _below(m.throughput(plan, alert.serving), op)
        return f"{query} {op} {m.number(threshold)}", f"requests/s of {found.runtime}"
    errors = m.error_percent(plan, alert.serving)
    if errors is None:
        return None
    query = _below(errors, op)
    return f"{query} {op} {m.number(threshold)}", f"5xx share of {found.runtime} requests (%)"


def labels(plan: Plan, name: str, alert: Alert) -> dict[str, str]:
    """The alert's own labels, then mlstack's, which win: AlertmanagerConfig routes on them."""
    out = {**alert.labels, "severity": alert.severity, "mlstack_alert": name}
    # `namespace` too: aggregated queries drop it, and the operator's AlertmanagerConfig
    # matches `namespace="NS"` before anything else.
    out |= {
        STACK_LABEL: plan.stack,
        ENVIRONMENT_LABEL: plan.environment,
        "namespace": plan.namespace,
    }
    if alert.serving is not None:
        out[m.SERVING_LABEL] = alert.serving
    return out


def _rule(plan: Plan, name: str, alert: Alert) -> dict[str, Any] | None:
    found = expression(plan, alert)
    if found is None:
        return None
    expr, what = found
    scope = ""
    serving = plan.spec.serving.get(alert.serving or "")
    if serving is not None and serving.canary is not None and alert.metric != "drift":
        scope = "The series cover the primary and its canary together (one threshold for both)."
    annotations = {
        "summary": text.summary(plan, name, alert),
        "description": text.description(plan, name, alert, what, scope)
        + " Value now: {{ $value | humanize }}.",
    }
    if alert.runbook:
        annotations["runbook_url"] = alert.runbook
    if plan.spec.monitoring.dashboards and alert.serving in m.in_cluster(plan):
        annotations["dashboard"] = f"/d/{dashboard_uid(plan, alert.serving or '')}"
    return {
        "alert": alert_name(name),
        "expr": expr,
        "for": m.prom_duration(duration_seconds(alert.for_)),
        "labels": labels(plan, name, alert),
        "annotations": annotations,
    }


def rules(plan: Plan) -> dict[str, dict[str, Any]]:
    """Alert name -> Prometheus rule, for every alert evaluated in the cluster, sorted."""
    out = {}
    for name in sorted(plan.spec.monitoring.alerts):
        rule = _rule(plan, name, plan.spec.monitoring.alerts[name])
        if rule is not None:
            out[name] = rule
    return out


def build(plan: Plan) -> list[Manifest]:
    grouped: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name, rule in rules(plan).items():
        owner = plan.spec.monitoring.alerts[name].serving or UNATTACHED
        grouped.setdefault(owner, []).append((name, rule))
    out = []
    for owner in sorted(grouped):
        owned = grouped[owner]
        body = {"spec": {"groups": [{"name": f"mlstack.{owner}", "rules": [r for _, r in owned]}]}}
        object_labels = dict(m.RELEASE_LABEL)
        if owner != UNATTACHED:
            object_labels[m.SERVING_LABEL] = owner
        out.append(
            Manifest(
                "monitoring.coreos.com/v1",
                "PrometheusRule",
                owner,
                body,
                ("monitoring", "alerts", owned[0][0]),
                labels=object_labels,
            )
        )
    return out
