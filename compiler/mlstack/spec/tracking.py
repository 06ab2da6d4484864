"""`tracking`: MLflow (deployed in the cluster or external) and Weights & Biases wiring."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from mlstack import images
from mlstack.spec.base import SpecModel
from mlstack.spec.types import Image, SecretName
from mlstack.spec.uris import ArtifactUri


class SecretKeyRef(SpecModel):
    """A key inside a Kubernetes Secret."""

    name: SecretName
    """Secret name."""
    key: Annotated[str, Field(pattern=r"^[-._a-zA-Z0-9]+$")]
    """Key inside the Secret."""


class SecretRef(SpecModel):
    """A reference to a Kubernetes Secret: `{secret: NAME}` or `{secretKeyRef: {name, key}}`."""

    secret: SecretName | None = None
    """Secret name; the key defaults per use (e.g. 'uri' for a database)."""
    key: Annotated[str, Field(pattern=r"^[-._a-zA-Z0-9]+$")] | None = None
    """Key inside the Secret named by `secret`."""
    secret_key_ref: SecretKeyRef | None = None
    """Explicit Secret name and key."""

    @model_validator(mode="after")
    def _one_form(self) -> SecretRef:
        if (self.secret is None) == (self.secret_key_ref is None):
            raise PydanticCustomError(
                "E0114",
                "give exactly one of 'secret' or 'secretKeyRef'",
                {"hint": "for example {secret: mlflow-db}"},
            )
        if self.key is not None and self.secret is None:
            raise PydanticCustomError(
                "E0114", "'key' goes with 'secret'", {"hint": "use secretKeyRef: {name, key}"}
            )
        return self

    def resolved(self, default_key: str) -> tuple[str, str]:
        """(Secret name, key) with the default key filled in."""
        if self.secret_key_ref is not None:
            return self.secret_key_ref.name, self.secret_key_ref.key
        assert self.secret is not None
        return self.secret, self.key or default_key


_TRACKING_URI = re.compile(r"https?://[^\s@/]+(/[^\s@]*)?")


def _tracking_uri(value: str) -> str:
    """MLflow clients take other schemes too (databricks, file:); the workloads mlstack
    deploys reach a tracking server over HTTP, so that is what is accepted, with its forms."""
    if not _TRACKING_URI.fullmatch(value):
        raise PydanticCustomError(
            "E0112",
            "'{value}' is not the URL of a tracking server",
            {
                "value": value,
                "hint": "write http(s)://HOST[:PORT][/PATH], e.g. https://mlflow.acme.example "
                "or http://mlflow.mlflow.svc:5000; no user:password@ (the server's own "
                "authentication is outside the spec)",
            },
        )
    return value


class MLflow(SpecModel):
    """MLflow tracking: deployed by mlstack, or an existing server at `uri`."""

    deploy: bool = True
    """Deploy an MLflow tracking server in the namespace."""
    artifacts: ArtifactUri | None = None
    """Artifact store (s3://, gs://, azureblob://); required when deploy is true."""
    database: SecretRef | None = None
    """Backend store: a Secret whose key (default 'uri') holds the database URI."""
    uri: Annotated[str, AfterValidator(_tracking_uri)] | None = None
    """Tracking URI of an existing server; required when deploy is false."""
    image: Image = images.reference("mlflow")
    """MLflow server image (default: mlstack's own, built from images/mlflow/ with the
    database drivers and cloud storage clients the server needs)."""
    create_bucket: bool = True
    """Create the artifact bucket (encrypted, private, protected against destroy) on the
    stack's cloud; false when the bucket exists and is not this stack's to own."""

    @model_validator(mode="after")
    def _where(self) -> MLflow:
        if self.deploy and self.artifacts is None:
            raise PydanticCustomError(
                "E0102",
                "a deployed MLflow server needs 'artifacts'",
                {"hint": "for example artifacts: s3://BUCKET/mlflow"},
            )
        if not self.deploy and self.uri is None:
            raise PydanticCustomError(
                "E0102",
                "with deploy: false, 'uri' must point at the existing tracking server",
                {"hint": "uri: https://mlflow.example.com"},
            )
        return self


class Wandb(SpecModel):
    """Weights & Biases, injected as WANDB_* into training jobs and pipeline steps."""

    project: Annotated[str, Field(min_length=1, max_length=128)]
    """W&B project."""
    entity: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    """W&B entity (team or user)."""
    api_key_secret: SecretName
    """Secret holding the API key (key 'api-key' unless apiKeySecretKey says otherwise)."""
    api_key_secret_key: Annotated[str, Field(pattern=r"^[-._a-zA-Z0-9]+$")] = "api-key"
    """Key of the API key inside apiKeySecret."""
    host: Annotated[str, Field(pattern=r"^https://[^\s@]+$")] | None = None
    """Self-hosted W&B server URL."""


class Tracking(SpecModel):
    """Experiment tracking."""

    mlflow: MLflow | None = None
    """MLflow tracking server."""
    wandb: Wandb | None = None
    """Weights & Biases."""
