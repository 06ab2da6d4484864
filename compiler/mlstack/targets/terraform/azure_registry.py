"""AcrPull for whoever pulls a serving's own image from an Azure Container Registry.

A private registry refuses a pull without a token, and neither Azure ML nor App Service gets
one for a registry the workspace or app was not given: the identity that pulls needs
"AcrPull" on that registry. Which registry each cloud role pulls from is decided in resolve
(`CloudRole.pulls`, from mlstack.acr; E0425 where the image's host does not name one). The
registry is the user's, read by one `data.azurerm_container_registry` per registry in
`platform.cloud.resourceGroup`, so `terraform plan` stops with its name when it is not there.
Images on other registries are pulled without an identity and get no grant.

Who pulls: for Azure ML, the endpoint's identity (its deployments run as it) and the
workspace's, which prepares the environment from the image (one grant per registry: Azure
refuses a second assignment of one role to one principal at one scope); for a function app,
the app's identity."""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.targets.terraform import azure_workspace
from mlstack.targets.terraform.azure_attrs import DataContainerRegistry, RoleAssignment
from mlstack.targets.terraform.azure_cluster import azure_cloud
from mlstack.targets.terraform.blocks import Block, data, resource, tf_name

ROLE = "AcrPull"
TYPE = "azurerm_container_registry"


def _block(registry: str) -> str:
    return f"acr_{tf_name(registry)}"


def pull_grants(
    registry: str | None, image: str, pullers: list[tuple[str, str, str]], source: PathKey
) -> list[Block]:
    """One AcrPull assignment `NAME_pull` per (NAME, principal id, who) on `registry`, the
    one `image` is in; none without a registry."""
    if registry is None:
        return []
    out = []
    for name, principal, who in pullers:
        body: RoleAssignment = {
            "scope": f"${{data.{TYPE}.{_block(registry)}.id}}",
            "role_definition_name": ROLE,
            "principal_id": principal,
            "principal_type": "ServicePrincipal",
            "description": f"mlstack: {who} pulls {image}",
        }
        out.append(resource("azurerm_role_assignment", f"{name}_pull", body, source))
    return out


def workspace_grant(registry: str | None) -> str | None:
    """The address of the Azure ML workspace's AcrPull on `registry` (written by `build`)."""
    return (
        None if registry is None else f"azurerm_role_assignment.workspace_{_block(registry)}_pull"
    )


def build(plan: Plan) -> list[Block]:
    """The registry of every cloud role's image, once each (the first role as source), and
    the workspace's AcrPull on those Azure ML endpoints pull from."""
    cloud = azure_cloud(plan)
    if cloud is None:
        return []
    found: dict[str, PathKey] = {}
    workspace: dict[str, str] = {}
    for role in plan.cloud_roles:
        if role.pulls is None:
            continue
        found.setdefault(role.pulls, (*role.source, "image"))
        if role.kind == "azureml":
            workspace.setdefault(role.pulls, plan.spec.serving[role.name].image or "")
    out = []
    for registry, source in sorted(found.items()):
        body: DataContainerRegistry = {
            "name": registry,
            "resource_group_name": cloud.resource_group,
        }
        out.append(data(TYPE, _block(registry), body, source))
        if registry in workspace:
            puller = (
                f"workspace_{_block(registry)}",
                azure_workspace.workspace_principal(plan),
                "the Azure ML workspace",
            )
            out += pull_grants(registry, workspace[registry], [puller], source)
    return out
