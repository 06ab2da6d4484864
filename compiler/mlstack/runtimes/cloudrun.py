"""Cloud Run v2 service (targets/terraform/gcp_serving.py)."""

from __future__ import annotations

from mlstack.runtimes.base import FRAMEWORKS, Runtime, Scaling

RUNTIME = Runtime(
    "cloudrun",
    "function",
    FRAMEWORKS,
    identity="run",
    cloud="gcp",
    canary=False,
    scale_to_zero=True,
    scaling=Scaling(
        ("concurrency", "cpu"),
        # Cloud Run scales on CPU and concurrency by itself; only the per-instance request
        # concurrency (max_instance_request_concurrency) is a setting.
        unscaled=("cpu",),
        unscaled_code="W0740",
        unscaled_note="Cloud Run scales on CPU by itself (at about 60% utilization); the "
        "cpu target {target:g} is not generated",
        unscaled_hint="use metric: concurrency (requests per instance), or remove autoscaling",
        target_range=(1, 1000),
        target_meaning="the requests one instance serves at once (max_instance_request_concurrency)",
    ),
)
