"""The Azure resource providers (ARM namespaces) a stack's Terraform creates resources in.

azurerm 5.0 no longer registers resource providers when it starts
(`resource_provider_registrations` now defaults to `none`; 4.x registered its "legacy" set of
about 60), so a subscription where one of them was never registered fails at apply with
MissingSubscriptionRegistration. mlstack does not turn registration back on: it needs
subscription-wide rights, and the stack's resources live in one resource group whose deployer
often has no more. Registration is a one-time prerequisite of the subscription, so NOTES.md
names exactly the namespaces this environment's resources need.
"""

from __future__ import annotations

from mlstack.targets.terraform.blocks import Block, Note

NAMESPACES: tuple[tuple[str, str], ...] = (
    # (azurerm resource type prefix, resource provider namespace); data sources only read.
    ("azurerm_machine_learning_", "Microsoft.MachineLearningServices"),
    ("azurerm_kubernetes_", "Microsoft.ContainerService"),
    ("azurerm_storage_", "Microsoft.Storage"),
    ("azurerm_monitor_", "Microsoft.Insights"),
    ("azurerm_application_insights", "Microsoft.Insights"),
    ("azurerm_user_assigned_identity", "Microsoft.ManagedIdentity"),
    ("azurerm_federated_identity_credential", "Microsoft.ManagedIdentity"),
    ("azurerm_linux_function_app", "Microsoft.Web"),
    ("azurerm_service_plan", "Microsoft.Web"),
    ("azurerm_key_vault", "Microsoft.KeyVault"),
    ("azurerm_container_registry", "Microsoft.ContainerRegistry"),
    ("azurerm_log_analytics_", "Microsoft.OperationalInsights"),
    ("azurerm_role_assignment", ""),  # Microsoft.Authorization: registered everywhere
)


def namespace(block: Block) -> str:
    """The namespace one resource is created in: an azapi resource (or update) names it in
    its `type` (`Microsoft.MachineLearningServices/workspaces/...@API`)."""
    if block.type in ("azapi_resource", "azapi_update_resource"):
        return str(block.body["type"]).split("/", 1)[0]
    found = next((ns for prefix, ns in NAMESPACES if block.type.startswith(prefix)), None)
    if found is None:
        raise AssertionError(f"{block.type}: add its resource provider to NAMESPACES")
    return found


def note(blocks: list[Block]) -> Note | None:
    needed = sorted({namespace(b) for b in blocks if b.kind == "resource"} - {""})
    if not needed:
        return None
    return Note(
        "azurerm 5 registers no resource providers itself: the subscription must have "
        f"{', '.join(needed)} registered (az provider register --namespace NAME, once per "
        "subscription, by someone allowed to).",
        ("platform", "cloud", "subscription"),
    )
