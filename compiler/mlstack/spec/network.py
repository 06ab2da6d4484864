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


def _storage_endpoint(value: str) -> str:
    """The URL every S3 client of the stack is pointed at: it must say http or https (boto3 and
    KServe differ on a bare host) and hold no credential (those come from storageSecret)."""
    try:
        url = urlsplit(value)
        port_ok = url.port is None or url.port > 0
    except ValueError:
        port_ok = False
        url = urlsplit("")
    if (
        url.scheme not in ("http", "https")
        or not url.hostname
        or not port_ok
        or url.username is not None
        or url.query
        or url.fragment
    ):
        raise PydanticCustomError(
            "E0119",
            "'{value}' is not an http(s) URL of a storage service",
            {
                "value": value if url.username is None else "********",
                "hint": "write scheme, host and port only, e.g. https://minio.storage.svc:9000; "
                "credentials belong in the storageSecret",
            },
        )
    return value


StorageEndpoint = Annotated[str, AfterValidator(_storage_endpoint)]


def endpoint_address(url: str) -> tuple[str, int]:
    """(host, port) of a storage endpoint; the scheme's port when the URL names none."""
    parts = urlsplit(url)
    assert parts.hostname is not None  # _storage_endpoint guarantees it
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
