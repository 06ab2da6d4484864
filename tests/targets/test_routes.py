"""`serving.S.ingress` and `serving.S.kserve` judged on the emitted objects of specs/:

- a host leads to what serves the serving: the route's backend is the InferenceGraph that
  splits primary and canary (KServe) or the Service that selects the serving's pods, on a
  port they serve; a Knative-mode host is a DomainMapping named for it, to the graph;
- the gateway or ingress controller's pods may reach the routed pods, judged by the
  NetworkPolicy evaluator (tests/targets/netpol.py), and nobody else's may;
- the request logger's URL is reachable from the predictor pods;
- the predictor settings land on both InferenceServices and the graph.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.serving import InClusterServing, KServeServing
from mlstack.targets.kubernetes import compile_plan
from tests.helpers import SPECS, check_text, codes
from tests.targets.netpol import Endpoint, allowed

GRAPH_LABEL = "serving.kserve.io/inferencegraph"
ROUTER_PORT = 8080
QUEUE_PROXY = 8012


@cache
def _plans() -> list[Plan]:
    return [plan for path in SPECS for plan in check(path).plans]


@cache
def _objects(index: int) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for artifact in compile_plan(_plans()[index]):
        if not artifact.path.endswith("kustomization.yaml"):
            obj = yaml.safe_load(artifact.content)
            out[obj["kind"], obj["metadata"]["name"]] = obj
    return out


def _routed(plan: Plan) -> dict[str, InClusterServing]:
    return {
        name: s
        for name, s in plan.spec.serving.items()
        if isinstance(s, InClusterServing) and s.ingress is not None
    }


ROUTED = [
    (i, name) for i, plan in enumerate(_plans()) for name in _routed(plan)
]  # every environment's every serving with a host
IDS = [f"{_plans()[i].stack}-{_plans()[i].environment}-{name}" for i, name in ROUTED]


def test_the_examples_route_hosts_in_every_way() -> None:
    kinds = {k for i, _ in ROUTED for k, _ in _objects(i) if k in ("HTTPRoute", "Ingress")}
    kinds |= {k for i, _ in ROUTED for k, _ in _objects(i) if k == "DomainMapping"}
    assert kinds == {"HTTPRoute", "Ingress", "DomainMapping"}


def _route(objects: dict[tuple[str, str], Any], host: str) -> tuple[str, dict[str, Any]]:
    """The one object that claims `host`."""
    found = [
        (kind, obj)
        for (kind, _), obj in objects.items()
        if (kind == "HTTPRoute" and host in obj["spec"]["hostnames"])
        or (kind == "Ingress" and any(r["host"] == host for r in obj["spec"]["rules"]))
        or (kind == "DomainMapping" and obj["metadata"]["name"] == host)
    ]
    assert len(found) == 1, found
    return found[0]


def _backend(kind: str, obj: dict[str, Any]) -> tuple[str, int | None]:
    if kind == "HTTPRoute":
        (rule,) = obj["spec"]["rules"]
        (ref,) = rule["backendRefs"]
        return ref["name"], ref["port"]
    if kind == "Ingress":
        (rule,) = obj["spec"]["rules"]
        (path,) = rule["http"]["paths"]
        service = path["backend"]["service"]
        return service["name"], service["port"]["number"]
    ref = obj["spec"]["ref"]
    assert (ref["apiVersion"], ref["kind"]) == ("serving.knative.dev/v1", "Service")
    return ref["name"], None


def _routed_pods(
    plan: Plan, objects: dict[tuple[str, str], Any], name: str, serving: InClusterServing
) -> tuple[Endpoint, int]:
    """The pods the host's traffic lands on first, and the port they serve it on, followed
    from the route through the emitted objects (KServe's router Service: port 80 to 8080)."""
    assert serving.ingress is not None
    kind, route = _route(objects, serving.ingress.host)
    service, port = _backend(kind, route)
    if isinstance(serving, KServeServing):
        graph = objects["InferenceGraph", service]
        steps = graph["spec"]["nodes"]["root"]["steps"]
        weights = {s["serviceName"]: s["weight"] for s in steps}
        canary = serving.canary
        expected = {name: 100 - canary.traffic if canary else 100}
        if canary is not None:
            expected[f"{name}-canary"] = canary.traffic
        assert weights == expected
        assert all(("InferenceService", isvc) in objects for isvc in weights)
        assert port in (None, 80)
        labels = {**graph["metadata"]["labels"], GRAPH_LABEL: service}
        knative = plan.spec.platform.kubernetes.kserve.knative
        return Endpoint(plan.namespace, labels), QUEUE_PROXY if knative else ROUTER_PORT
    svc = objects["Service", service]
    (svc_port,) = [p for p in svc["spec"]["ports"] if p["port"] == port]
    pods = objects["Deployment", service]["spec"]["template"]
    selector = svc["spec"]["selector"]
    assert selector.items() <= pods["metadata"]["labels"].items()
    (container_port,) = [
        p["containerPort"]
        for c in pods["spec"]["containers"]
        for p in c.get("ports", [])
        if p["name"] == svc_port["targetPort"]
    ]
    assert pods["metadata"]["labels"]["app.kubernetes.io/name"] == name
    return Endpoint(plan.namespace, pods["metadata"]["labels"]), container_port


@pytest.mark.parametrize(("index", "name"), ROUTED, ids=IDS)
def test_the_host_reaches_what_serves_the_serving(index: int, name: str) -> None:
    plan, objects = _plans()[index], _objects(index)
    serving = _routed(plan)[name]
    assert serving.ingress is not None
    kind, route = _route(objects, serving.ingress.host)
    if isinstance(serving, KServeServing) and kind != "DomainMapping":
        # KServe names its own per-InferenceService Ingress / HTTPRoute `S` in Standard mode.
        assert route["metadata"]["name"] == f"{name}-graph"
    settings = plan.spec.platform.kubernetes.ingress
    if kind == "HTTPRoute":
        assert settings.gateway is not None
        (parent,) = route["spec"]["parentRefs"]
        assert (parent["name"], parent["namespace"]) == (
            settings.gateway.name,
            settings.gateway.namespace,
        )
    if kind == "Ingress" and serving.ingress.tls:
        assert route["spec"]["tls"] == [
            {"hosts": [serving.ingress.host], "secretName": serving.ingress.tls}
        ]
    if kind == "DomainMapping" and serving.ingress.tls:
        assert route["spec"]["tls"] == {"secretName": serving.ingress.tls}
    _routed_pods(plan, objects, name, serving)


def _proxy(plan: Plan, kind: str) -> Endpoint:
    """A pod of whatever forwards the host: Knative's gateway for a DomainMapping, else the
    platform's gateway or ingress controller."""
    if kind == "DomainMapping":
        return Endpoint("istio-system", {"app": "istio-ingressgateway"})
    return Endpoint(plan.spec.platform.kubernetes.ingress.proxy_namespace, {"app": "proxy"})


@pytest.mark.parametrize(("index", "name"), ROUTED, ids=IDS)
def test_the_policies_admit_the_proxy_and_nobody_else(index: int, name: str) -> None:
    plan, objects = _plans()[index], _objects(index)
    serving = _routed(plan)[name]
    assert serving.ingress is not None
    kind, _ = _route(objects, serving.ingress.host)
    pod, port = _routed_pods(plan, objects, name, serving)
    policies = [o for (k, _), o in objects.items() if k == "NetworkPolicy"]
    assert allowed(policies, _proxy(plan, kind), pod, port)
    assert not allowed(policies, Endpoint("intruder", {"app": "proxy"}), pod, port)


def test_the_check_notices_a_proxy_left_out() -> None:
    """Mutation: without the rule for the Gateway's namespace, edge's routes are unreachable."""
    index = next(i for i, p in enumerate(_plans()) if p.stack == "edge")
    plan, objects = _plans()[index], _objects(index)
    serving = _routed(plan)["defect-api"]
    pod, port = _routed_pods(plan, objects, "defect-api", serving)
    gateway_ns = plan.spec.platform.kubernetes.ingress.proxy_namespace
    assert gateway_ns != "istio-system"  # the example exercises the added rule

    def without_gateway(policy: dict[str, Any]) -> dict[str, Any]:
        rules = [
            r for r in policy["spec"].get("ingress", []) if gateway_ns not in str(r.get("from", []))
        ]
        return {**policy, "spec": {**policy["spec"], "ingress": rules}}

    policies = [without_gateway(o) for (k, _), o in objects.items() if k == "NetworkPolicy"]
    assert not allowed(policies, _proxy(plan, "HTTPRoute"), pod, port)


def test_the_request_logger_is_reachable_and_only_from_its_serving() -> None:
    index = next(i for i, p in enumerate(_plans()) if p.stack == "edge")
    plan, objects = _plans()[index], _objects(index)
    policies = [o for (k, _), o in objects.items() if k == "NetworkPolicy"]
    isvc = objects["InferenceService", "defect-api"]["spec"]["predictor"]
    assert isvc["logger"] == {
        "mode": "response",
        "url": "http://inference-log.plant-logs.svc.cluster.local/",
    }
    predictor = Endpoint(plan.namespace, isvc["labels"])
    sink = Endpoint("plant-logs", {"app": "inference-log"})
    assert allowed(policies, predictor, sink, 80)
    other = objects["Deployment", "anomaly-api"]["spec"]["template"]["metadata"]["labels"]
    assert not allowed(policies, Endpoint(plan.namespace, other), sink, 80)


def test_predictor_settings_land_on_both_inference_services_and_the_graph() -> None:
    edge = _objects(next(i for i, p in enumerate(_plans()) if p.stack == "edge"))
    predictor = edge["InferenceService", "defect-api"]["spec"]["predictor"]
    assert predictor["timeout"] == 20
    assert predictor["batcher"] == {"maxBatchSize": 8, "maxLatency": 50}
    model = predictor["model"]
    assert (model["runtime"], model["runtimeVersion"], model["protocolVersion"]) == (
        "kserve-tritonserver",
        "25.01-py3",
        "v2",
    )
    assert edge["InferenceGraph", "defect-api-graph"]["spec"]["timeout"] == 20
    route = edge["HTTPRoute", "defect-api-graph"]
    assert route["spec"]["rules"][0]["timeouts"] == {"request": "20s"}
    recsys = _objects(next(i for i, p in enumerate(_plans()) if p.stack == "recsys"))
    for isvc in ("candidates", "candidates-canary"):
        assert recsys["InferenceService", isvc]["spec"]["predictor"]["timeout"] == 5
    assert recsys["InferenceGraph", "candidates-graph"]["spec"]["timeout"] == 5


STACK = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: shop}
models:
  m: {framework: sklearn, uri: "pvc://models/m/v1"}
  t: {framework: pytorch, uri: "pvc://models/t/v1"}
