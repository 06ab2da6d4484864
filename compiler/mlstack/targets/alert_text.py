"""The words of an alert, the same on every target: what is measured, against what, for how
long, on which serving of which environment, so that the person paged can act on the text
alone (Alertmanager annotations, CloudWatch alarm descriptions, Cloud Monitoring documentation,
Azure alert descriptions). Plain data in, strings out: no target imports."""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.spec.monitoring import Alert

MEASURE = {
    "latency_p99": "p99 latency",
    "error_rate": "error rate (5xx share of requests)",
    "throughput": "throughput",
    "drift": "drift score",
}
_UNIT = {"throughput": " requests/s"}


def side(alert: Alert) -> str:
    return "above" if alert.above is not None else "below"


def condition(alert: Alert) -> str:
    """`p99 latency above 250ms for 10m`."""
    if alert.expr is not None:
        return f"met its PromQL condition for {alert.for_}"
    assert alert.metric is not None
    unit = _UNIT.get(alert.metric, "")
    return f"{MEASURE[alert.metric]} {side(alert)} {alert.threshold}{unit} for {alert.for_}"


def subject(plan: Plan, alert: Alert) -> str:
    where = f"serving {alert.serving}" if alert.serving else f"namespace {plan.namespace}"
    return f"{where} ({plan.stack}/{plan.environment})"


def summary(plan: Plan, name: str, alert: Alert) -> str:
    """One line for a pager or a chat message."""
    return f"{name}: {subject(plan, alert)} {condition(alert)}"


def description(plan: Plan, name: str, alert: Alert, measured: str, scope: str = "") -> str:
    """What fired and what it means; `measured` is the target's own metric, `scope` says what
    the threshold covers (e.g. a canary's share)."""
    text = (
        f"mlstack alert {name} (severity {alert.severity}) of stack {plan.stack}, environment "
        f"{plan.environment}: {subject(plan, alert).split(' (')[0]} {condition(alert)}. "
        f"Measured: {measured}."
    )
    if scope:
        text += f" {scope}"
    if alert.runbook:
        text += f" Runbook: {alert.runbook}"
    return text
