"""What a serving's pods carry from the spec (env, labels, annotations, tolerations, priority
class) and the stack's pull secrets, on the compiled objects of every in-cluster runtime, and
the real kustomize building them."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.targets import kubernetes
from tests.helpers import ROOT, check_text, kustomized, run_mlstack
from tests.tools import require_kubectl

EDGE = ROOT / "specs" / "edge-onprem" / "mlstack.yaml"

SELDON = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: shop}
platform:
  kubernetes: {imagePullSecrets: [regcred]}
models:
  m: {framework: sklearn, uri: "pvc://models/m/v1"}
serving:
  s:
    model: m
    runtime: seldon
    env: {WORKERS: "2"}
    labels: {team.acme.example/tier: gold}
    tolerations: [{key: dedicated, operator: Equal, value: ml, effect: NoSchedule}]
    priorityClassName: ml-critical
"""


def _objects(plan: Plan) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for artifact in kubernetes.compile_plan(plan):
        obj = yaml.safe_load(artifact.content)
        if artifact.path != "kubernetes/kustomization.yaml":
            out[obj["kind"], obj["metadata"]["name"]] = obj
    return out


@cache
def _edge() -> dict[tuple[str, str], dict[str, Any]]:
    (plan,) = check(EDGE).plans
    return _objects(plan)


def _pod_specs(obj: Any) -> list[dict[str, Any]]:
    """Every pod spec (anything with containers) inside an object."""
    if isinstance(obj, dict):
        found = [obj] if isinstance(obj.get("containers"), list) else []
        return found + [p for v in obj.values() for p in _pod_specs(v)]
    if isinstance(obj, list):
        return [p for v in obj for p in _pod_specs(v)]
    return []


def _env(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in entries}


def test_kserve_pods_carry_the_serving_settings() -> None:
    objects = _edge()
    isvc = objects["InferenceService", "defect-api"]
    predictor = isvc["spec"]["predictor"]
    assert _env(predictor["model"]["env"]) == {
        "LOG_LEVEL": "info",
        "PLANT_API_TOKEN": {"secretKeyRef": {"name": "plant-api", "key": "token"}},
    }
    assert predictor["priorityClassName"] == "ml-critical"
    keys = [t["key"] for t in predictor["tolerations"]]
    # The pool's taints first (GPU, then the pool's own), then the serving's own.
    assert keys == ["nvidia.com/gpu", "plant.acme.example/gpu", "plant.acme.example/line-side"]
    assert predictor["labels"]["plant.acme.example/line"] == "assembly-3"
    assert predictor["annotations"] == {"plant.acme.example/on-call": "vision-team"}
    assert isvc["metadata"]["labels"]["plant.acme.example/line"] == "assembly-3"
    # The selector labels stay mlstack's.
    assert predictor["labels"]["app.kubernetes.io/name"] == "defect-api"


def test_plain_runtime_pods_carry_the_serving_settings() -> None:
    objects = _edge()
    pod = objects["Deployment", "anomaly-api"]["spec"]["template"]["spec"]
    names = [e["name"] for e in pod["containers"][0]["env"]]
    # After mlstack's own variables, so the spec's value of a shared name is the one used.
    assert names[-1] == "TS_LOG_LEVEL"
    assert pod["priorityClassName"] == "ml-critical"
    untouched = objects["Deployment", "forecast-api"]["spec"]["template"]["spec"]
    assert "priorityClassName" not in untouched


def test_every_pod_pulls_with_the_stack_pull_secrets() -> None:
    """Each pod runs as a ServiceAccount mlstack generates, and each of those carries the
    pull secrets (the kubelet adds them to the pod): the InferenceGraph router included."""
    objects = _edge()
    accounts = {name for kind, name in objects if kind == "ServiceAccount"}
    for (kind, name), obj in objects.items():
        if kind == "ServiceAccount":
            assert obj["imagePullSecrets"] == [{"name": "harbor-pull"}], name
    graph = objects["InferenceGraph", "defect-api-graph"]
    assert graph["spec"]["serviceAccountName"] in accounts
    for (kind, name), obj in objects.items():
        for pod in _pod_specs(obj.get("spec")):
            account = pod.get("serviceAccountName")
            assert account in accounts, f"{kind}/{name} runs as {account}"


def test_seldon_server_pods_carry_the_serving_settings(tmp_path: Path) -> None:
    result = check_text(tmp_path, SELDON)
    assert result.ok, result.diagnostics
    objects = _objects(result.plans[0])
    server = objects["Server", "s"]
    pod = server["spec"]["podSpec"]
    assert pod["priorityClassName"] == "ml-critical"
    assert pod["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "ml", "effect": "NoSchedule"}
    ]
    assert _env(pod["containers"][0]["env"]) == {"WORKERS": "2"}
    assert server["metadata"]["labels"]["team.acme.example/tier"] == "gold"
    assert objects["ServiceAccount", "serve-s"]["imagePullSecrets"] == [{"name": "regcred"}]


def test_kustomize_builds_the_settings(tmp_path: Path) -> None:
    require_kubectl()
    compiled = run_mlstack("compile", str(EDGE), "-o", str(tmp_path / "out"), cache=tmp_path)
    assert compiled.returncode == 0, compiled.stderr
    objects = kustomized(tmp_path / "out" / "edge" / "default" / "kubernetes")
    assert objects["ServiceAccount", "serve-anomaly-api"]["imagePullSecrets"] == [
        {"name": "harbor-pull"}
    ]
