"""Microsoft Azure."""

from __future__ import annotations

from dataclasses import dataclass

from mlstack.clouds.base import Cloud
from mlstack.names import AZURE_SPOT_TAINT

WINDOWS = (60, 300, 900, 1800, 3600, 21600, 43200, 86400)
"""The window sizes an Azure Monitor metric alert accepts, in seconds."""
QUERY_WINDOWS = tuple(w for w in WINDOWS if w != 43200)
"""Those a log search alert (an error rate: targets/terraform/azure_ratio_alerts.py) also
takes: the scheduled query rule API has 1m-6h, 1d and 2d, no 12h (resolve/azure_limits.py)."""


@dataclass(frozen=True)
class Azure(Cloud):
    def alarm_window(self, seconds: float, written: str) -> tuple[str, str] | None:
        if seconds not in WINDOWS:
            return (
                f"'for: {written}' is not an Azure Monitor window size",
                "use one of 1m, 5m, 15m, 30m, 1h, 6h, 12h, 1d",
            )
        return None

    def zone(self, region: str) -> tuple[str, str, str] | None:
        return "[1-3]", "an Azure availability zone", '"1", "2" or "3"'


CLOUD = Azure(
    "azure",
    scheme="azureblob",
    managed="azureml",
    function="azurefunctions",
    feature_store=None,
    alarms="Azure Monitor alerts",
    channels="Azure Monitor action groups",
    training_writes=False,
    node_pools="AKS node pools",
    pool_fields=("diskSize", "labels", "subnets", "zones"),
    subnet=(
        r"/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w._()]+/providers/"
        r"Microsoft\.Network/virtualNetworks/[-\w._]+/subnets/[-\w._]+",
        "an Azure subnet resource id",
        "/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/"
        "VNET/subnets/SUBNET",
    ),
    max_subnets=1,
    spot_taint=AZURE_SPOT_TAINT,
)
