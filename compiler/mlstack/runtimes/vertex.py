"""Vertex AI endpoint with a deployed model (targets/terraform/gcp_serving.py).

The model is uploaded to Vertex AI from its Cloud Storage folder (`artifactUri`, the only place
Vertex AI reads a model from) by the deploy step (mlstack.vertex_deploy): an MLflow registry URI
names a version, not a location, and hf:// or pvc:// are no storage of Google's (E0709).
"""

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
    identity="vertex",
    cloud="gcp",
    prebuilt=tuple(IMAGES),
    no_scheme=("hf", "models", "pvc"),
    no_scheme_hint="Vertex AI uploads models from Cloud Storage: point the model's uri at its "
    "gs:// folder (for a models:/ version, the artifact location MLflow shows for it)",
    canary=True,
    scaling=Scaling(("cpu",)),
)
