"""A ServiceAccount per workload, annotated for the cloud's workload identity.

The identity name comes from the plan (`mlstack.names.cloud_identity`, the same function the
Terraform target uses), so the annotation and the cloud role can never disagree.
"""

from __future__ import annotations

from mlstack.plan import Plan, Workload
from mlstack.spec.platform import AwsCloud, AzureCloud, GcpCloud
from mlstack.targets.kubernetes.meta import Manifest

AZURE_USE_LABEL = "azure.workload.identity/use"


def sa_annotations(plan: Plan, workload: Workload) -> dict[str, str]:
    cloud = plan.spec.platform.cloud
    if workload.identity is None or cloud is None:
        return {}
    if isinstance(cloud, AwsCloud):
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


def build(plan: Plan) -> list[Manifest]:
    return [
        Manifest(
            "v1",
            "ServiceAccount",
            workload.service_account,
            # Tokens are mounted only where a workload talks to the Kubernetes API.
            {"automountServiceAccountToken": False},
            workload.source,
            annotations=sa_annotations(plan, workload),
        )
        for workload in plan.workloads
    ]
