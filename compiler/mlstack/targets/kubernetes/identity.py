"""A ServiceAccount per workload, annotated for the cloud's workload identity (none under EKS
Pod Identity, where an association outside the cluster binds the role).

The identity name comes from the plan (`mlstack.names.cloud_identity`, the same function the
Terraform target uses), so the annotation and the cloud role can never disagree.
"""

from __future__ import annotations

from typing import Any

from mlstack.plan import Plan, Workload
from mlstack.spec.platform import AwsCloud, AzureCloud, GcpCloud
from mlstack.spec.serving import KServeServing
from mlstack.targets.kubernetes.meta import Manifest

AZURE_USE_LABEL = "azure.workload.identity/use"


def sa_annotations(plan: Plan, workload: Workload) -> dict[str, str]:
    cloud = plan.spec.platform.cloud
    if workload.identity is None or cloud is None:
        return {}
    if isinstance(cloud, AwsCloud):
        if cloud.identity == "pod-identity":
            return {}  # the association binds the role (aws_cluster); no annotation
        return {
            "eks.amazonaws.com/role-arn": f"arn:aws:iam::{cloud.account}:role/{workload.identity}"
        }
    if isinstance(cloud, GcpCloud):
        return {
            "iam.gke.io/gcp-service-account": f"{workload.identity}@{cloud.project}.iam.gserviceaccount.com"
        }
    # Azure: the managed identity's client id exists only after `terraform apply`; kustomize
    # writes the annotation at build time (azure_client_ids). Pods opt in with the label below.
    return {}


def pod_labels(plan: Plan, workload: Workload) -> dict[str, str]:
    """Azure's webhook only mutates pods that opt in with a label."""
    cloud = plan.spec.platform.cloud
    if workload.identity is not None and isinstance(cloud, AzureCloud):
        return {AZURE_USE_LABEL: "true"}
    return {}


def storage_secrets(plan: Plan, workload: Workload) -> list[dict[str, str]]:
    """KServe's storage initializer takes credentials from the Secrets its ServiceAccount
    lists (pkg/credentials/service_account_credentials.go, v0.20.0): on a stack without a
    cloud, the account of a KServe serving lists the storageSecret, by reference."""
    secret = plan.spec.platform.kubernetes.storage_secret
    serving = plan.spec.serving.get(workload.name) if workload.kind == "serve" else None
    if (
        plan.spec.platform.cloud is not None
        or secret is None
        or not isinstance(serving, KServeServing)
    ):
        return []
    return [{"name": secret}]


def build(plan: Plan) -> list[Manifest]:
    out = []
    for workload in plan.workloads:
        # Tokens are mounted only where a workload talks to the Kubernetes API.
        body: dict[str, Any] = {"automountServiceAccountToken": False}
        if secrets := storage_secrets(plan, workload):
            body["secrets"] = secrets
        out.append(
            Manifest(
                "v1",
                "ServiceAccount",
                workload.service_account,
                body,
                workload.source,
                annotations=sa_annotations(plan, workload),
            )
        )
    return out
