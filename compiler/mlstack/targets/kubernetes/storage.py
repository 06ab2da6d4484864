"""Model URIs as in-cluster servers read them."""

from __future__ import annotations

from mlstack.spec.uris import blob_url


def storage_uri(uri: str) -> str:
    """azureblob://ACCOUNT/CONTAINER/PATH becomes the blob endpoint URL KServe and the
    Azure SDKs read; every other scheme (s3, gs, hf, pvc, models:/) is kept as written.
    `models:/` needs a KServe ClusterStorageContainer for the MLflow registry
    (docs/choices.md)."""
    return blob_url(uri) or uri
