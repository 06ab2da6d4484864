"""Microsoft Azure."""

from __future__ import annotations

from dataclasses import dataclass

from mlstack.clouds.base import Cloud

WINDOWS = (60, 300, 900, 1800, 3600, 21600, 43200, 86400)
"""The window sizes an Azure Monitor metric alert accepts, in seconds."""


@dataclass(frozen=True)
class Azure(Cloud):
    def alarm_window(self, seconds: float, written: str) -> tuple[str, str] | None:
        if seconds not in WINDOWS:
            return (
                f"'for: {written}' is not an Azure Monitor window size",
                "use one of 1m, 5m, 15m, 30m, 1h, 6h, 12h, 1d",
            )
        return None


CLOUD = Azure(
    "azure",
    scheme="azureblob",
    managed="azureml",
    function="azurefunctions",
    feature_store=None,
    alarms="Azure Monitor alerts",
    channels="Azure Monitor action groups",
)
