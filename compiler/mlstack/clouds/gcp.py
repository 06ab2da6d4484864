"""Google Cloud."""

from __future__ import annotations

from mlstack.clouds.base import Cloud

CLOUD = Cloud(
    "gcp",
    scheme="gs",
    managed="vertex",
    function="cloudrun",
    feature_store="vertex",
    alarms="Cloud Monitoring alert policies",
    channels="Cloud Monitoring",
)
