"""`monitoring.alerts` on Vertex AI and Cloud Run servings as Cloud Monitoring alert policies.

Cloud servings are outside Prometheus, so each alert watches the service's own metric (Google
Cloud metrics list, `aiplatform` and `run` sections):
- Vertex AI, resource `aiplatform.googleapis.com/Endpoint` (label `endpoint_id`, our numeric
  endpoint name): `prediction/online/prediction_latencies` (DELTA DISTRIBUTION, ms; only
  `latency_type = total`), `prediction/online/response_count` (DELTA INT64, label
  `response_code`). Series are grouped by `deployed_model_id`, so a canary breaches on its own.
- Cloud Run, resource `cloud_run_revision` (label `service_name`): `request_latencies` (DELTA
  DISTRIBUTION, ms) and `request_count` (DELTA INT64, label `response_code_class`, e.g. `5xx`).
Latency p99 is `ALIGN_PERCENTILE_99` per series over one-minute windows, the worst series kept,
against the threshold in milliseconds; error rate is a ratio condition (5xx / all, both
`ALIGN_RATE` summed), whose threshold is a fraction; throughput is requests per second
(`ALIGN_RATE` summed over the endpoint's deployed models, so a canary's share does not look
like an outage). `for` becomes the condition's duration; a "below" condition counts missing
data as breaching (`EVALUATION_MISSING_DATA_ACTIVE`). Severity page/ticket/info maps to
CRITICAL/ERROR/WARNING; each policy notifies its receivers' channels (gcp_channels.py) and
links the runbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.monitoring import Alert
from mlstack.spec.serving import CloudRunServing, VertexServing
from mlstack.spec.types import duration_seconds, percentage_value
from mlstack.targets import alert_text as text
from mlstack.targets.terraform import channels, gcp_channels
from mlstack.targets.terraform.blocks import (
    Block,
    Note,
    cloud_alerts,
    gcp_labels,
    resource,
    tf_name,
)
from mlstack.targets.terraform.gcp_attrs import (
    Aggregation,
    ConditionThreshold,
    MonitoringAlertPolicy,
)
from mlstack.targets.terraform.gcp_cluster import gcp_cloud, scoped

PERIOD = "60s"
Severity = Literal["CRITICAL", "ERROR", "WARNING"]
SEVERITY: dict[str, Severity] = {"page": "CRITICAL", "ticket": "ERROR", "info": "WARNING"}


@dataclass(frozen=True)
class Service:
    """Where a runtime's metrics live in Cloud Monitoring."""

    resource: str
    latency: str
    requests: str
    errors: str
    group: list[str]

    def filter(self, metric: str, extra: str = "") -> str:
        return f'{self.resource} AND metric.type = "{metric}"' + (f" AND {extra}" if extra else "")


def vertex(serving: str) -> Service:
    endpoint = f"${{google_vertex_ai_endpoint.{tf_name(serving)}.name}}"
    prefix = "aiplatform.googleapis.com/prediction/online"
    return Service(
        resource='resource.type = "aiplatform.googleapis.com/Endpoint" AND '
        f'resource.labels.endpoint_id = "{endpoint}"',
        latency=f"{prefix}/prediction_latencies",
        requests=f"{prefix}/response_count",
        errors='metric.labels.response_code = starts_with("5")',
        group=["resource.label.endpoint_id", "metric.label.deployed_model_id"],
    )


def cloudrun(serving: str) -> Service:
    service = f"${{google_cloud_run_v2_service.{tf_name(serving)}.name}}"
    return Service(
        resource='resource.type = "cloud_run_revision" AND '
        f'resource.labels.service_name = "{service}"',
        latency="run.googleapis.com/request_latencies",
        requests="run.googleapis.com/request_count",
        errors='metric.labels.response_code_class = "5xx"',
        group=["resource.label.service_name"],
    )


def _aggregation(aligner: str, reducer: str, group: list[str]) -> Aggregation:
    return {
        "alignment_period": PERIOD,
        "per_series_aligner": aligner,
        "cross_series_reducer": reducer,
        "group_by_fields": group,
    }


