"""The one storage location mlstack owns on Azure: the container of a deployed MLflow server.

`tracking.mlflow.artifacts: azureblob://ACCOUNT/CONTAINER/PATH` names a storage account, and
accounts usually hold the user's model containers too (the vision example keeps models and
MLflow artifacts in one account), so the account is the user's: mlstack creates only the
CONTAINER, private, in that account (addressed by ARM id in the stack's resource group).
Encryption at rest is always on in Azure Storage; versioning, public-access and key-access
settings live on the account, so the note says what to set there instead of taking the
account over. Model containers are granted, never created.
"""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.targets.terraform.azure_attrs import StorageContainer
from mlstack.targets.terraform.azure_cluster import account_id, azure_cloud
from mlstack.targets.terraform.blocks import (
    PROTECTED,
    Block,
    Note,
    owned_artifacts,
    resource,
    tf_name,
)


def artifact_container(plan: Plan) -> tuple[str, str] | None:
    """(ACCOUNT, CONTAINER) a deployed MLflow server writes to, when the stack owns one."""
    location = owned_artifacts(plan, "azureblob")
    if location is None:
        return None
    account, container = location.bucket.split("/", 1)
    return account, container


def build(plan: Plan) -> list[Block | Note]:
    cloud = azure_cloud(plan)
    found = artifact_container(plan)
    if cloud is None or found is None:
        return []
    account, container = found
    body: StorageContainer = {
        "name": container,
        "storage_account_id": account_id(cloud, account),
        "container_access_type": "private",
        "metadata": {
            "managed_by": "mlstack",
            "mlstack_stack": plan.stack.replace("-", "_"),
            "mlstack_environment": plan.environment.replace("-", "_"),
            "mlstack_role": "mlflow_artifacts",
        },
        "lifecycle": PROTECTED,
    }
    source = ("tracking", "mlflow", "artifacts")
    return [
        resource("azurerm_storage_container", tf_name(f"mlflow-{container}"), body, source),
        Note(
            f"The MLflow artifact container '{container}' is created in the existing storage "
            f"account '{account}' (resource group {cloud.resource_group}), which mlstack does "
            "not manage: keep blob versioning on, allow_nested_items_to_be_public = false, "
            "shared key access off and TLS 1.2 on that account (Azure Storage always "
            "encrypts at rest). Container metadata keys allow no '-', so the tags are "
            "written managed_by/mlstack_role there.",
            source,
        ),
    ]
