"""What a cluster does with the namespace's guard rails, judged from the EMITTED objects of
every stack in specs/ and never from the compiler's own derivation:

- NetworkPolicies: the flows each stack needs (derived here from its spec) are allowed by an
  independent evaluator (tests/targets/netpol.py), and flows nobody needs are denied;
- ResourceQuota: it holds every pod the emitted workloads can run at once at their maximum
  scale in the middle of a rollout (surge read from the emitted strategies), so no rollout is
  refused; leaving a workload out of the quota fails the check.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.network import NamespacePeer
from mlstack.spec.serving import KServeServing, SeldonServing
from mlstack.spec.types import quantity_value
from mlstack.targets.kubernetes import compile_plan, quota
from tests.helpers import SPECS, check_text
from tests.targets.netpol import Endpoint, allowed

ARBITRARY_IP = "198.51.100.7"
CLOUD_STORAGE_IP = "52.216.1.10"
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"
SERVING_PORT = {"torchserve": 8080, "tfserving": 8501, "triton": 8000, "mlflow": 8080}
METRICS_PORT = {"torchserve": 8082, "tfserving": 8501, "triton": 8002, "mlflow": 8082}
KSERVE_RAW_METRICS = {"onnx": 8002, "triton": 8002, "pytorch": 8082, "mlflow": 8082}


@cache
def _plans() -> list[Plan]:
    return [plan for path in SPECS for plan in check(path).plans]


@cache
def _emitted(index: int) -> tuple[dict[str, Any], ...]:
    plan = _plans()[index]
    return tuple(
        yaml.safe_load(a.content)
        for a in compile_plan(plan)
        if not a.path.endswith("kustomization.yaml")
    )


PLAN_IDS = [f"{p.stack}-{p.environment}" for p in _plans()]


def _of(objects: tuple[dict[str, Any], ...], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


# --- NetworkPolicies -------------------------------------------------------------------------


def _pod(namespace: str, labels: dict[str, str]) -> Endpoint:
    return Endpoint(namespace, labels)


def _pods(plan: Plan, objects: tuple[dict[str, Any], ...]) -> dict[str, Endpoint]:
    """The stack's pods, labelled as their controllers label them."""
    ns = plan.namespace
    out: dict[str, Endpoint] = {}
    for obj in objects:
        name, spec = obj["metadata"]["name"], obj.get("spec", {})
        if obj["kind"] == "Deployment":
            out[f"deploy/{name}"] = _pod(ns, spec["template"]["metadata"]["labels"])
        elif obj["kind"] == "InferenceService":
            out[f"isvc/{name}"] = _pod(ns, spec["predictor"]["labels"])
        elif obj["kind"] == "Notebook":
            out[f"notebook/{name}"] = _pod(ns, obj["metadata"]["labels"])
        elif obj["kind"] == "Server":
            out[f"server/{name}"] = _pod(ns, obj["metadata"]["labels"])
        elif obj["kind"] == "WorkflowTemplate":
            labels = {**spec.get("podMetadata", {}).get("labels", {}), WORKFLOW_LABEL: name}
            out[f"workflow/{name}"] = _pod(ns, labels)
        elif obj["kind"] == "CronJob":
            template = spec["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
            out[f"cronjob/{name}"] = _pod(ns, template)
    return out


def _needed(plan: Plan, pods: dict[str, Endpoint]) -> list[tuple[str, Endpoint, Endpoint, int]]:
    """(why, source, destination, port) of every flow the stack needs, from its spec."""
    spec, ns = plan.spec, plan.namespace
    flows: list[tuple[str, Endpoint, Endpoint, int]] = []
    gateway = _pod("istio-system", {"app": "istio-ingressgateway"})
    activator = _pod("knative-serving", {"app": "activator"})
    prometheus = _pod("monitoring", {"app.kubernetes.io/name": "prometheus"})
    serverless = spec.platform.kubernetes.kserve.knative
    for name, serving in spec.serving.items():
        if isinstance(serving, KServeServing):
            pod = pods[f"isvc/{name}"]
            if serverless:
                flows += [("activator", activator, pod, 8012), ("gateway", gateway, pod, 8012)]
                metrics = 9091
            else:
                flows.append(("gateway", gateway, pod, 8080))
                metrics = KSERVE_RAW_METRICS.get(spec.models[serving.model].framework, 8080)
        elif isinstance(serving, SeldonServing):
            pod, metrics = pods[f"server/{name}"], 9006
        elif serving.runtime in SERVING_PORT:
            pod = pods[f"deploy/{name}"]
            flows.append(("gateway", gateway, pod, SERVING_PORT[serving.runtime]))
            metrics = METRICS_PORT[serving.runtime]
        else:
            continue
        if spec.monitoring.prometheus is not None:
            flows.append((f"scrape {name}", prometheus, pod, metrics))
    mlflow = spec.tracking.mlflow
    if mlflow is not None and mlflow.deploy and mlflow.database is not None:
        db = Endpoint(ip=ARBITRARY_IP)
        flows.append(("mlflow database", pods["deploy/mlflow"], db, 5432))
    for name in spec.notebooks:
        pod = pods[f"notebook/{name}"]
        flows.append(("kubeflow gateway", gateway, pod, 8888))
        flows.append(
            ("notebook culler", _pod("kubeflow", {"app": "notebook-controller"}), pod, 8888)
        )
        if "deploy/mlflow" in pods:
            flows.append(("notebook to mlflow", pod, pods["deploy/mlflow"], 5000))
    endpoint = spec.platform.kubernetes.storage_endpoint
    minio = _pod("storage", {"app": "minio"})
    for key, pod in pods.items():
        flows.append(("dns", pod, _pod("kube-system", {"k8s-app": "kube-dns"}), 53))
        if spec.platform.cloud is not None:
            flows.append(("cloud storage", pod, Endpoint(ip=CLOUD_STORAGE_IP), 443))
        if endpoint is not None:
            flows.append(("storage endpoint", pod, minio, int(endpoint.rsplit(":", 1)[1])))
        for rule in spec.platform.kubernetes.network.egress:
            target = (
                _pod(rule.to.namespace, {})
                if isinstance(rule.to, NamespacePeer)
                else Endpoint(ip=str(next(iter(__import__("ipaddress").ip_network(rule.to)))))
            )
            flows += [(f"declared egress {key}", pod, target, p) for p in rule.ports]
        if key.startswith(("deploy/", "isvc/")) and key != "deploy/mlflow":
            for in_rule in spec.platform.kubernetes.network.ingress:
                assert isinstance(in_rule.from_, NamespacePeer)
                client = _pod(in_rule.from_.namespace, {})
                flows += [(f"declared ingress {key}", client, pod, p) for p in in_rule.ports]
    if any(p.engine == "kubeflow" for p in spec.pipelines.values()):
        api = _pod("kubeflow", {"app": "ml-pipeline"})
        flows += [
            (f"kfp {key}", pod, api, 8887)
            for key, pod in pods.items()
            if key.startswith("workflow/")
        ]
    for name in spec.monitoring.drift:
        pushgateway = _pod("monitoring", {"app.kubernetes.io/name": "prometheus-pushgateway"})
        flows.append(("drift push", pods[f"cronjob/{name}-drift"], pushgateway, 9091))
    assert ns
    return flows


def _unneeded(pods: dict[str, Endpoint]) -> list[tuple[str, Endpoint, Endpoint, int]]:
    anywhere = Endpoint(ip="192.0.2.44")
    intruder = _pod("intruder", {"app": "scanner"})
    out = []
    for key, pod in pods.items():
        out.append(("smtp out", pod, anywhere, 25))
        if key.startswith("notebook/"):
            out.append(("notebook to a database", pod, anywhere, 5432))
        if key.startswith(("isvc/", "deploy/", "notebook/", "server/")):
            out += [("other namespace in", intruder, pod, p) for p in (5000, 8080, 8888, 8012)]
    return out


def _policies(objects: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    return _of(objects, "NetworkPolicy")


def _blocked(policies: list[dict[str, Any]], plan: Plan, objects: Any) -> list[str]:
    pods = _pods(plan, objects)
    return [
        f"{why}: {src} -> {dst}:{port}"
        for why, src, dst, port in _needed(plan, pods)
        if not allowed(policies, src, dst, port, "UDP" if port == 53 else "TCP")
    ]


@pytest.mark.parametrize("index", range(len(PLAN_IDS)), ids=PLAN_IDS)
def test_every_flow_the_stack_needs_is_allowed(index: int) -> None:
    plan, objects = _plans()[index], _emitted(index)
    assert _blocked(_policies(objects), plan, objects) == []


@pytest.mark.parametrize("index", range(len(PLAN_IDS)), ids=PLAN_IDS)
def test_flows_nobody_needs_are_denied(index: int) -> None:
    plan, objects = _plans()[index], _emitted(index)
    pods = _pods(plan, objects)
    policies = _policies(objects)
    opened = [
        f"{why}: {src} -> {dst}:{port}"
        for why, src, dst, port in _unneeded(pods)
        if allowed(policies, src, dst, port)
    ]
    assert opened == []


def test_the_check_notices_a_missing_allowance() -> None:
    """Mutation: without the MLflow database policy, the edge stack's MLflow is cut off."""
    index = PLAN_IDS.index("edge-default")
    plan, objects = _plans()[index], _emitted(index)
    kept = [p for p in _policies(objects) if p["metadata"]["name"] != "allow-mlflow-database"]
    assert _blocked(kept, plan, objects) == [
        f"mlflow database: {_pods(plan, objects)['deploy/mlflow']} -> {Endpoint(ip=ARBITRARY_IP)}:5432"
    ]


def test_declared_flows_are_opened_per_environment(tmp_path: Path) -> None:
    """recsys opens the storefront namespace in prod only; an overlay replaces the list."""
    by_env = {p.environment: p for p in _plans() if p.stack == "recsys"}
    storefront = _pod("storefront", {})
    for env, expected in (("prod", True), ("staging", False)):
        index = PLAN_IDS.index(f"recsys-{env}")
        objects = _emitted(index)
        pod = _pods(by_env[env], objects)["isvc/candidates"]
        assert allowed(_policies(objects), storefront, pod, 8012) is expected, env


# --- ResourceQuota ---------------------------------------------------------------------------

Totals = tuple[float, float, int]


def _container_totals(containers: list[dict[str, Any]], default: dict[str, str]) -> Totals:
    cpu = memory = 0.0
    gpu = 0
    for container in containers:
        requests = container.get("resources", {}).get("requests", {})
        cpu += quantity_value(requests.get("cpu", default["cpu"]))
        memory += quantity_value(requests.get("memory", default["memory"]))
        gpu += int(requests.get("nvidia.com/gpu", 0))
    return cpu, memory, gpu


def _surge(strategy: dict[str, Any] | None, replicas: int) -> int:
    """Pods a Deployment adds during a rollout (Kubernetes' default: 25%, rounded up)."""
    if strategy is None:
        return math.ceil(replicas * 0.25)
    if strategy.get("type") == "Recreate":
        return 0
    surge = strategy.get("rollingUpdate", {}).get("maxSurge", "25%")
    return math.ceil(replicas * int(surge[:-1]) / 100) if isinstance(surge, str) else int(surge)


def _kfp_resources(obj: dict[str, Any]) -> list[dict[str, Any]]:
    executors = obj["spec"]["pipelineSpec"]["deploymentSpec"]["executors"]
    out = []
    for executor in executors.values():
        found = executor["container"].get("resources", {})
        requests = {}
        if "resourceCpuRequest" in found:
            requests["cpu"] = found["resourceCpuRequest"]
        if "resourceMemoryRequest" in found:
            requests["memory"] = found["resourceMemoryRequest"]
        if "accelerator" in found:
            requests["nvidia.com/gpu"] = str(found["accelerator"].get("resourceCount", 0))
        out.append({"resources": {"requests": requests}})
    return out


def _demand(objects: tuple[dict[str, Any], ...]) -> list[tuple[str, Totals]]:
    """(object, cpu/memory/GPUs) of every pod the emitted workloads run at worst."""
    limit_range = _of(objects, "LimitRange")[0]["spec"]["limits"][0]["defaultRequest"]
    defaulted = {"name": "defaulted"}  # a container without requests of its own
    hpa = {
        o["spec"]["scaleTargetRef"]["name"]: o["spec"]["maxReplicas"]
        for o in _of(objects, "HorizontalPodAutoscaler")
        if o["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    }
    groups: list[tuple[str, int, list[dict[str, Any]]]] = []

    def job_pods(job: dict[str, Any], name: str) -> None:
        if job["kind"] == "Job":
            pod = job["spec"]["template"]["spec"]["containers"]
            groups.append((name, job["spec"].get("parallelism", 1), pod))
            return
        if job["kind"] == "TrainJob":  # numNodes pods of the runtime's one container
            trainer = job["spec"]["trainer"]
            resources = {"resources": trainer["resourcesPerNode"]}
            groups.append((name, trainer["numNodes"], [resources]))
            return
        for replica in next(
            v for k, v in job["spec"].items() if k.endswith("ReplicaSpecs")
        ).values():
            groups.append((name, replica["replicas"], replica["template"]["spec"]["containers"]))

    def workflow_pods(templates: list[dict[str, Any]], name: str) -> None:
        for template in templates:
            if "container" in template:
                groups.append((name, 1, [template["container"], defaulted]))
            elif "resource" in template:
                groups.append((name, 1, [defaulted]))
                created = yaml.safe_load(template["resource"]["manifest"])
                if created["kind"] in ("Job", "PyTorchJob", "TFJob", "TrainJob"):
                    job_pods(created, name)

    for obj in objects:
        kind, name, spec = obj["kind"], obj["metadata"]["name"], obj.get("spec", {})
        where = f"{kind}/{name}"
        if kind == "Deployment":
            replicas = hpa.get(name, spec.get("replicas", 1))
            count = replicas + _surge(spec.get("strategy"), replicas)
            groups.append((where, count, spec["template"]["spec"]["containers"]))
        elif kind == "InferenceService":
            predictor = spec["predictor"]
            most = predictor["maxReplicas"]
            mode = obj["metadata"]["annotations"]["serving.kserve.io/deploymentMode"]
            if mode == "Knative":
                revisions = 2 if "canaryTrafficPercent" in predictor else 1
                count = most * revisions + max(predictor["minReplicas"], 1)
                groups.append((where, count, [predictor["model"], defaulted]))  # + queue-proxy
            else:
                count = most + _surge(predictor.get("deploymentStrategy"), most)
                groups.append((where, count, [predictor["model"]]))
        elif kind == "Server":
            groups.append((where, spec["maxReplicas"], spec["podSpec"]["containers"]))
        elif kind == "Notebook":
            groups.append((where, 1, spec["template"]["spec"]["containers"]))
        elif kind in ("PyTorchJob", "TFJob", "TrainJob", "Job"):
            job_pods(obj, where)
        elif kind == "CronJob":
            pod = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"]
            groups.append((where, 1, pod))
        elif kind == "WorkflowTemplate":
            workflow_pods(spec["templates"], where)
        elif kind == "CronWorkflow" and "templates" in spec["workflowSpec"]:
            workflow_pods(spec["workflowSpec"]["templates"], where)
        elif kind == "PipelineVersion":
            for container in _kfp_resources(obj):
                groups += [(where, 1, [container, defaulted]), (where, 1, [defaulted])]
        elif kind == "FeatureStore":
            groups.append((where, 1, [defaulted] * 3))
    out = []
    for where, count, containers in groups:
        cpu, memory, gpu = _container_totals(containers, limit_range)
        out.append((where, (count * cpu, count * memory, count * gpu)))
    return out


def _shortfall(hard: dict[str, str], demand: list[tuple[str, Totals]]) -> dict[str, Any]:
    cpu = sum(d[1][0] for d in demand)
    memory = sum(d[1][1] for d in demand)
    gpu = sum(d[1][2] for d in demand)
    short = {}
    if quantity_value(hard["requests.cpu"]) < cpu:
        short["cpu"] = (hard["requests.cpu"], cpu)
    if quantity_value(hard["requests.memory"]) < memory:
        short["memory"] = (hard["requests.memory"], memory / 2**30)
    if int(hard.get("requests.nvidia.com/gpu", "0")) != gpu:
        short["gpu"] = (hard.get("requests.nvidia.com/gpu"), gpu)
    return short


@pytest.mark.parametrize("index", range(len(PLAN_IDS)), ids=PLAN_IDS)
def test_the_quota_admits_every_workload_at_full_scale_mid_rollout(index: int) -> None:
    objects = _emitted(index)
    hard = _of(objects, "ResourceQuota")[0]["spec"]["hard"]
    assert hard["limits.cpu"] == hard["requests.cpu"]
    assert _shortfall(hard, _demand(objects)) == {}


def test_the_check_notices_a_workload_left_out_of_the_quota(monkeypatch: Any) -> None:
    """Mutation: a quota that forgets the pipeline step reusing anomaly-ae's GPU training
    (what the old budget did) falls one GPU short."""
    index = PLAN_IDS.index("edge-default")
    plan, objects = _plans()[index], _emitted(index)
    full = quota.demand(plan)
    step = ("pipelines", "weekly-retrain", "steps", "train")
    monkeypatch.setattr(quota, "demand", lambda p: [g for g in full if g.source != step])
    short = _shortfall(quota.hard(plan), _demand(objects))
    assert short["gpu"] == ("6", 7)


def test_gpu_deployments_roll_without_surge_and_cpu_ones_without_loss() -> None:
    index = PLAN_IDS.index("edge-default")
    objects = {(o["kind"], o["metadata"]["name"]): o for o in _emitted(index)}
    raw = objects[("InferenceService", "defect-api")]["spec"]["predictor"]
    assert raw["deploymentStrategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}
    cpu = objects[("Deployment", "anomaly-api")]["spec"]["strategy"]["rollingUpdate"]
    assert cpu == {"maxSurge": 1, "maxUnavailable": 0}


# --- spec validation -------------------------------------------------------------------------


def test_network_rules_are_validated_at_their_line(tmp_path: Path) -> None:
    text = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: demo}
platform:
  kubernetes:
    network:
      egress:
        - {to: 10.20.0.1/16, ports: [5432]}
        - {to: {namespace: vault}, ports: [0]}
      ingress:
        - {from: 10.0.0.0/8, ports: [8080]}
"""
    found = check_text(tmp_path, text).diagnostics
    assert [(d.code, d.span.line, d.span.col) for d in found] == [
        ("E0118", 8, 16),
        ("E0116", 9, 44),
    ]


def test_the_schema_knows_the_network_fields() -> None:
    schema = json.loads((Path(__file__).parents[2] / "mlstack.schema.json").read_text())
    kubernetes = schema["$defs"]["Kubernetes"]["properties"]
    assert {"network", "storageEndpoint"} <= set(kubernetes)
