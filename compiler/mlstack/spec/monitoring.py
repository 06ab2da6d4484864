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
    validate_duration,
    validate_percentage,
)
from mlstack.spec.uris import DataUri

Metric = Literal["latency_p99", "error_rate", "throughput", "drift"]

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
    severity: Literal["page", "ticket", "info"] = "ticket"
    """page, ticket or info."""

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
    """Recent inference data; default: the serving's logged requests under the artifact store."""
    schedule: Schedule = "@hourly"
    """When the check runs."""
    threshold: Annotated[float, Field(ge=0, le=1)] = 0.3
    """Share of drifted columns above which the dataset counts as drifted."""
    image: Image = images.reference("drift")
    """Image of the drift job (default: mlstack's own, built from images/drift/)."""


class Monitoring(SpecModel):
    """Monitoring of the served models."""

    prometheus: Prometheus | None = None
    """ServiceMonitor/PodMonitor per in-cluster serving."""
    dashboards: bool = False
    """Grafana dashboard ConfigMap per in-cluster serving."""
    alerts: dict[Name, Alert] = {}
    """Alerts keyed by name."""
    drift: dict[Name, Drift] = {}
    """Drift checks keyed by the serving they watch."""
