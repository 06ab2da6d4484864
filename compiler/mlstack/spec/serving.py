"""`serving`: how models are served. One model class per runtime, chosen by `runtime`."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from mlstack import runtimes
from mlstack.spec.base import Named, Range, Resources, SpecModel
from mlstack.spec.compute import Accelerator
from mlstack.spec.pods import Annotations, Env, Labels, PriorityClassName, Toleration
from mlstack.spec.types import Image, Name, Quantity, quantity_value

IN_CLUSTER = runtimes.named("in-cluster")
MANAGED = runtimes.named("managed")
FUNCTIONS = runtimes.named("function")
RUNTIMES = IN_CLUSTER + MANAGED + FUNCTIONS
"""The runtimes by placement, from the registry (mlstack/runtimes), in its order."""
POD_FIELDS = ("env", "labels", "annotations", "tolerations", "priority_class_name")
"""InClusterServing fields that land on the serving's own pods."""


class Autoscaling(SpecModel):
    """What drives scaling between replicas.min and replicas.max."""

    metric: Literal["concurrency", "rps", "cpu", "memory"]
    """concurrency (in-flight requests per replica), rps, cpu or memory (percent of request)."""
    target: Annotated[float, Field(gt=0)]
    """Target value per replica (a percentage for cpu and memory)."""


class Canary(SpecModel):
    """Send part of the traffic to another model."""

    model: Name
    """The candidate model."""
    traffic: Annotated[int, Field(ge=1, le=99)]
    """Percent of requests sent to the candidate."""


class _Serving(Named):
    model: Name
    """The model to serve."""
    replicas: Range = Range(min=1, max=1)
    """Replica bounds; min 0 only where the runtime scales to zero."""
    autoscaling: Autoscaling | None = None
    """Scaling metric and target."""
    canary: Canary | None = None
    """Canary rollout of another model."""


class InClusterServing(_Serving):
    pool: Name | None = None
    """Compute pool for the serving pods."""
    resources: Resources = Resources()
    """Requests (= limits) of each replica."""
    image: Image | None = None
    """Override the runtime's default server image."""
    env: Env = {}
    """Environment of the model server: `LOG_LEVEL: info` or
    `API_KEY: {secretKeyRef: {name: s-api, key: key}}`."""
    labels: Labels = {}
    """Labels on the serving's objects and pods (not app.kubernetes.io/ or mlstack.dev/)."""
    annotations: Annotations = {}
    """Annotations on the serving's objects and pods, e.g. sidecar.istio.io/inject."""
    tolerations: list[Toleration] = []
    """Tolerations beside those of the serving's pool."""
    priority_class_name: PriorityClassName | None = None
    """PriorityClass of the serving's pods (an existing one, e.g. ml-critical)."""


class KServeServing(InClusterServing):
    """KServe InferenceService."""

    runtime: Literal["kserve"]
    """Serving runtime."""


class SeldonServing(InClusterServing):
    """Seldon Core v2 Server + Model (+ Experiment for a canary). Seldon Core 2 is under the
    Business Source License 1.1: production use needs a licence from Seldon."""

    runtime: Literal["seldon"]
    """Serving runtime: Seldon Core 2 (Business Source License 1.1; production use needs a
    commercial licence from Seldon)."""
    server: Name | None = None
    """An existing Seldon Server to schedule on; default: a Server of the serving's own (pool,
    cpu, GPUs, image and identity apply only to that one)."""

    @model_validator(mode="after")
    def _pods_of_its_own(self) -> Self:
        """On an existing Server the pods are that Server's: their settings cannot be set
        from here, and dropping them silently would deploy something else than written."""
        if self.server is None:
            return self
        for field in POD_FIELDS:
            if field in self.model_fields_set:
                alias = type(self).model_fields[field].alias or field
                raise PydanticCustomError(
                    "E0714",
                    "'{field}' sets the serving's pods, but it runs on the existing Seldon "
                    "Server '{server}', whose pods are that Server's",
                    {
                        "field": alias,
                        "server": self.server,
                        "at": alias,
                        "hint": "set it on that Server, or remove 'server:' so the serving "
                        "gets a Server of its own",
                    },
                )
        return self


class TorchServeServing(InClusterServing):
    """TorchServe as a Deployment + Service + HPA + PDB."""

    runtime: Literal["torchserve"]
    """Serving runtime."""


