"""`monitoring.alerts` on SageMaker and Lambda servings as CloudWatch metric alarms.

Cloud servings are outside Prometheus, so each alert watches the service's own metric in its
own unit: SageMaker `ModelLatency` is in microseconds and Lambda `Duration` in milliseconds
(p99 through `extended_statistic`); error rate is metric math over 5XX errors (SageMaker
`Invocation5XXErrors`, Lambda `Errors`) and `Invocations`, in percent; throughput is
`Invocations` per second (`Sum / PERIOD`). Periods are one minute (both services publish
per minute) and `for` becomes that many evaluation periods, all of which must breach. A
SageMaker canary gets its own alarm per alert, so a bad candidate is seen on its own variant;
a throughput threshold on it is scaled to its traffic share (share()). Missing data: a "below"
throughput alarm breaches on it (no invocations is the lowest throughput), unless the variant
is so thin that a healthy one has empty minutes; everything else does not. Every alarm
notifies its receivers' SNS topics (aws_channels.py) on ALARM and OK.
"""

from __future__ import annotations

from typing import Literal

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.monitoring import Alert
from mlstack.spec.serving import LambdaServing, SageMakerServing
from mlstack.spec.types import duration_seconds, percentage_value
from mlstack.targets import alert_text as text
from mlstack.targets.terraform import aws_channels, channels
from mlstack.targets.terraform.aws_attrs import CloudwatchMetricAlarm, Metric
from mlstack.targets.terraform.aws_cluster import aws_cloud, scoped
from mlstack.targets.terraform.aws_serving import VARIANTS
from mlstack.targets.terraform.blocks import Block, Note, cloud_alerts, resource, tf_name

PERIOD = 60


class Service:
    """Where a runtime's metrics live in CloudWatch."""

    def __init__(
        self,
        namespace: str,
        latency: str,
        latency_unit: Literal["Microseconds", "Milliseconds"],
        errors: str,
        dimensions: dict[str, str],
    ) -> None:
        self.namespace = namespace
        self.latency = latency
        self.latency_unit = latency_unit
        self.per_second = 1e6 if latency_unit == "Microseconds" else 1e3
        self.errors = errors
        self.dimensions = dimensions


def sagemaker(serving: str, variant: str) -> Service:
    endpoint = f"${{aws_sagemaker_endpoint.{tf_name(serving)}.name}}"
    dimensions = {"EndpointName": endpoint, "VariantName": variant}
    return Service(
        "AWS/SageMaker", "ModelLatency", "Microseconds", "Invocation5XXErrors", dimensions
    )


def lambda_(serving: str) -> Service:
    function = f"${{aws_lambda_function.{tf_name(serving)}.function_name}}"
    return Service("AWS/Lambda", "Duration", "Milliseconds", "Errors", {"FunctionName": function})


def _metric(service: Service, name: str, stat: str) -> Metric:
    return {
        "namespace": service.namespace,
        "metric_name": name,
        "dimensions": service.dimensions,
        "period": PERIOD,
        "stat": stat,
    }


def share(alert: Alert, traffic: int | None) -> tuple[float, str]:
    """(factor on the threshold, the words that say so) for one variant. Only throughput is a
    volume: a variant weighted `traffic` % sees that share of the requests, while latency and
    error rate are per request and hold for every share as they are."""
    if traffic is None:
        return 1.0, ""
    if alert.metric == "throughput":
        return traffic / 100, (
            f"Canary variant with {traffic}% of the traffic: the threshold is scaled to "
            f"{traffic}% of {alert.threshold} requests/s."
        )
    return 1.0, f"Canary variant with {traffic}% of the traffic (per-request measure, unscaled)."


def alarm_body(
    plan: Plan, name: str, alert: Alert, service: Service, suffix: str, traffic: int | None = None
) -> CloudwatchMetricAlarm:
    periods = int(duration_seconds(alert.for_) // PERIOD)
    above = alert.above is not None
    factor, scope = share(alert, traffic)
    measured = f"{service.namespace} {service.dimensions.get('VariantName', '')}".strip()
    actions = aws_channels.actions(channels.reached(plan, alert))
    body: CloudwatchMetricAlarm = {
        "alarm_name": scoped(plan, name + suffix, 255),
        "alarm_description": text.description(plan, name, alert, measured, scope)[:1024],
        "comparison_operator": "GreaterThanThreshold" if above else "LessThanThreshold",
        "evaluation_periods": periods,
        "datapoints_to_alarm": periods,
        # No requests means no latency and no errors: the throughput alarm speaks for silence.
        "treat_missing_data": "notBreaching",
        "alarm_actions": actions,
        "ok_actions": actions,
        "tags": {**alert.labels, "mlstack-alert": name, "mlstack-severity": alert.severity},
    }
    threshold = alert.threshold
    if alert.metric == "latency_p99":
        assert isinstance(threshold, str)
        body |= {
            "namespace": service.namespace,
            "metric_name": service.latency,
            "dimensions": service.dimensions,
            "period": PERIOD,
            "extended_statistic": "p99",
            "unit": service.latency_unit,
            "threshold": duration_seconds(threshold) * service.per_second,
        }
    elif alert.metric == "error_rate":
        assert isinstance(threshold, str)
        body |= {
            "threshold": percentage_value(threshold),
            "metric_query": [
                {"id": "errors", "metric": [_metric(service, service.errors, "Sum")]},
                {"id": "requests", "metric": [_metric(service, "Invocations", "Sum")]},
                {
                    "id": "rate",
                    "expression": "IF(requests > 0, 100 * errors / requests, 0)",
                    "label": "Error rate (%)",
                    "return_data": True,
                },
            ],
        }
    else:
        assert isinstance(threshold, int | float)
        body |= {
            "threshold": round(float(threshold) * factor, 6),
            "metric_query": [
                {"id": "requests", "metric": [_metric(service, "Invocations", "Sum")]},
                {
                    "id": "rps",
                    "expression": "requests / PERIOD(requests)",
                    "label": "Requests per second",
                    "return_data": True,
                },
            ],
        }
        if not above and float(threshold) * factor * PERIOD >= 1:
            # No invocations at all is the lowest throughput there is, when a healthy variant
            # at the threshold sees at least one request per period; a thinner canary has
            # empty minutes when healthy, and breaching on them would page for nothing.
            body["treat_missing_data"] = "breaching"
    return body


def build(plan: Plan) -> list[Block | Note]:
    if aws_cloud(plan) is None:
        return []
    out: list[Block | Note] = []
    found = list(cloud_alerts(plan, (SageMakerServing, LambdaServing)))
    for receiver, spec in channels.used(plan, [alert for _, alert, _ in found]).items():
        out += aws_channels.channel(plan, receiver, spec)
    for name, alert, serving in found:
        source: PathKey = ("monitoring", "alerts", name)
        targets: list[tuple[Service, str, int | None]] = [(lambda_(alert.serving or ""), "", None)]
        if isinstance(serving, SageMakerServing):
            canary = serving.canary.traffic if serving.canary else None
            targets = [(sagemaker(alert.serving or "", VARIANTS[0]), "", None)]
            if canary is not None:
                targets.append(
                    (sagemaker(alert.serving or "", VARIANTS[1]), f"-{VARIANTS[1]}", canary)
                )
        for service, suffix, traffic in targets:
            body = alarm_body(plan, name, alert, service, suffix, traffic)
            out.append(
                resource("aws_cloudwatch_metric_alarm", tf_name(name + suffix), body, source)
            )
    return out
