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
    node_pools: str
    """What its managed node pools are called, for diagnostics."""
    pool_fields: tuple[str, ...]
    """The `compute.POOL` node settings its node pool resource has an argument for."""
    subnet: tuple[str, str, str] | None = None
    """(pattern, what it is, example) of a `subnets` entry, where pools take subnets."""
    max_subnets: int | None = None
    """How many subnets one node pool takes, when it is limited."""
    spot_taint: tuple[str, str, str] | None = None
    """The taint the cloud itself puts on spot nodes, which placed pods must tolerate."""

    training_writes: bool = True
    """Its managed training must write to its own object storage (SageMaker's and Vertex
    AI's jobs take an output location; Azure ML's output is optional): E0741 otherwise."""

    def zone(self, region: str) -> tuple[str, str, str] | None:
        """(pattern, what it is, example) of a `zones` entry in `region`, where pools take
        zones."""
        return None

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
