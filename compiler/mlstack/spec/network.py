"""`platform.kubernetes.network` and `storageEndpoint`: what the namespace's NetworkPolicies
cannot derive from the rest of the spec.

mlstack opens every flow the stack itself needs (targets/kubernetes/network.py). What lies
outside the spec (a historian database a pipeline step reads, a client namespace that calls a
serving directly) is declared here, per environment through overlays. A peer is an IP block
or a namespace, never "anything": a rule that opens the namespace to the world must say
`0.0.0.0/0` in a reviewed commit.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Discriminator, Field, Tag
from pydantic_core import PydanticCustomError

from mlstack.spec.base import SpecModel
from mlstack.spec.types import Name


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise PydanticCustomError(
            "E0118",
            "'{value}' is not a CIDR block",
            {
                "value": value,
                "hint": "write an address block such as 10.20.0.0/16 (host bits zero), "
                "or {namespace: NAME} for pods of another namespace",
            },
        ) from None
    if "/" not in value:
        raise PydanticCustomError(
            "E0118",
            "'{value}' is an address without a prefix length",
            {"value": value, "hint": f"write {network.with_prefixlen} for this address alone"},
        )
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]
Port = Annotated[int, Field(ge=1, le=65535)]


class NamespacePeer(SpecModel):
    """Every pod of another namespace (matched by its `kubernetes.io/metadata.name`)."""

    namespace: Name
    """The namespace's name."""


def _peer_kind(value: Any) -> str:
    """A mapping is a namespace, anything else a CIDR: one mistake, one diagnostic."""
    return "namespace" if isinstance(value, dict | NamespacePeer) else "cidr"


Peer = Annotated[
    Annotated[Cidr, Tag("cidr")] | Annotated[NamespacePeer, Tag("namespace")],
    Discriminator(_peer_kind),
]


class EgressRule(SpecModel):
    """Pods of this stack may open connections to `to` on `ports` (TCP)."""

    to: Peer
    """An IP block (`10.20.0.0/16`) or `{namespace: NAME}`."""
    ports: Annotated[list[Port], Field(min_length=1)]
    """TCP ports, 1 to 65535."""


class IngressRule(SpecModel):
    """`from` may open connections to the stack's pods on `ports` (TCP)."""

    from_: Peer = Field(alias="from")
    """An IP block (`10.0.0.0/8`) or `{namespace: NAME}`."""
    ports: Annotated[list[Port], Field(min_length=1)]
    """TCP ports, 1 to 65535."""


class Network(SpecModel):
    """Flows beyond what mlstack derives from the spec; each applies to every pod of the
    namespace (the ports keep it narrow)."""

    egress: list[EgressRule] = []
    """Extra outgoing flows, e.g. `{to: 10.20.0.0/16, ports: [5432]}`."""
    ingress: list[IngressRule] = []
    """Extra incoming flows, e.g. `{from: {namespace: payments}, ports: [8080]}`."""


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        parts = parts._replace(scheme="")
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/"):
        raise PydanticCustomError(
            "E0110",
            "'{value}' is not an https URL of a storage endpoint",
            {
                "value": value,
                "hint": "write https://HOST[:PORT], e.g. https://minio.storage.svc:9000",
            },
        )
    return value


StorageEndpoint = Annotated[str, AfterValidator(_https_url)]


def endpoint_address(url: str) -> tuple[str, int]:
    """(host, port) of a storage endpoint; 443 when the URL names none."""
    parts = urlsplit(url)
    assert parts.hostname is not None  # _https_url guarantees it
    return parts.hostname, parts.port or 443
