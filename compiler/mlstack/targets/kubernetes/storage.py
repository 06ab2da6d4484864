"""Model URIs as in-cluster servers read them."""

from __future__ import annotations

from mlstack.spec.uris import parse


def storage_uri(uri: str) -> str:
    """azureblob://ACCOUNT/CONTAINER/PATH becomes the blob endpoint URL KServe and the
    Azure SDKs read; every other scheme (s3, gs, hf, pvc, models:/) is kept as written.
    `models:/` needs a KServe ClusterStorageContainer for the MLflow registry
    (docs/choices.md)."""
    location = parse(uri)
    if location.scheme != "azureblob":
        return uri
    account, container = location.bucket.split("/", 1)
    path = f"/{location.prefix}" if location.prefix else ""
    return f"https://{account}.blob.core.windows.net/{container}{path}"
