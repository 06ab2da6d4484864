"""`serving.S.ingress` -> the object that routes an outside host to what serves S.

What serves S from outside the cluster is what the namespace's own clients call:
- KServe: the InferenceGraph router `S-graph` (kserve.py), which splits primary and canary.
  In Standard mode its Service `S-graph` (port 80 to the router's 8080; KServe v0.20
  inferencegraph/raw_ig.go creates no Ingress or HTTPRoute for a graph) is the backend of an
  Ingress or HTTPRoute. In Knative mode the graph is a Knative Service `S-graph`, reached
  through Knative's own ingress: a DomainMapping (serving.knative.dev/v1beta1, Knative v1.21,
  the Serving KServe v0.20 builds against) named for the host maps it there, with its TLS
  Secret and Knative ingress class. KServe's own per-InferenceService hosts (its domain
  template, inferenceservice-config `ingress`) stay as they are: they name each
  InferenceService, not the split, and are set cluster-wide, not per serving.
- Deployment runtimes (torchserve, tfserving, triton, mlflow): the Service `S` on the
  server's HTTP port.

Each Ingress or HTTPRoute is named for the Service it routes to (`S-graph`, or `S`): in
Standard mode KServe itself writes an Ingress or HTTPRoute named after each InferenceService
(reconcilers/ingress, `Name: isvc.Name`) for its domain-template host, and a route of ours
named `S` would be the same object, fought over by KServe and Argo CD.

`platform.kubernetes.ingress.api` picks Ingress (networking.k8s.io/v1) or Gateway API
HTTPRoute (gateway.networking.k8s.io/v1, checked against Gateway API v1.5.1, the release
KServe v0.20 builds against). The NetworkPolicy side (the proxy's namespace reaching the
routed pods) is network.py's, from `routed_port`.
"""

from __future__ import annotations

from typing import Any

from mlstack import names
from mlstack.plan import Plan
from mlstack.runtimes import kserve
from mlstack.spec.serving import KServeServing
from mlstack.targets.kubernetes import plain
from mlstack.targets.kubernetes.meta import Manifest, selector_labels

KNATIVE_INGRESS_CLASS = "networking.knative.dev/ingress.class"
"""Annotation a DomainMapping's ingress class is read from (knative.dev/networking
IngressClassAnnotationKey; domainmapping/reconciler.go falls back to config-network's
default class)."""
Routable = KServeServing | plain.PlainServing
"""Runtimes a host can be routed to (resolve/ingress.py refuses Seldon's; cloud servings have
no `ingress` field)."""


def backend(name: str, serving: Routable) -> tuple[str, int]:
    """(Service, port) a route of serving `name` forwards to."""
    if isinstance(serving, KServeServing):
        return names.kserve_graph(name), kserve.GRAPH_SERVICE_PORT
    return name, dict(plain.server_of(serving.runtime).ports)["http"]


def routed_port(serving: Routable) -> int:
    """The container port the proxy reaches on the routed pods."""
    if isinstance(serving, KServeServing):
        return kserve.SERVER_PORT
    return dict(plain.server_of(serving.runtime).ports)["http"]


def routed(plan: Plan) -> dict[str, Routable]:
    """Servings whose host an Ingress or HTTPRoute routes (not a Knative DomainMapping)."""
    knative = plan.spec.platform.kubernetes.kserve.knative
    return {
        name: serving
        for name, serving in plan.spec.serving.items()
        if isinstance(serving, Routable)
        and serving.ingress is not None
        and not (knative and isinstance(serving, KServeServing))
    }


def _domain_mapping(name: str, serving: KServeServing) -> Manifest:
    assert serving.ingress is not None
    graph = names.kserve_graph(name)
    spec: dict[str, Any] = {
        "ref": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": graph}
    }
    if serving.ingress.tls is not None:
        spec["tls"] = {"secretName": serving.ingress.tls}
    annotations = (
        {KNATIVE_INGRESS_CLASS: serving.ingress.class_name} if serving.ingress.class_name else {}
    )
    return Manifest(
        "serving.knative.dev/v1beta1",
        "DomainMapping",
        serving.ingress.host,
        {"spec": spec},
        ("serving", name, "ingress"),
        labels=selector_labels("serving", graph),
        annotations=annotations,
    )


def _ingress(plan: Plan, name: str, serving: Routable) -> Manifest:
    assert serving.ingress is not None
    service, port = backend(name, serving)
    path = {
        "path": "/",
        "pathType": "Prefix",
        "backend": {"service": {"name": service, "port": {"number": port}}},
    }
    spec: dict[str, Any] = {"rules": [{"host": serving.ingress.host, "http": {"paths": [path]}}]}
    if serving.ingress.class_name is not None:
        spec["ingressClassName"] = serving.ingress.class_name
    if serving.ingress.tls is not None:
        spec["tls"] = [{"hosts": [serving.ingress.host], "secretName": serving.ingress.tls}]
    return Manifest(
        "networking.k8s.io/v1",
        "Ingress",
        service,
        {"spec": spec},
        ("serving", name, "ingress"),
        labels={**serving.labels, **selector_labels("serving", name)},
    )


def _http_route(plan: Plan, name: str, serving: Routable) -> Manifest:
    assert serving.ingress is not None
    gateway = plan.spec.platform.kubernetes.ingress.gateway
    assert gateway is not None  # spec.ingress requires it with api: gateway
    service, port = backend(name, serving)
    rule: dict[str, Any] = {"backendRefs": [{"name": service, "port": port}]}
    timeout = serving.kserve.timeout if isinstance(serving, KServeServing) else None
    if timeout is not None:
        rule["timeouts"] = {"request": f"{timeout}s"}
    parent = {
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "name": gateway.name,
        "namespace": gateway.namespace,
    }
    return Manifest(
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        service,
        {"spec": {"parentRefs": [parent], "hostnames": [serving.ingress.host], "rules": [rule]}},
        ("serving", name, "ingress"),
        labels={**serving.labels, **selector_labels("serving", name)},
    )


def build(plan: Plan) -> list[Manifest]:
    out = []
    api = plan.spec.platform.kubernetes.ingress.api
    knative = plan.spec.platform.kubernetes.kserve.knative
    for name, serving in plan.spec.serving.items():
        if not isinstance(serving, Routable) or serving.ingress is None:
            continue
        if knative and isinstance(serving, KServeServing):
            out.append(_domain_mapping(name, serving))
        elif api == "gateway":
            out.append(_http_route(plan, name, serving))
        else:
            out.append(_ingress(plan, name, serving))
    return out
