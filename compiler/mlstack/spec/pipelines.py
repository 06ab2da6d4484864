"""`pipelines`: multi-step workflows whose steps form a DAG through `dependsOn`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from mlstack.spec.base import Named, Resources, SpecModel
from mlstack.spec.models import Command, EnvVar
from mlstack.spec.types import Image, Name, Quantity, Schedule
from mlstack.spec.uris import DataUri


class _Step(SpecModel):
    depends_on: list[Name] = []
    """Steps that must finish before this one starts."""
    enabled: bool = True
    """Set to false to leave the step out of an environment."""


class ContainerStep(_Step):
    """A container step: its own image, or the training of a named model."""

    kind: Literal["container"] = "container"
    """container (default) or spark."""
    image: Image | None = None
    """Step image; not allowed together with `model`."""
    command: Command | None = None
    """Entrypoint and arguments."""
    model: Name | None = None
    """Reuse this model's training (image, command, resources, pool) as the step."""
    pool: Name | None = None
    """Compute pool for the step."""
    resources: Resources = Resources()
    """Requests (= limits) of the step's pod."""
    env: list[EnvVar] = []
    """Extra environment variables."""

    @model_validator(mode="after")
    def _image_or_model(self) -> ContainerStep:
        if (self.image is None) == (self.model is None):
            raise PydanticCustomError(
                "E0114",
                "a container step needs exactly one of 'image' or 'model'",
                {"hint": "name a model to reuse its training, or give the step an image"},
            )
        return self


class SparkRole(SpecModel):
    """Resources of the Spark driver or of each executor."""

    cores: Annotated[int, Field(ge=1, le=64)] = 1
    """CPU cores."""
    memory: Quantity = "2Gi"
    """Memory as a Kubernetes quantity (converted to Spark's own form)."""


class SparkExecutor(SparkRole):
    """Spark executors."""

    instances: Annotated[int, Field(ge=1, le=1000)] = 2
    """Number of executors."""


class SparkStep(_Step):
    """A Spark Operator SparkApplication launched by the workflow."""

    kind: Literal["spark"]
    """spark."""
    image: Image
    """Spark image with the application."""
    main_application_file: Annotated[str, Field(pattern=r"^(local|s3a?|gs|abfss|https?)://\S+$")]
    """Application file, e.g. local:///opt/app/features.py or s3a://bucket/app.py."""
    main_class: Annotated[str, Field(pattern=r"^[\w.$]+$")] | None = None
    """Main class for JVM applications."""
    type: Literal["Python", "Scala", "Java", "R"] = "Python"
    """Application language."""
    spark_version: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")] = "3.5.5"
    """Spark version of the image."""
    arguments: list[str] = []
    """Application arguments."""
    driver: SparkRole = SparkRole()
    """Driver resources."""
    executor: SparkExecutor = SparkExecutor()
    """Executor resources."""
    pool: Name | None = None
    """Compute pool for driver and executors."""
    reads: list[DataUri] = []
    """Data the job reads (granted through workload identity)."""


def _step_kind(value: Any) -> str:
    raw = value.get("kind", "container") if isinstance(value, dict) else getattr(value, "kind", "")
    return raw if raw in ("container", "spark") else str(raw)


Step = Annotated[
    Annotated[ContainerStep, Tag("container")] | Annotated[SparkStep, Tag("spark")],
    Discriminator(
        _step_kind,
        custom_error_type="E0112",
        custom_error_message="a step's kind is 'container' (the default) or 'spark'",
    ),
]


class Pipeline(Named):
    """A workflow of steps run by Argo Workflows, Kubeflow Pipelines or SageMaker Pipelines."""

    engine: Literal["argo", "kubeflow", "sagemaker"] = "argo"
    """Workflow engine."""
    schedule: Schedule | None = None
    """Run on a schedule."""
    steps: Annotated[dict[Name, Step], Field(min_length=1)]
    """Steps keyed by name."""
