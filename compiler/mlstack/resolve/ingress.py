"""Can each serving's `ingress` be routed the way the cluster routes hosts
(`platform.kubernetes.ingress`), and does every host lead to one serving only.

Checked here because each answer needs two parts of the stack at once (a serving's runtime,
the cluster's routing API, the other servings): a field the route cannot carry would
otherwise deploy a host without its certificate or on another controller, and two routes
for one host make the controller pick one of them without saying so.
"""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.serving import InClusterServing, KServeServing, SeldonServing


def knative_mapped(ctx: Context, serving: InClusterServing) -> bool:
    """A KServe serving in Knative mode: its host is a Knative DomainMapping, which takes a
    class and a certificate of its own, whatever `platform.kubernetes.ingress` says."""
    return isinstance(serving, KServeServing) and ctx.stack.platform.kubernetes.kserve.knative


def check(ctx: Context) -> None:
    settings = ctx.stack.platform.kubernetes.ingress
    hosts: dict[str, str] = {}
    for name, serving in enabled(ctx.stack.serving).items():
        if not isinstance(serving, InClusterServing) or serving.ingress is None:
            continue
        path: PathKey = ("serving", name, "ingress")
        if isinstance(serving, SeldonServing):
            ctx.error(
                "E0725",
                f"serving '{name}' runs on Seldon, whose models are reached through Seldon's "
                "own envoy by the `seldon-model` header, not by a host of their own",
                path,
                "remove ingress and route the host to the seldon-mesh Service with a patch, "
                "or serve the model with kserve",
                key=True,
            )
            continue
        host = serving.ingress.host
        if host in hosts:
            ctx.error(
                "E0727",
                f"serving '{name}' and serving '{hosts[host]}' both take host '{host}'",
                (*path, "host"),
                "give each serving a host of its own (the controller would pick one route "
                "and drop the other)",
            )
        hosts.setdefault(host, name)
        if settings.api != "gateway" or knative_mapped(ctx, serving):
            continue
        for field, key, why in (
            ("class_name", "className", "a route attaches to its Gateway, not to a class"),
            ("tls", "tls", "TLS ends at the Gateway's listener, which holds the certificate"),
        ):
            if getattr(serving.ingress, field) is not None:
                ctx.error(
                    "E0726",
                    f"serving '{name}' sets ingress.{key}, which an HTTPRoute cannot carry: "
                    f"{why} (platform.kubernetes.ingress.api: gateway)",
                    (*path, key),
                    f"remove {key} and set it on Gateway '{settings.gateway.name}'"
                    if settings.gateway is not None
                    else f"remove {key}",
                    key=True,
                )
