"""Which Azure Container Registry an image reference names, read by resolve (E0425) and by the
Azure targets (the AcrPull grant) alike, so the two cannot disagree.

A registry's login server is `NAME.azurecr.io` (`.azurecr.cn`, `.azurecr.us` in the sovereign
clouds), NAME being the registry's resource name: 5-50 letters and digits. That name, in the
stack's resource group (`platform.cloud.resourceGroup`, where the spec's other existing Azure
resources live too), is what `data.azurerm_container_registry` reads. Other hosts
with an ACR suffix (a domain-name-label login server `NAME-HASH.azurecr.io`, a regional
data endpoint) do not carry the resource name alone, so mlstack cannot find the registry to
grant on; an image on any other registry is pulled without an Azure identity."""

from __future__ import annotations

import re

SUFFIXES = (".azurecr.io", ".azurecr.cn", ".azurecr.us")
_NAME = re.compile(r"[a-zA-Z0-9]{5,50}")


def host(image: str) -> str | None:
    """The registry host of an image reference (`None`: Docker Hub, no host written)."""
    head, slash, _ = image.partition("/")
    if slash and ("." in head or ":" in head or head == "localhost"):
        return head.lower()
    return None


def is_acr(image: str) -> bool:
    """Whether the image is in an Azure Container Registry (its host has an ACR suffix)."""
    server = host(image)
    return server is not None and server.endswith(SUFFIXES)


def registry(image: str) -> str | None:
    """The registry resource name of an ACR image, when the login server says it; `None`
    for images elsewhere and for ACR hosts that do not (E0425)."""
    server = host(image)
    suffix = next((s for s in SUFFIXES if server and server.endswith(s)), None)
    if server is None or suffix is None:
        return None
    name = server.removesuffix(suffix)
    return name if _NAME.fullmatch(name) else None
