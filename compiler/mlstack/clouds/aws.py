"""Amazon Web Services."""

from __future__ import annotations

from dataclasses import dataclass

from mlstack.clouds.base import Cloud

MAX_WINDOW = 86400
"""CloudWatch evaluates a metric alarm over at most one day (period x evaluation periods)."""


@dataclass(frozen=True)
class Aws(Cloud):
    def alarm_window(self, seconds: float, written: str) -> tuple[str, str] | None:
        problem = super().alarm_window(seconds, written)
        if problem is None and seconds > MAX_WINDOW:
            return "CloudWatch evaluates at most one day", "use 1d or less"
        return problem


CLOUD = Aws(
    "aws",
    scheme="s3",
    managed="sagemaker",
    function="lambda",
    feature_store="sagemaker",
    alarms="CloudWatch alarms",
    channels="SNS",
)
