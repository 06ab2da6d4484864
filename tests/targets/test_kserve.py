"""KServe: the primary InferenceService always serves `serving.model`, a canary is an
InferenceService of its own, and the InferenceGraph in front splits 100 - traffic / traffic
between them, so both models run from the first sync on, in a fresh namespace too."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from mlstack.plan import Plan
from mlstack.targets.kubernetes import kserve, monitoring, namespace, network
from mlstack.targets.kubernetes.meta import full_object
from tests.helpers import check_text
from tests.targets.netpol import Endpoint, allowed
from tests.targets.schemas import CRDS, problems

needs_kit = pytest.mark.skipif(not CRDS.exists(), reason="the shared schema kit is missing")


def stack(
    mode: str, canary: str = "    canary: {model: churn-next, traffic: 10}\n", kserve: str = "0.20"
) -> str:
    return f"""\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {{name: shop}}
platform:
  kubernetes:
    kserve: {{deploymentMode: {mode}}}
    versions: {{kserve: "{kserve}"}}
  cloud: {{provider: aws, region: us-east-1, account: "210987654321", cluster: shared}}
monitoring:
  prometheus: {{interval: 30s}}
models:
  churn:
    framework: xgboost
    uri: s3://models/churn/v4
  churn-next:
    framework: xgboost
    uri: s3://models/churn/v5
serving:
  churn-api:
    model: churn
    runtime: kserve
    replicas: {{min: 2, max: 5}}
{canary}"""


MODES = ("Serverless", "RawDeployment")
RENAMED = {"Serverless": "Knative", "RawDeployment": "Standard"}
"""KServe v0.16's names of the two modes, which the default version (0.20) is written with."""


def _plan(tmp_path: Path, text: str) -> Plan:
    checked = check_text(tmp_path, text)
    assert [d.message for d in checked.diagnostics if d.is_error] == []
    return checked.plans[0]


def _objects(plan: Plan) -> dict[tuple[str, str], dict[str, Any]]:
    return {(m.kind, m.name): full_object(plan, m) for m in kserve.build(plan)}


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    exact = all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())
    exists = all(e["key"] in labels for e in selector.get("matchExpressions", []))
    return exact and exists


