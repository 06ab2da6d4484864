"""`platform`: the cluster, the cloud and the Terraform backend a stack lands in."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, create_model, model_validator
from pydantic_core import PydanticCustomError

from mlstack.spec.base import SpecModel
from mlstack.spec.hatches import Patch, TerraformOverrides
from mlstack.spec.ingress import IngressSettings
from mlstack.spec.network import Network, StorageEndpoint
from mlstack.spec.types import Name, SecretName
from mlstack.spec.versions import Versions, at_least


def _k8s_version(value: str) -> str:
    if not re.fullmatch(r"1\.(2[5-9]|3[0-9])", value):
        raise PydanticCustomError(
            "E0112",
            "unsupported Kubernetes version '{value}'",
            {
                "value": value,
                "hint": 'write a quoted minor version between "1.25" and "1.39", e.g. "1.33"',
            },
        )
    return value


KSERVE_RENAMED_MODES = (0, 16)
"""KServe v0.16 renamed Serverless to Knative and RawDeployment to Standard
(pkg/constants/constants.go); controllers before it know only the old names."""


class KServe(SpecModel):
    """How KServe runs in this cluster."""

    deployment_mode: Literal["Knative", "Standard", "Serverless", "RawDeployment"] = "Knative"
    """Knative (scale to zero; called Serverless before KServe 0.16) or Standard (plain
    Deployments and HPAs; RawDeployment before 0.16). Either name of a mode is accepted; the
    output writes the one `versions.kserve` expects. Canaries split traffic through an
    InferenceGraph in both."""

    @property
    def knative(self) -> bool:
        return self.deployment_mode in ("Knative", "Serverless")

    def annotation(self, version: str) -> str:
        """`serving.kserve.io/deploymentMode` as KServe `version` names the mode: from 0.16
        the validating webhook compares the annotation with the normalized mode it recorded
        (validateDeploymentMode), so an old name there blocks every later update."""
        if at_least(version, KSERVE_RENAMED_MODES):
            return "Knative" if self.knative else "Standard"
        return "Serverless" if self.knative else "RawDeployment"


class Kubeflow(SpecModel):
    """Which Kubeflow Trainer API in-cluster training compiles to."""

    trainer: Literal["v2", "v1"] = "v2"
    """v2: Kubeflow Trainer TrainJobs (trainer.kubeflow.org, on the torch-distributed
    runtime); v1: the Training Operator's PyTorchJob / TFJob (kubeflow.org/v1), which Trainer
    v2 no longer serves and which TFJob training needs."""


class Kubernetes(SpecModel):
    """The namespace and cluster version the manifests target."""

    namespace: Name | None = None
    """Namespace for every generated object; defaults to metadata.name."""
    version: Annotated[str, AfterValidator(_k8s_version)] = "1.33"
    """Kubernetes minor version the manifests are validated against, quoted: "1.33"."""
    kserve: KServe = KServe()
    """KServe installation settings."""
    kubeflow: Kubeflow = Kubeflow()
    """Kubeflow installation settings."""
    versions: Versions = Versions()
    """Releases of the operators the output is written for (docs/versions.md)."""
    storage_secret: SecretName | None = None
    """Secret with cloud-storage credentials; required on stacks without platform.cloud that
    read s3://, gs:// or azureblob:// URIs (no workload identity exists there)."""
    storage_endpoint: StorageEndpoint | None = None
    """S3-compatible storage (MinIO, Ceph) that s3:// URIs live on, on stacks without
    platform.cloud: `https://minio.storage.svc:9000`. Every workload that reads s3:// gets it
    beside the storageSecret's credentials, and the NetworkPolicies open its port."""
    network: Network = Network()
    """Flows the NetworkPolicies allow beyond what mlstack derives from the spec."""
    ingress: IngressSettings = IngressSettings()
    """How servings with an `ingress` host are routed: Ingress objects or Gateway API
    HTTPRoutes (KServe in Knative mode: Knative DomainMappings)."""
    image_pull_secrets: list[SecretName] = []
    """Secrets (kubernetes.io/dockerconfigjson) every pod of the stack pulls its images
    with, e.g. [harbor-pull]: set on every ServiceAccount mlstack generates, and so on every
    pod that runs as one."""
    patches: list[Patch] = []
    """Kustomize patches of generated objects, written into the environment's
    kustomization.yaml and applied last; a patch whose target is not generated is an error.
    An environment's `patches` replace the base's (lists replace)."""


class _Cloud(SpecModel):
    region: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    """Cloud region, e.g. eu-west-1, europe-west4, westeurope."""
    cluster: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")] | None = None
    """Name of the existing managed cluster (EKS/GKE/AKS) node pools join and whose OIDC
    issuer workload identity trusts; required when the stack has pools or identities."""


class AwsCloud(_Cloud):
    """Amazon Web Services."""

    provider: Literal["aws"]
    """Cloud provider."""
    account: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    """12-digit AWS account id, quoted so leading zeros survive: "012345678901"."""
    identity: Literal["pod-identity", "irsa"] = "irsa"
    """How the stack's ServiceAccounts get their IAM roles. pod-identity (what `mlstack init`
    writes, and AWS's recommendation for new clusters): an EKS Pod Identity association per
    ServiceAccount and roles that trust `pods.eks.amazonaws.com`; the cluster needs the EKS
    Pod Identity Agent add-on. irsa (the default, so stacks written before the field keep
    their roles): the `eks.amazonaws.com/role-arn` annotation and roles that trust the
    cluster's IAM OIDC provider. Switching rewrites every role's trust policy."""


