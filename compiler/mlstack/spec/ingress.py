"""A host name for a serving, and how the cluster routes hosts to pods.

Two Kubernetes APIs route an outside host to a Service: Gateway API's HTTPRoute, attached to
a Gateway the platform team runs, and networking.k8s.io Ingress, read by the cluster's
ingress controller. Which one a cluster uses is a fact about the cluster, not about one
serving, so it is set once (`platform.kubernetes.ingress`) and each serving says only its
host (`serving.S.ingress`). KServe servings in Knative mode use neither: Knative's own
DomainMapping maps the host (targets/kubernetes/routes.py, docs/choices.md).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from mlstack.spec.base import SpecModel
from mlstack.spec.types import Name, SecretName

_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"{_LABEL}(\.{_LABEL})+")


def _host(value: str) -> str:
    if len(value) > 253 or not _HOST.fullmatch(value):
        bare = re.sub(r"^[a-z]+://|[:/].*$", "", value.lower())
        raise PydanticCustomError(
            "E0122",
            "'{value}' is not a host name (lowercase DNS labels joined by dots)",
            {
                "value": value,
                "hint": f"write the host alone, without scheme, port or path: '{bare}'"
                if bare and bare != value
                else "for example fraud.ml.acme.example",
            },
        )
    return value


Host = Annotated[
    str,
    AfterValidator(_host),
    Field(json_schema_extra={"pattern": f"^{_HOST.pattern}$", "maxLength": 253}),
]
"""A fully qualified host name, no wildcard: fraud.ml.acme.example."""

ClassName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]


class ServingIngress(SpecModel):
    """The host clients outside the cluster call this serving at."""

    host: Host
    """The host, e.g. fraud.ml.acme.example; its DNS record points at the cluster's gateway
    or ingress controller (outside the stack)."""
    class_name: ClassName | None = None
    """The IngressClass (`api: ingress`) or Knative ingress class (KServe in Knative mode)
    that serves the host; default: the cluster's default class. Gateway API routes attach to
    `platform.kubernetes.ingress.gateway` instead."""
    tls: SecretName | None = None
    """A kubernetes.io/tls Secret in the namespace holding the host's certificate (a
    reference; mlstack assumes no cert-manager). With `api: gateway` TLS ends at the
    Gateway's listener, which holds the certificate."""


class GatewayRef(SpecModel):
    """An existing Gateway that every HTTPRoute of the stack attaches to."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    """The Gateway's name."""
    namespace: Name
    """The Gateway's namespace; its listener must allow routes from the stack's namespace
    (`allowedRoutes.namespaces`)."""


class IngressSettings(SpecModel):
    """How the cluster routes outside hosts to in-cluster servings."""

    api: Literal["ingress", "gateway"] = "ingress"
    """ingress: a networking.k8s.io/v1 Ingress per serving with a host, read by the
    cluster's ingress controller (its default IngressClass unless the serving names one);
    gateway: a Gateway API HTTPRoute (gateway.networking.k8s.io/v1) attached to `gateway`."""
    gateway: GatewayRef | None = None
    """The Gateway HTTPRoutes attach to (required with api: gateway)."""
    controller_namespace: Name | None = None
    """Namespace of the proxy pods that forward to the servings, which the NetworkPolicies
    admit: default the Gateway's namespace (api: gateway; Istio and most implementations run
    a Gateway's pods beside it) or istio-system (api: ingress). Envoy Gateway runs them in
    envoy-gateway-system, ingress-nginx in ingress-nginx."""

    @model_validator(mode="after")
    def _gateway_named(self) -> Self:
        if self.api == "gateway" and self.gateway is None:
            raise PydanticCustomError(
                "E0123",
                "api: gateway needs the Gateway the routes attach to",
                {
                    "at": "api",
                    "hint": "add gateway: {name: GATEWAY, namespace: NAMESPACE}, or use "
                    "api: ingress",
                },
            )
        if self.api == "ingress" and self.gateway is not None:
            raise PydanticCustomError(
                "E0114",
                "'gateway' is read only with api: gateway",
                {"at": "gateway", "hint": "remove gateway, or set api: gateway"},
            )
        return self

    @property
    def proxy_namespace(self) -> str:
        """Where the pods that forward a routed host run (see `controller_namespace`)."""
        if self.controller_namespace is not None:
            return self.controller_namespace
        return self.gateway.namespace if self.gateway is not None else "istio-system"
