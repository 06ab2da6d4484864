"""AcrPull for whoever pulls a serving's own image from an Azure Container Registry.

A private registry refuses a pull without a token, and neither Azure ML nor App Service gets
one for a registry the workspace or app was not given: the identity that pulls needs
"AcrPull" on that registry. The registry is the user's (mlstack.acr names it from the image's
login server; resolve says E0425 where the host does not), read by one
`data.azurerm_container_registry` per registry in `platform.cloud.resourceGroup`, so
`terraform plan` stops with its name when it is not there. Images on other registries are
pulled without an identity and get no grant."""

from __future__ import annotations

from mlstack import acr
from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.serving import AzureFunctionsServing, AzureMLServing
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
        out.append(resource("azurerm_role_assignment", f"{name}_acr_pull", body, source))
    return out


def build(plan: Plan) -> list[Block]:
    """The registries of every Azure serving image, once each (first serving as source)."""
    cloud = azure_cloud(plan)
    if cloud is None:
        return []
    found: dict[str, PathKey] = {}
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, AzureMLServing | AzureFunctionsServing) and serving.image:
            registry = acr.registry(serving.image)
            if registry is not None:
                found.setdefault(registry, ("serving", name, "image"))
    out = []
    for registry, source in sorted(found.items()):
        body: DataContainerRegistry = {
            "name": registry,
            "resource_group_name": cloud.resource_group,
        }
        out.append(data(TYPE, _block(registry), body, source))
    return out
