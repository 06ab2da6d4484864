"""`monitoring`: Prometheus scraping, Grafana dashboards, alerts and drift checks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from mlstack import images
from mlstack.spec.base import Named, SpecModel
from mlstack.spec.types import (
    Duration,
    Image,
    Name,
    Schedule,
    SecretName,
    validate_duration,
    validate_percentage,
)
from mlstack.spec.uris import DataUri

Metric = Literal["latency_p99", "error_rate", "throughput", "drift"]
Severity = Literal["page", "ticket", "info"]
SEVERITIES: tuple[Severity, ...] = ("page", "ticket", "info")
LabelName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
"""A Prometheus label name that is also a GCP label key (lowercase, the strictest target)."""
LabelValue = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-z0-9_-]+$")]
"""Lowercase so that GCP user labels (the strictest target) take it as written."""
HttpsUrl = Annotated[str, Field(pattern=r"^https://[^\s/$.?#][^\s]*$", max_length=2048)]
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]

_THRESHOLD_HINT = {
    "latency_p99": "a duration such as 250ms",
    "error_rate": "a percentage such as 1%",
    "throughput": "requests per second, a number",
    "drift": "a drift score between 0 and 1",
}


class Prometheus(SpecModel):
    """Prometheus Operator scraping of every in-cluster serving."""

    interval: Duration = "30s"
    """Scrape interval."""


class Alert(Named):
    """An alert on a serving metric, or a raw PromQL expression."""

    serving: Name | None = None
    """The serving it watches (required unless expr is given)."""
    metric: Metric | None = None
    """latency_p99, error_rate, throughput or drift."""
    above: str | int | float | None = None
    """Fire when the metric is above this (type follows the metric)."""
    below: str | int | float | None = None
    """Fire when the metric is below this (type follows the metric)."""
    expr: Annotated[str, Field(min_length=1)] | None = None
    """Raw PromQL instead of serving/metric/above/below (in-cluster servings only)."""
    for_: Duration = Field("5m", alias="for")
    """How long the condition must hold before firing."""
    severity: Severity = "ticket"
    """page, ticket or info."""
    receivers: list[Name] = []
    """Receivers of this alert instead of the route of its severity."""
    labels: dict[LabelName, LabelValue] = {}
    """Extra labels on the alert (e.g. team: risk), for routing and silencing."""
    runbook: HttpsUrl | None = None
    """Runbook URL, carried as the runbook_url annotation."""

    @model_validator(mode="after")
    def _shape(self) -> Alert:
        if self.expr is not None:
            if self.metric is not None or self.above is not None or self.below is not None:
                raise PydanticCustomError(
                    "E0114",
                    "'expr' replaces metric/above/below; give one form",
                    {"hint": "drop expr, or drop metric/above/below"},
                )
            return self
        missing = [f for f in ("serving", "metric") if getattr(self, f) is None]
        if missing:
            raise PydanticCustomError(
                "E0102",
                "an alert needs {fields} (or a raw 'expr')",
                {
                    "fields": " and ".join(f"'{f}'" for f in missing),
                    "hint": "e.g. serving: fraud-api, metric: latency_p99, above: 250ms",
                },
            )
        if (self.above is None) == (self.below is None):
            raise PydanticCustomError(
                "E0114",
                "an alert needs exactly one of 'above' or 'below'",
                {
                    "at": "below" if self.below is not None else "metric",
                    "hint": "above: 250ms fires on high latency; below: 10 on low throughput",
                },
            )
        assert self.metric is not None
        _check_threshold(
            self.metric, "above" if self.above is not None else "below", self.threshold
        )
        return self

    @property
    def threshold(self) -> str | int | float | None:
        return self.above if self.above is not None else self.below


def _check_threshold(metric: str, side: str, threshold: object) -> None:
    """The threshold's type follows the metric; `at` points the diagnostic at its line."""
    hint = f"for example {side}: {_EXAMPLE[metric]}"
    try:
        if metric == "latency_p99":
            validate_duration(threshold)
            return
        if metric == "error_rate":
            validate_percentage(threshold)
            return
    except PydanticCustomError as error:
        context = error.context or {}
        if error.type == "E0107" and "over 100" in error.message():
            raise PydanticCustomError(
                "E0107", error.message(), {"at": side, "hint": hint}
            ) from None
        hint = str(context.get("hint") or hint)
    else:
        is_number = isinstance(threshold, (int, float)) and not isinstance(threshold, bool)
        if metric == "throughput" and is_number and float(threshold) >= 0:  # type: ignore[arg-type]
            return
        if metric == "drift" and is_number and 0 <= float(threshold) <= 1:  # type: ignore[arg-type]
            return
    raise PydanticCustomError(
        "E0115",
        "the threshold of an alert on {metric} must be {expected}",
        {"metric": metric, "expected": _THRESHOLD_HINT[metric], "at": side, "hint": hint},
    )


