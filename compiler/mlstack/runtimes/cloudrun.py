"""Cloud Run v2 service (targets/terraform/gcp_serving.py)."""

from __future__ import annotations

from mlstack.runtimes.base import FRAMEWORKS, Runtime, Scaling

RUNTIME = Runtime(
    "cloudrun",
    "function",
    FRAMEWORKS,
    cloud="gcp",
    canary=True,
    scale_to_zero=True,
    scaling=Scaling(("concurrency", "cpu")),
)
