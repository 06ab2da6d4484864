"""Vertex AI endpoint with a deployed model (targets/terraform/gcp_serving.py)."""

from __future__ import annotations

from mlstack.runtimes.base import FRAMEWORKS, Runtime, Scaling

IMAGES: dict[str, tuple[str, str, str | None]] = {
    # framework -> (image name, CPU version, GPU version or None): newest supported
    # versions in Vertex AI's prebuilt inference containers list.
    "tensorflow": ("tf2", "2-15", "2-15"),
    "pytorch": ("pytorch", "2-4", "2-4"),
    "sklearn": ("sklearn", "1-6", None),
    "xgboost": ("xgboost", "2-1", None),
}

RUNTIME = Runtime(
    "vertex",
    "managed",
    FRAMEWORKS,
    cloud="gcp",
    prebuilt=tuple(IMAGES),
    canary=True,
    scaling=Scaling(("cpu",)),
)
