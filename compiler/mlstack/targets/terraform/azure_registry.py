"""AcrPull for whoever pulls a serving's own image from an Azure Container Registry.

A private registry refuses a pull without a token, and neither Azure ML nor App Service gets
one for a registry the workspace or app was not given: the identity that pulls needs
"AcrPull" on that registry. The registry is the user's (mlstack.acr names it from the image's
login server; resolve says E0425 where the host does not), read by one
`data.azurerm_container_registry` per registry in `platform.cloud.resourceGroup`, so
`terraform plan` stops with its name when it is not there. Images on other registries are
pulled without an identity and get no grant.

Who pulls: for Azure ML, the endpoint's identity (its deployments run as it) and the
workspace's, which prepares the environment from the image; for a function app, the app's
identity."""

from __future__ import annotations

from mlstack import acr
from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.serving import AzureFunctionsServing, AzureMLServing
from mlstack.targets.terraform import azure_workspace
from mlstack.targets.terraform.azure_attrs import DataContainerRegistry, RoleAssignment
from mlstack.targets.terraform.azure_cluster import azure_cloud
from mlstack.targets.terraform.blocks import Block, data, resource, tf_name

ROLE = "AcrPull"
TYPE = "azurerm_container_registry"


def _block(registry: str) -> str:
    return f"acr_{tf_name(registry)}"


def pull_grants(
    image: str | None, pullers: list[tuple[str, str, str]], source: PathKey
) -> list[Block]:
    """One AcrPull assignment per (block name, principal id, who) on the image's registry;
    none when the image is not in an ACR mlstack can name."""
    registry = acr.registry(image) if image is not None else None
    if registry is None:
        return []
    scope = f"${{data.{TYPE}.{_block(registry)}.id}}"
    out = []
    for name, principal, who in pullers:
        body: RoleAssignment = {
            "scope": scope,
            "role_definition_name": ROLE,
            "principal_id": principal,
            "principal_type": "ServicePrincipal",
            "description": f"mlstack: {who} pulls {image}",
        }
        out.append(resource("azurerm_role_assignment", f"{name}_pull", body, source))
    return out


def workspace_grant(image: str | None) -> str | None:
    """The address of the Azure ML workspace's AcrPull on the registry of `image` (one per
    registry, written by `build`: Azure refuses a second assignment of one role to one
    principal at one scope)."""
    registry = acr.registry(image) if image is not None else None
    return (
        None if registry is None else f"azurerm_role_assignment.workspace_{_block(registry)}_pull"
    )


def build(plan: Plan) -> list[Block]:
    """The registry of every Azure serving image, once each (the first serving's image as
    source), and the workspace's AcrPull on those of Azure ML images."""
    cloud = azure_cloud(plan)
    if cloud is None:
        return []
    found: dict[str, PathKey] = {}
    workspace: dict[str, str] = {}
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, AzureMLServing | AzureFunctionsServing) and serving.image:
            registry = acr.registry(serving.image)
            if registry is not None:
                found.setdefault(registry, ("serving", name, "image"))
                if isinstance(serving, AzureMLServing):
                    workspace.setdefault(registry, serving.image)
    out = []
    for registry, source in sorted(found.items()):
        body: DataContainerRegistry = {
            "name": registry,
            "resource_group_name": cloud.resource_group,
        }
        out.append(data(TYPE, _block(registry), body, source))
        if registry in workspace:
            out += pull_grants(
                workspace[registry],
                [
                    (
                        f"workspace_{_block(registry)}",
                        azure_workspace.PRINCIPAL,
                        "the Azure ML workspace",
                    )
                ],
                source,
            )
    return out
