"""What a cloud is, as data: the facts resolve validates against and the targets generate
from. One `Cloud` per module in this package; `clouds/__init__.py` registers them. Like
`mlstack.runtimes`, this package imports nothing from `mlstack.spec`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cloud:
    """One cloud provider's facts."""

    name: str
    """`platform.cloud.provider`."""
    scheme: str
    """Its object-storage URI scheme (s3, gs, azureblob)."""
    managed: str
    """Its managed serving runtime, which is also its managed training operator."""
    function: str
    """Its functions serving runtime."""
    feature_store: str | None
    """Its managed feature store (`features.store`), if mlstack supports one."""
    alarms: str
    """What its alerting calls an alert, for diagnostics."""
    channels: str
    """What delivers its notifications, for diagnostics."""

    def alarm_window(self, seconds: float, written: str) -> tuple[str, str] | None:
        """(problem, hint) when an alert's `for` cannot be its alarm's window; None: fine.
        Clouds without a rule of their own take whole minutes, as CloudWatch and Cloud
        Monitoring do."""
        if seconds < 60 or seconds % 60:
            return (
                f"'for: {written}' must be whole minutes for {self.alarms}",
                "use 1m, 5m, 10m, ...",
            )
        return None
