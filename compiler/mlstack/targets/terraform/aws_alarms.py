"""`monitoring.alerts` on SageMaker and Lambda servings as CloudWatch metric alarms.

Cloud servings are outside Prometheus, so each alert watches the service's own metric in its
own unit: SageMaker `ModelLatency` is in microseconds and Lambda `Duration` in milliseconds
(p99 through `extended_statistic`); error rate is metric math over 5XX errors (SageMaker
`Invocation5XXErrors`, Lambda `Errors`) and `Invocations`, in percent; throughput is
`Invocations` per second (`Sum / PERIOD`). Periods are one minute (both services publish
per minute) and `for` becomes that many evaluation periods, all of which must breach. A
SageMaker canary gets its own alarm per alert, so a bad candidate is seen on its own variant.
"""

from __future__ import annotations

from typing import Literal

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.monitoring import Alert
from mlstack.spec.serving import LambdaServing, SageMakerServing
from mlstack.spec.types import duration_seconds, percentage_value
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


def alarm_body(
    plan: Plan, name: str, alert: Alert, service: Service, suffix: str
) -> CloudwatchMetricAlarm:
    periods = int(duration_seconds(alert.for_) // PERIOD)
    above = alert.above is not None
    body: CloudwatchMetricAlarm = {
        "alarm_name": scoped(plan, name + suffix, 255),
        "alarm_description": f"mlstack alert {name} ({alert.severity}): {alert.metric} of "
        f"serving {alert.serving} {'above' if above else 'below'} {alert.threshold} for {alert.for_}",
        "comparison_operator": "GreaterThanThreshold" if above else "LessThanThreshold",
        "evaluation_periods": periods,
        "datapoints_to_alarm": periods,
        "treat_missing_data": "notBreaching",
        "tags": {"mlstack-alert": name, "mlstack-severity": alert.severity},
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
            "threshold": float(threshold),
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
        if not above:
            # No invocations at all is the lowest throughput there is.
            body["treat_missing_data"] = "breaching"
    return body


def build(plan: Plan) -> list[Block | Note]:
    if aws_cloud(plan) is None:
        return []
    out: list[Block | Note] = []
    for name, alert, serving in cloud_alerts(plan, (SageMakerServing, LambdaServing)):
        source: PathKey = ("monitoring", "alerts", name)
        targets: list[tuple[Service, str]] = [(lambda_(alert.serving or ""), "")]
        if isinstance(serving, SageMakerServing):
            variants = VARIANTS if serving.canary else VARIANTS[:1]
            targets = [
                (sagemaker(alert.serving or "", v), "" if v == "primary" else f"-{v}")
                for v in variants
            ]
        for service, suffix in targets:
            body = alarm_body(plan, name, alert, service, suffix)
            block = tf_name(name + suffix)
            out.append(resource("aws_cloudwatch_metric_alarm", block, body, source))
    if any(isinstance(item, Block) for item in out):
        out.append(
            Note(
                "CloudWatch alarms are created without actions: add alarm_actions (an SNS topic "
                "or incident tool) per severity, or route them with EventBridge on the "
                "mlstack-severity tag.",
                ("monitoring", "alerts"),
            )
        )
    return out
