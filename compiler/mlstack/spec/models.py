"""`models`: what is trained and served, and how each model is trained."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from mlstack.spec.base import Named, Resources, SpecModel
from mlstack.spec.types import Image, Name, Schedule
from mlstack.spec.uris import ModelUri, OutputUri

Framework = Literal[
    "sklearn", "xgboost", "lightgbm", "tensorflow", "pytorch", "onnx", "huggingface", "mlflow",
    "triton", "custom",
]  # fmt: skip

Command = Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class EnvVar(SpecModel):
    """A plain environment variable (never a secret: use a Secret reference for those)."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    """Variable name."""
    value: str
    """Value."""


class _Training(SpecModel):
    image: Image
    """Training container image."""
    command: Command | None = None
    """Entrypoint and arguments, e.g. [python, train.py, --epochs, "20"]."""
    schedule: Schedule | None = None
    """Retrain on a schedule (five-field cron or @hourly/@daily/@weekly/@monthly/@yearly)."""
    output: OutputUri | None = None
    """Where a run writes its result (s3://, gs://, azureblob://, pvc://); default: a runs/
    prefix beside the model's uri. Never a location a serving serves: promoting a run is a
    reviewed change of the model's uri."""


class InClusterTraining(_Training):
    """Training on the cluster: a Kubeflow Trainer TrainJob (or PyTorchJob / TFJob under
    Trainer v1), or a batch Job."""

    operator: Literal["pytorchjob", "tfjob", "job"]
    """pytorchjob (a TrainJob on Trainer v2, a PyTorchJob on v1), tfjob (Trainer v1 only) or
    job (a plain batch Job)."""
    pool: Name | None = None
    """Compute pool the pods run on."""
    workers: Annotated[int, Field(ge=1, le=1024)] = 1
    """Total pods (the world size, master/chief included)."""
    resources: Resources = Resources()
    """Requests (= limits) of each pod."""
    env: list[EnvVar] = []
    """Extra environment variables."""
    backoff_limit: Annotated[int, Field(ge=0, le=100)] = 3
    """Retries before the job is marked failed."""


class ManagedTraining(_Training):
    """Training as a managed cloud job: SageMaker, Vertex AI or Azure ML."""

    operator: Literal["sagemaker", "vertex", "azureml"]
    """sagemaker (aws), vertex (gcp) or azureml (azure)."""
    instance_type: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$")]
    """Managed instance type, e.g. ml.g5.xlarge, n1-standard-8, Standard_NC6s_v3."""
    instance_count: Annotated[int, Field(ge=1, le=100)] = 1
    """Instances per training run."""
    max_runtime: Annotated[str, Field(pattern=r"^[0-9]+(s|m|h|d)$")] = "24h"
    """Stop a run after this long."""


Training = Annotated[InClusterTraining | ManagedTraining, Field(discriminator="operator")]


class Model(Named):
    """A model: its framework, where its artifacts live, and optionally how it is trained."""

    framework: Framework
    """Framework the artifact was saved with; decides which runtimes can serve it."""
    uri: ModelUri
    """Where the model artifact lives: s3://, gs://, azureblob://, hf://, pvc://, models:/NAME/VERSION."""
    training: Training | None = None
    """How the model is (re)trained."""
    description: str | None = None
    """Free text for humans."""
