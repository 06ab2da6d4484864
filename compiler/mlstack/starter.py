"""`mlstack init`: a commented starter stack per cloud that validates as written."""

from __future__ import annotations

from mlstack.schema import SCHEMA_ID

_CLOUD = {
    "aws": """\
  cloud:
    provider: aws
    region: eu-west-1
    account: "123456789012"     # quoted: account ids can start with 0
    cluster: ml-cluster         # the EKS cluster node pools join
    identity: pod-identity      # EKS Pod Identity (needs the cluster's Pod Identity Agent add-on)
  terraform:
    backend:
      s3: {bucket: my-tf-state, key: mlstack/NAME.tfstate, region: eu-west-1}
""",
    "gcp": """\
  cloud:
    provider: gcp
    region: europe-west4
    project: my-ml-project
    cluster: ml-cluster         # the GKE cluster node pools join
  terraform:
    backend:
      gcs: {bucket: my-tf-state, prefix: mlstack/NAME}
""",
    "azure": """\
  cloud:
    provider: azure
    region: westeurope
    subscription: 00000000-0000-0000-0000-000000000000
    resourceGroup: ml-rg
    cluster: ml-cluster         # the AKS cluster node pools join
  terraform:
    backend:
      azurerm: {resource_group_name: tfstate-rg, storage_account_name: mytfstate, container_name: tfstate, key: NAME.tfstate}
""",
    "none": "",
}
_STATE = {
    "aws": "s3: {key: mlstack/NAME/ENV.tfstate}",
    "gcp": "gcs: {prefix: mlstack/NAME/ENV}",
    "azure": "azurerm: {key: NAME/ENV.tfstate}",
}
"""Each environment's own Terraform state: one shared state would let `terraform apply` of
one environment destroy the other's resources (mlstack validate refuses it, E0801)."""
_POOL = {"aws": "m6i.2xlarge", "gcp": "n2-standard-8", "azure": "Standard_D8s_v5"}
_BUCKET = {"aws": "s3://my-models", "gcp": "gs://my-models", "azure": "azureblob://mymodels/models"}


def starter(cloud: str, name: str) -> str:
    """The starter file; the first line lets editors load the schema and complete as you type."""
    compute = ""
    if cloud != "none":
        compute = f"""
# Node pools, keyed by name. Workloads pick one with `pool:`.
compute:
  cpu:
    instanceType: {_POOL[cloud]}
    nodes: {{min: 1, max: 4}}
"""
    storage = (
        "\n    storageSecret: model-storage   # Secret with storage credentials (no cloud identity here)"
        if cloud == "none"
        else ""
    )
    uri = _BUCKET.get(cloud, "s3://my-models")

    def own(environment: str, namespace: str) -> str:
        """An overlay's own namespace and state: environments never share either."""
        lines = f"\n    platform:\n      kubernetes: {{namespace: {namespace}}}"
        if cloud in _STATE:
            state = _STATE[cloud].replace("NAME", name).replace("ENV", environment)
            lines += f"\n      terraform:\n        backend:\n          {state}"
        return lines

    return f"""\
# yaml-language-server: $schema={SCHEMA_ID}
# An mlstack stack: `mlstack validate` checks it, `mlstack compile` turns it into
# Kubernetes manifests and Terraform. Field reference: docs/reference.md.
apiVersion: mlstack/v1alpha1
kind: Stack
metadata:
  name: {name}
  owner: ml-platform@example.com

platform:
  kubernetes:
    namespace: {name}
    version: "1.33"{storage}
{_CLOUD[cloud].replace("NAME", name)}{compute}
# Models, keyed by name: framework and where the artifact lives.
models:
  churn:
    framework: sklearn
    uri: {uri}/churn/v1

# How models are served, keyed by name.
serving:
  churn-api:
    model: churn
    runtime: kserve
    replicas: {{min: 1, max: 3}}
    resources: {{cpu: "1", memory: 2Gi}}

# Environments overlay the base: maps merge by key, scalars and lists replace. Each has its
# own namespace and Terraform state, so one can never destroy or prune the other.
environments:
  staging:{own("staging", f"{name}-staging")}
    serving:
      churn-api:
        replicas: {{min: 1, max: 1}}
  prod:{own("prod", name)}
"""