class GcpCloud(_Cloud):
    """Google Cloud."""

    provider: Literal["gcp"]
    """Cloud provider."""
    project: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    """Google Cloud project id."""


class AzureWorkspace(SpecModel):
    """An Azure Machine Learning workspace that exists already and is not mlstack's."""

    existing: Annotated[
        str, Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$", examples=["mlw-platform-prod"])
    ]
    """Its name (3-33 letters, digits, '-' and '_'): servings, trainings and schedules are
    created in it; no workspace, Key Vault, Application Insights or storage account is."""
    resource_group: (
        Annotated[str, Field(pattern=r"^[-\w._()]{1,90}$", examples=["rg-ml-platform"])] | None
    ) = None
    """Its resource group; default: platform.cloud.resourceGroup."""


class AzureCloud(_Cloud):
    """Microsoft Azure."""

    provider: Literal["azure"]
    """Cloud provider."""
    subscription: Annotated[
        str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    ]
    """Azure subscription id (a GUID)."""
    resource_group: Annotated[str, Field(pattern=r"^[-\w._()]{1,90}$")]
    """Resource group that holds the stack's Azure resources."""
    key_vault: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")] | None = (
        None
    )
    """Existing Key Vault in the resource group holding the alert receivers' secrets."""
    workspace: AzureWorkspace | None = None
    """The Azure ML workspace azureml servings and trainings use: `{existing: NAME}` for one
    that exists; default: mlstack creates one per environment with its Key Vault,
    Application Insights and storage account."""


Cloud = Annotated[AwsCloud | GcpCloud | AzureCloud, Field(discriminator="provider")]

_BACKENDS: dict[str, Any] = json.loads(
    resources.files("mlstack").joinpath("data/backends.json").read_text()
)
_TYPES: dict[str, Any] = {
    "string": str,
    "bool": bool,
    "number": int | float,
    "list": list[str],
    "object": dict[str, Any],
}


def _no_literal_credential(value: object) -> object:
    raise PydanticCustomError(
        "E0203",
        "this backend argument is a credential and cannot be written in the spec",
        {
            "hint": "give it to Terraform through its environment variable or a credentials "
            "file in CI (see the backend's documentation)"
        },
    )


def _backend_model(name: str) -> type[SpecModel]:
    spec = _BACKENDS[name]
    fields: dict[str, Any] = {}
    for argument, info in spec["arguments"].items():
        kind = _TYPES[info["type"]]
        if info["credential"]:
            kind = Annotated[Any, AfterValidator(_no_literal_credential)]
        description = info["description"] or argument
        default = ... if info["required"] else None
        fields[argument] = (
            kind if info["required"] else kind | None,
            Field(default, description=description, alias=argument),
        )
    return create_model(
        f"{name.capitalize()}Backend",
        __base__=SpecModel,
        __doc__=f"Terraform's `{name}` backend; arguments as Terraform names them "
        f"(from {spec['source']}).",
        __config__=None,
        **fields,
    )


S3Backend = _backend_model("s3")
GcsBackend = _backend_model("gcs")
AzurermBackend = _backend_model("azurerm")
LocalBackend = _backend_model("local")


class Backend(SpecModel):
    """Exactly one Terraform backend, arguments passed through verbatim."""

    model_config = ConfigDict(alias_generator=None)

    s3: S3Backend | None = None  # type: ignore[valid-type]
    """State in an S3 bucket (aws)."""
    gcs: GcsBackend | None = None  # type: ignore[valid-type]
    """State in a Cloud Storage bucket (gcp)."""
    azurerm: AzurermBackend | None = None  # type: ignore[valid-type]
    """State in an Azure storage container (azure)."""
    local: LocalBackend | None = None  # type: ignore[valid-type]
    """State in a local file (tests and demos only)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Backend:
        chosen = [n for n in ("s3", "gcs", "azurerm", "local") if getattr(self, n) is not None]
        if len(chosen) != 1:
            raise PydanticCustomError(
                "E0114",
                "a backend holds exactly one of s3, gcs, azurerm, local (found {found})",
                {"found": ", ".join(chosen) or "none", "hint": "keep the one this stack uses"},
            )
        return self

    @property
    def kind(self) -> str:
        return next(n for n in ("s3", "gcs", "azurerm", "local") if getattr(self, n) is not None)

    def arguments(self) -> dict[str, Any]:
        chosen = getattr(self, self.kind)
        return {k: v for k, v in chosen.model_dump(by_alias=True).items() if v is not None}


class Terraform(SpecModel):
    """Where Terraform keeps state for the generated configuration."""

    backend: Backend = Backend(local={})
    """Terraform backend; defaults to a local state file."""
    overrides: TerraformOverrides = {}
    """Terraform JSON merged over the generated configuration, written as
    terraform/override.tf.json: `{resource: {aws_eks_node_group: {gpu: {...}}}}`. Each block
    it names must exist in main.tf.json. Merged key by key with an environment's."""


class Platform(SpecModel):
    """Where the stack runs: one cluster and at most one cloud."""

    kubernetes: Kubernetes = Kubernetes()
    """The Kubernetes cluster side."""
    cloud: Cloud | None = None
    """The cloud account; without it only Kubernetes output is generated."""
    terraform: Terraform = Terraform()
    """Terraform settings (used only when a cloud is set)."""