def condition(alert: Alert, service: Service) -> ConditionThreshold:
    above = alert.above is not None
    threshold = alert.threshold
    body: ConditionThreshold = {
        "comparison": "COMPARISON_GT" if above else "COMPARISON_LT",
        "duration": f"{int(duration_seconds(alert.for_))}s",
        "trigger": [{"count": 1}],
    }
    rate = _aggregation("ALIGN_RATE", "REDUCE_SUM", service.group)
    # A volume is the serving's: summed over deployed models, or a canary at its share of the
    # traffic would sit below a threshold meant for the whole endpoint.
    volume = _aggregation("ALIGN_RATE", "REDUCE_SUM", service.group[:1])
    if alert.metric == "latency_p99":
        assert isinstance(threshold, str)
        total = 'metric.labels.latency_type = "total"' if "aiplatform" in service.latency else ""
        body |= {
            "filter": service.filter(service.latency, total),
            "aggregations": [_aggregation("ALIGN_PERCENTILE_99", "REDUCE_MAX", service.group)],
            "threshold_value": duration_seconds(threshold) * 1000,
        }
    elif alert.metric == "error_rate":
        assert isinstance(threshold, str)
        body |= {
            "filter": service.filter(service.requests, service.errors),
            "aggregations": [rate],
            "denominator_filter": service.filter(service.requests),
            "denominator_aggregations": [rate],
            "threshold_value": percentage_value(threshold) / 100,
        }
    else:
        assert isinstance(threshold, int | float)
        body |= {
            "filter": service.filter(service.requests),
            "aggregations": [volume],
            "threshold_value": float(threshold),
        }
    if not above:
        # No requests at all is the lowest throughput there is.
        body["evaluation_missing_data"] = "EVALUATION_MISSING_DATA_ACTIVE"
    return body


def measured(alert: Alert, service: Service) -> str:
    return service.latency if alert.metric == "latency_p99" else service.requests


def policy(plan: Plan, name: str, alert: Alert, service: Service) -> MonitoringAlertPolicy:
    scope = ""
    if plan.spec.serving[alert.serving or ""].canary is not None:
        scope = (
            "Throughput is summed over the primary and its canary (one threshold for the serving)."
            if alert.metric == "throughput"
            else "Each deployed model (primary, canary) is measured on its own."
        )
    body: MonitoringAlertPolicy = {
        "display_name": scoped(plan, name, 512),
        "combiner": "OR",
        "severity": SEVERITY[alert.severity],
        "conditions": [
            {
                "display_name": text.condition(alert),
                "condition_threshold": [condition(alert, service)],
            }
        ],
        "documentation": [
            {
                "subject": text.summary(plan, name, alert)[:255],
                "content": text.description(plan, name, alert, measured(alert, service), scope),
                "mime_type": "text/markdown",
            }
        ],
        "notification_channels": gcp_channels.actions(plan, channels.reached(plan, alert)),
        "user_labels": {
            **gcp_labels(plan),
            **alert.labels,
            "mlstack-alert": name,
            "mlstack-severity": alert.severity,
        },
    }
    if alert.runbook:
        body["documentation"][0]["links"] = [{"display_name": "Runbook", "url": alert.runbook}]
    return body


def build(plan: Plan) -> list[Block | Note]:
    if gcp_cloud(plan) is None:
        return []
    out: list[Block | Note] = []
    found = list(cloud_alerts(plan, (VertexServing, CloudRunServing)))
    for receiver, spec in channels.used(plan, [alert for _, alert, _ in found]).items():
        out += gcp_channels.channel(plan, receiver, spec)
    for name, alert, serving in found:
        service = (vertex if isinstance(serving, VertexServing) else cloudrun)(alert.serving or "")
        source: PathKey = ("monitoring", "alerts", name)
        body = policy(plan, name, alert, service)
        out.append(resource("google_monitoring_alert_policy", tf_name(name), body, source))
    return out