class TFServingServing(InClusterServing):
    """TensorFlow Serving as a Deployment + Service + HPA + PDB."""

    runtime: Literal["tfserving"]
    """Serving runtime."""


class TritonServing(InClusterServing):
    """NVIDIA Triton Inference Server as a Deployment + Service + HPA + PDB."""

    runtime: Literal["triton"]
    """Serving runtime."""


class MlflowServing(InClusterServing):
    """`mlflow models serve` (MLServer) as a Deployment + Service + HPA + PDB."""

    runtime: Literal["mlflow"]
    """Serving runtime."""


_EXAMPLE_TYPE = {
    "sagemaker": "ml.m5.xlarge",
    "vertex": "n1-standard-4",
    "azureml": "Standard_DS3_v2",
}


class _Managed(_Serving):
    instance_type: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$")] | None = None
    """Managed instance type (required), e.g. ml.g5.xlarge, n1-standard-4, Standard_DS3_v2."""
    accelerator: Accelerator | None = None
    """Accelerator per instance (Vertex needs it for GPUs)."""
    image: Image | None = None
    """Serving image; default: the cloud's prebuilt image for the framework."""

    def _needs_instance_type(self) -> None:
        if self.instance_type is None:
            raise PydanticCustomError(
                "E0102",
                "{runtime} serving needs 'instanceType'",
                {
                    "runtime": getattr(self, "runtime", "managed"),
                    "hint": "e.g. instanceType: "
                    + _EXAMPLE_TYPE.get(getattr(self, "runtime", ""), "ml.m5.xlarge"),
                },
            )

    @model_validator(mode="after")
    def _capacity(self) -> Self:
        """Managed endpoints run on instances; SageMaker may be serverless instead."""
        self._needs_instance_type()
        return self


class SageMakerServerless(SpecModel):
    """SageMaker serverless inference."""

    memory: Quantity
    """Memory per invocation: 1Gi to 6Gi in steps of 1Gi."""

    @field_validator("memory")
    @classmethod
    def _sagemaker_sizes(cls, memory: str) -> str:
        gib = quantity_value(memory) / 2**30
        if gib not in (1, 2, 3, 4, 5, 6):
            raise PydanticCustomError(
                "E0116",
                "SageMaker serverless memory is 1Gi to 6Gi in steps of 1Gi",
                {"hint": "for example memory: 4Gi"},
            )
        return memory

    max_concurrency: Annotated[int, Field(ge=1, le=200)] = 5
    """Concurrent invocations."""


class SageMakerServing(_Managed):
    """SageMaker real-time (or serverless) endpoint."""

    runtime: Literal["sagemaker"]
    """Serving runtime."""
    serverless: SageMakerServerless | None = None
    """Serverless inference instead of instanceType."""

    @model_validator(mode="after")
    def _capacity(self) -> Self:
        if self.serverless is not None and self.instance_type is not None:
            raise PydanticCustomError(
                "E0114",
                "give either 'instanceType' or 'serverless', not both",
                {"hint": "serverless endpoints have no instances"},
            )
        if self.serverless is None:
            self._needs_instance_type()
        return self


class VertexServing(_Managed):
    """Vertex AI endpoint with a deployed model."""

    runtime: Literal["vertex"]
    """Serving runtime."""


class AzureMLServing(_Managed):
    """Azure ML managed online endpoint and deployment."""

    runtime: Literal["azureml"]
    """Serving runtime."""


class FunctionResources(SpecModel):
    """Function memory."""

    memory: Quantity = "1Gi"
    """Memory per instance."""


class _Function(_Serving):
    image: Image
    """Container image with the model server."""
    resources: FunctionResources = FunctionResources()
    """Memory per instance."""


class LambdaServing(_Function):
    """AWS Lambda container function with a function URL."""

    runtime: Literal["lambda"]
    """Serving runtime."""


class CloudRunServing(_Function):
    """Cloud Run v2 service."""

    runtime: Literal["cloudrun"]
    """Serving runtime."""


class AzureFunctionsServing(_Function):
    """Azure Linux function app (container)."""

    runtime: Literal["azurefunctions"]
    """Serving runtime."""


Serving = Annotated[
    KServeServing
    | SeldonServing
    | TorchServeServing
    | TFServingServing
    | TritonServing
    | MlflowServing
    | SageMakerServing
    | VertexServing
    | AzureMLServing
    | LambdaServing
    | CloudRunServing
    | AzureFunctionsServing,
    Field(discriminator="runtime"),
]
