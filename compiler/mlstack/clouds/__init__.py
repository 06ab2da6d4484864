"""The clouds, one module each, registered here in SPEC.md's order (aws, gcp, azure).

Adding a cloud: its module (a `CLOUD` record, see base.py), one line in `_REGISTERED`, its
`platform.cloud` class in spec/platform.py, its targets/terraform/CLOUD_*.py modules and its
tests (docs/architecture.md).
"""

from __future__ import annotations

from mlstack.clouds import aws, azure, gcp
from mlstack.clouds.base import Cloud

__all__ = ["REGISTRY", "Cloud", "get", "of_scheme"]

_REGISTERED = (aws.CLOUD, gcp.CLOUD, azure.CLOUD)
REGISTRY: dict[str, Cloud] = {cloud.name: cloud for cloud in _REGISTERED}
SCHEMES: dict[str, str] = {cloud.scheme: cloud.name for cloud in _REGISTERED}
"""Object-storage URI scheme -> the cloud it belongs to."""


def get(name: str) -> Cloud:
    """The cloud of a `platform.cloud.provider` value (always registered)."""
    return REGISTRY[name]


def of_scheme(scheme: str) -> str | None:
    """The cloud whose object storage a URI scheme is, if any."""
    return SCHEMES.get(scheme)