serving:
  a: {model: m, runtime: kserve, ingress: {host: shop.acme.example}}
  b: {model: t, runtime: torchserve, ingress: {host: shop.acme.example}}
"""


def test_one_host_leads_to_one_serving(tmp_path: Path) -> None:
    assert codes(check_text(tmp_path, STACK).diagnostics) == ["E0727"]


def test_a_builtin_runtime_is_checked_against_the_canary_model_too(tmp_path: Path) -> None:
    text = (
        STACK.replace("ingress: {host: shop.acme.example}", "")
        .replace("  t: {", "  x: {framework: xgboost, uri: 'pvc://models/x/v1'}\n  t: {")
        .replace(
            "a: {model: m, runtime: kserve, ",
            "a: {model: m, runtime: kserve, canary: {model: x, traffic: 10}, "
            "kserve: {runtime: kserve-sklearnserver}, ",
        )
    )
    assert codes(check_text(tmp_path, text).diagnostics) == ["E0729"]


def test_a_drift_check_of_a_logged_serving_says_where_its_requests_go(tmp_path: Path) -> None:
    text = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: shop}
models:
  m: {framework: sklearn, uri: "pvc://models/m/v1"}
serving:
  a: {model: m, runtime: kserve, kserve: {logger: {url: "http://sink.logs.svc/"}}}
monitoring:
  drift:
    a: {reference: "pvc://models/m/reference.parquet", schedule: "@daily", threshold: 0.3}
"""
    (warning,) = check_text(tmp_path, text).diagnostics
    assert warning.code == "W0713"
    assert "logger posts its requests to http://sink.logs.svc/" in warning.message
