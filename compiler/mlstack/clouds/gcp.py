"""Google Cloud."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlstack.clouds.base import Cloud


@dataclass(frozen=True)
class Gcp(Cloud):
    def zone(self, region: str) -> tuple[str, str, str] | None:
        return re.escape(region) + r"-[a-z]", f"a zone of region {region}", f"{region}-a"


CLOUD = Gcp(
    "gcp",
    scheme="gs",
    managed="vertex",
    function="cloudrun",
    feature_store="vertex",
    alarms="Cloud Monitoring alert policies",
    channels="Cloud Monitoring",
    node_pools="GKE node pools",
    pool_fields=("diskSize", "labels", "zones"),
)
