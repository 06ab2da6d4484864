"""A small NetworkPolicy evaluator, written from the Kubernetes API's semantics and nothing of
mlstack's: it reads emitted NetworkPolicy objects and answers whether one TCP/UDP connection
is allowed.

- A pod is isolated for a direction when any policy of its namespace selects it
  (`podSelector`) and lists that type in `policyTypes`; an unisolated direction allows all.
- An isolated direction allows a connection when any rule of any selecting policy of that
  type matches it: one of its peers (`from`/`to`; none = any peer) and one of its ports
  (none = any port).
- A peer is `ipBlock` (destination IP inside `cidr`, outside each `except`; it matches
  addresses, not pods), `namespaceSelector` and/or `podSelector` (both: the pod must match
  both; `podSelector` alone: pods of the policy's own namespace).
- A connection needs its source's egress and its destination's ingress; an endpoint outside
  the namespace under test is not isolated by these policies.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Endpoint:
    """A pod (namespace + labels) or an address outside the cluster (`ip`)."""

    namespace: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    ip: str | None = None


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values", [])
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
    return True


def _peer(peer: dict[str, Any], other: Endpoint, namespace: str) -> bool:
    if "ipBlock" in peer:
        if other.ip is None:
            return False
        address = ipaddress.ip_address(other.ip)
        block = peer["ipBlock"]
        if address not in ipaddress.ip_network(block["cidr"]):
            return False
        return not any(address in ipaddress.ip_network(e) for e in block.get("except", []))
    if other.namespace is None:
        return False
    if "namespaceSelector" in peer:
        ns_labels = {"kubernetes.io/metadata.name": other.namespace}
        if not _matches(peer["namespaceSelector"], ns_labels):
            return False
    elif other.namespace != namespace:
        return False
    return "podSelector" not in peer or _matches(peer["podSelector"], other.labels)


def _port(rule: dict[str, Any], port: int, protocol: str) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True
    return any(
        p.get("protocol", "TCP") == protocol and p.get("port") in (None, port) for p in ports
    )


def _side(
    policies: list[dict[str, Any]],
    pod: Endpoint,
    other: Endpoint,
    kind: str,
    port: int,
    protocol: str,
) -> bool:
    """Whether `pod`'s policies of type `kind` (Ingress/Egress) let `other` through."""
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == pod.namespace
        and _matches(p["spec"]["podSelector"], pod.labels)
        and kind in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not selecting:
        return True
    key, peers = ("ingress", "from") if kind == "Ingress" else ("egress", "to")
    for policy in selecting:
        for rule in policy["spec"].get(key, []):
            peer_list = rule.get(peers)
            peer_ok = not peer_list or any(
                _peer(p, other, policy["metadata"]["namespace"]) for p in peer_list
            )
            if peer_ok and _port(rule, port, protocol):
                return True
    return False


def allowed(
    policies: list[dict[str, Any]],
    source: Endpoint,
    destination: Endpoint,
    port: int,
    protocol: str = "TCP",
) -> bool:
    egress = source.ip is not None or _side(policies, source, destination, "Egress", port, protocol)
    ingress = destination.ip is not None or _side(
        policies, destination, source, "Ingress", port, protocol
    )
    return egress and ingress