@pytest.mark.parametrize("mode", MODES)
def test_a_fresh_namespace_runs_both_models_split_by_the_graph(tmp_path: Path, mode: str) -> None:
    """Nothing relies on a revision rolled out before: each InferenceService names its own
    model and the graph's weights alone decide the split."""
    objects = _objects(_plan(tmp_path, stack(mode)))
    primary = objects[("InferenceService", "churn-api")]["spec"]["predictor"]
    canary = objects[("InferenceService", "churn-api-canary")]["spec"]["predictor"]
    assert primary["model"]["storageUri"] == "s3://models/churn/v4"
    assert canary["model"]["storageUri"] == "s3://models/churn/v5"
    assert "canaryTrafficPercent" not in primary and "canaryTrafficPercent" not in canary
    graph = objects[("InferenceGraph", "churn-api-graph")]
    root = graph["spec"]["nodes"]["root"]
    assert root["routerType"] == "Splitter"
    weights = {step["serviceName"]: step["weight"] for step in root["steps"]}
    assert weights == {"churn-api": 90, "churn-api-canary": 10}
    isvcs = {name for kind, name in objects if kind == "InferenceService"}
    assert set(weights) == isvcs, "the graph routes to exactly the InferenceServices compiled"
    assert graph["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == RENAMED[mode]


@pytest.mark.parametrize("mode", MODES)
def test_the_mode_annotation_is_named_as_the_declared_kserve_expects(
    tmp_path: Path, mode: str
) -> None:
    """From v0.16 KServe's webhook compares the annotation with the normalized mode in status,
    so an old name blocks every update; before v0.16 the new names are unknown. Either
    spelling in the spec compiles to the same objects."""
    key = "serving.kserve.io/deploymentMode"
    for version, expected in (("0.15", mode), ("0.16", RENAMED[mode]), ("0.20", RENAMED[mode])):
        spellings = [mode] if version == "0.15" else [mode, RENAMED[mode]]
        compiled = [_objects(_plan(tmp_path, stack(m, kserve=version))) for m in spellings]
        assert all(c == compiled[0] for c in compiled)
        annotations = {
            o["metadata"]["annotations"][key]
            for (kind, _), o in compiled[0].items()
            if kind != "NetworkPolicy"
        }
        assert annotations == {expected}, version


@pytest.mark.parametrize("mode", ["Knative", "Standard"])
def test_a_new_mode_name_on_kserve_before_0_16_is_refused(tmp_path: Path, mode: str) -> None:
    checked = check_text(tmp_path, stack(mode, kserve="0.15"))
    (error,) = [d for d in checked.diagnostics if d.is_error]
    assert error.code == "E0716" and "0.16" in (error.hint or "")


def test_adding_a_canary_leaves_the_primary_and_the_entry_point_alone(tmp_path: Path) -> None:
    before = _objects(_plan(tmp_path, stack("Serverless", canary="")))
    after = _objects(_plan(tmp_path, stack("Serverless")))
    assert before[("InferenceService", "churn-api")] == after[("InferenceService", "churn-api")]
    steps = before[("InferenceGraph", "churn-api-graph")]["spec"]["nodes"]["root"]["steps"]
    assert steps == [{"name": "primary", "serviceName": "churn-api", "weight": 100}]
    assert set(after) - set(before) == {("InferenceService", "churn-api-canary")}


@pytest.mark.parametrize("mode", MODES)
def test_both_inference_services_share_identity_and_monitoring(tmp_path: Path, mode: str) -> None:
    plan = _plan(tmp_path, stack(mode))
    objects = _objects(plan)
    account = plan.workload("serve", "churn-api").service_account
    (monitor,) = monitoring.build(plan)
    selector = monitor.body["spec"]["selector"]
    for name in ("churn-api", "churn-api-canary"):
        predictor = objects[("InferenceService", name)]["spec"]["predictor"]
        assert predictor["serviceAccountName"] == account
        assert _matches(selector, predictor["labels"]), f"the PodMonitor misses {name}"
    router_labels = {
        **objects[("InferenceGraph", "churn-api-graph")]["metadata"]["labels"],
        kserve.GRAPH_LABEL: "churn-api-graph",
    }
    assert not _matches(selector, router_labels), "the router's requests would count twice"


@pytest.mark.parametrize("mode", MODES)
def test_the_router_is_reachable_and_reaches_both(tmp_path: Path, mode: str) -> None:
    """Router pods carry the graph's labels plus KServe's graph label (raw_ig.go,
    knative_reconciler.go); the emitted NetworkPolicies, evaluated as a cluster would, let the
    gateway reach the router and the router reach both InferenceServices."""
    plan = _plan(tmp_path, stack(mode))
    objects = _objects(plan)
    graph = objects[("InferenceGraph", "churn-api-graph")]["metadata"]
    router = Endpoint(plan.namespace, {**graph["labels"], kserve.GRAPH_LABEL: "churn-api-graph"})
    policies = [
        full_object(plan, m)
        for m in [*network.build(plan), *kserve.build(plan)]
        if m.kind == "NetworkPolicy"
    ]
    gateway = Endpoint("istio-system", {"app": "istio-ingressgateway"})
    port = 8012 if mode == "Serverless" else 8080  # Knative's queue-proxy, or the router
    assert allowed(policies, gateway, router, port), "gateways could not reach the router"
    if mode == "Serverless":
        # The InferenceServices' addresses are the Knative cluster-local gateway's.
        local_gateway = Endpoint("istio-system", {"app": "cluster-local-gateway"})
        assert allowed(policies, router, local_gateway, 8081)
    else:
        assert not any(p["metadata"]["name"] == "allow-graph-router-egress" for p in policies)
        for isvc in ("churn-api", "churn-api-canary"):
            labels = objects[("InferenceService", isvc)]["spec"]["predictor"]["labels"]
            assert allowed(policies, router, Endpoint(plan.namespace, labels), 8080), isvc
    assert not allowed(policies, router, Endpoint(ip="203.0.113.9"), 25)


def test_the_quota_holds_both_models_and_the_router(tmp_path: Path) -> None:
    """RawDeployment at max replicas: both InferenceServices, each surging one CPU pod, and
    the router with one surge pod of its own (quota.py), plus the quarter of headroom."""

    def hard(canary: bool) -> dict[str, str]:
        plan = _plan(tmp_path, stack("RawDeployment", **({} if canary else {"canary": ""})))
        (manifest,) = [m for m in namespace.build(plan) if m.kind == "ResourceQuota"]
        return dict(manifest.body["spec"]["hard"])

    with_canary, without = hard(True), hard(False)
    # 5 replicas of 500m per model (+1 surge each, x2 with the canary), 5+1 routers of 250m.
    assert with_canary["requests.cpu"] == str(math.ceil(((5 + 1) * 0.5 * 2 + 6 * 0.25) * 1.25))
    assert without["requests.cpu"] == str(math.ceil(((5 + 1) * 0.5 + 6 * 0.25) * 1.25))


@needs_kit
@pytest.mark.parametrize("mode", MODES)
def test_every_object_is_valid_against_the_crds(tmp_path: Path, mode: str) -> None:
    plan = _plan(tmp_path, stack(mode))
    kinds = set()
    for manifest in kserve.build(plan):
        kinds.add(manifest.kind)
        assert problems(full_object(plan, manifest), "1.33") == [], manifest.file_name
    assert {"InferenceService", "InferenceGraph"} <= kinds


@needs_kit
def test_the_graph_schema_is_really_applied(tmp_path: Path) -> None:
    """Negative control: a misspelled router type fails the CRD."""
    graph = _objects(_plan(tmp_path, stack("Serverless")))[("InferenceGraph", "churn-api-graph")]
    graph["spec"]["nodes"]["root"]["routerType"] = "Split"
    assert problems(graph, "1.33")


def test_a_serving_named_like_a_canary_collides(tmp_path: Path) -> None:
    text = stack("Serverless") + ("  churn-api-canary:\n    model: churn\n    runtime: kserve\n")
    checked = check_text(tmp_path, text)
    assert [d.code for d in checked.diagnostics if d.is_error] == ["E0710"]