_EXAMPLE = {"latency_p99": "250ms", "error_rate": "1%", "throughput": "5", "drift": "0.3"}


class Drift(Named):
    """An Evidently drift check of a serving against reference data, on a schedule."""

    reference: DataUri
    """Reference dataset (parquet or csv)."""
    current: DataUri | None = None
    """Recent inference data (parquet or csv) the reference is compared with; without it the
    job has nothing to compare (W0713): nothing records a serving's requests yet."""
    schedule: Schedule = "@hourly"
    """When the check runs."""
    threshold: Annotated[float, Field(ge=0, le=1)] = 0.3
    """Share of drifted columns above which the dataset counts as drifted."""
    image: Image = images.reference("drift")
    """Image of the drift job (default: mlstack's own, built from images/drift/)."""


class PagerDuty(SpecModel):
    """PagerDuty Events API v2, by the routing (integration) key of a service."""

    routing_key_secret: SecretName
    """Secret holding the routing key (see docs/choices.md for each target's key)."""


class Slack(SpecModel):
    """A Slack incoming webhook (Alertmanager only: no cloud posts to one, see W0410)."""

    webhook_secret: SecretName
    """Secret holding the webhook URL."""
    channel: Annotated[str, Field(pattern=r"^[#@][^\s]{1,80}$")]
    """Channel, e.g. '#ml-alerts'."""


class Email(SpecModel):
    """Email to fixed addresses."""

    to: Annotated[list[EmailAddress], Field(min_length=1)]
    """Addresses."""


class Webhook(SpecModel):
    """An HTTPS endpoint that receives the alert as JSON."""

    url_secret: SecretName
    """Secret holding the URL (URLs often carry a token)."""


class Receiver(Named):
    """Where alerts go: exactly one of pagerduty, slack, email or webhook."""

    pagerduty: PagerDuty | None = None
    """PagerDuty service."""
    slack: Slack | None = None
    """Slack channel."""
    email: Email | None = None
    """Email addresses."""
    webhook: Webhook | None = None
    """Generic HTTPS webhook."""

    @model_validator(mode="after")
    def _one_kind(self) -> Receiver:
        if len([k for k in RECEIVER_KINDS if getattr(self, k) is not None]) != 1:
            raise PydanticCustomError(
                "E0114",
                "a receiver is exactly one of pagerduty, slack, email or webhook",
                {"hint": "e.g. oncall: {pagerduty: {routingKeySecret: pd-ml-oncall}}"},
            )
        return self

    @property
    def kind(self) -> str:
        return next(k for k in RECEIVER_KINDS if getattr(self, k) is not None)

    @property
    def secret(self) -> str | None:
        """The one secret a receiver needs, or None (email)."""
        if self.pagerduty:
            return self.pagerduty.routing_key_secret
        if self.slack:
            return self.slack.webhook_secret
        return self.webhook.url_secret if self.webhook else None


RECEIVER_KINDS = ("pagerduty", "slack", "email", "webhook")


class Routes(SpecModel):
    """Severity -> receivers, for alerts that name no receivers of their own."""

    page: list[Name] = []
    """Receivers of severity page."""
    ticket: list[Name] = []
    """Receivers of severity ticket."""
    info: list[Name] = []
    """Receivers of severity info."""


class Monitoring(SpecModel):
    """Monitoring of the served models."""

    receivers: dict[Name, Receiver] = {}
    """Receivers keyed by name (PagerDuty, Slack, email, webhook)."""
    routes: Routes = Routes()
    """Which receivers get each severity."""

    prometheus: Prometheus | None = None
    """ServiceMonitor/PodMonitor per in-cluster serving."""
    dashboards: bool = False
    """Grafana dashboard ConfigMap per in-cluster serving."""
    alerts: dict[Name, Alert] = {}
    """Alerts keyed by name."""
    drift: dict[Name, Drift] = {}
    """Drift checks keyed by the serving they watch."""


def alert_receivers(monitoring: Monitoring, alert: Alert) -> tuple[str, ...]:
    """The enabled receivers an alert reaches: its own, else its severity's route."""
    names = alert.receivers or getattr(monitoring.routes, alert.severity)
    found = monitoring.receivers
    return tuple(n for n in dict.fromkeys(names) if n in found and found[n].enabled)
