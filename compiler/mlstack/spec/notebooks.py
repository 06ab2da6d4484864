"""`notebooks`: Kubeflow notebook servers with a persistent home volume."""

from __future__ import annotations

from mlstack.spec.base import Named, Resources
from mlstack.spec.types import Image, Name, Quantity


class Notebook(Named):
    """A Kubeflow Notebook server."""

    image: Image
    """Notebook image, e.g. kubeflownotebookswg/jupyter-scipy:v1.9.0."""
    pool: Name | None = None
    """Compute pool."""
    resources: Resources = Resources()
    """Requests (= limits)."""
    volume: Quantity = "10Gi"
    """Size of the persistent home volume."""
    models: list[Name] = []
    """Models this notebook reads (granted read access to their storage)."""
