"""A pool's taints against the pods mlstack places on it: on every cloud, the taints the
Terraform node pool declares (read back from the compiled resource, in each provider's own
syntax) are all tolerated by every pod of every workload kind whose node selector names that
pool, so a taint keeps everything else off the pool and never the pool's own workloads."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlstack import names
from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.compute import node_taints
from mlstack.targets import kubernetes
from tests.helpers import SPECS
from tests.targets import tf_output as tf

Taint = tuple[str, str, str]
CLOUDS = {
    "aws": (
        '{provider: aws, region: us-east-1, account: "210987654321", cluster: shared}',
        ("m6i.2xlarge", "g5.xlarge", "nvidia-a10g"),
        "s3://acme-models",
    ),
    "gcp": (
        "{provider: gcp, region: europe-west4, project: acme-ml-prod, cluster: shared}",
        ("n2-standard-8", "g2-standard-8", "nvidia-l4"),
        "gs://acme-models",
    ),
    "azure": (
        "{provider: azure, region: westeurope, subscription: "
        "6f1c2a9e-3b4d-4c8e-9a17-52d0e8b3c4f1, resourceGroup: rg, cluster: aks}",
        ("Standard_D8s_v5", "Standard_NC8as_T4_v3", "nvidia-t4"),
        "azureblob://acmeml/models",
    ),
    "none": ("", ("cpu-node", "gpu-node", "nvidia-l4"), "pvc://models"),
}
"""Each cloud, its instance types (cpu, gpu, accelerator) and where its models live."""
PLACED_KINDS = {
    "TrainJob",
    "Job",
    "WorkflowTemplate",
    "SparkApplication",
    "PipelineVersion",
    "Notebook",
    "InferenceService",
    "Server",
    "Deployment",
}
"""Every kind that runs pods on a pool: training (a TrainJob; a Job a CronWorkflow creates),
Argo and Kubeflow pipeline steps, Spark driver and executors (a SparkApplication the workflow
creates), notebooks and each in-cluster runtime."""


def stack(cloud: str) -> str:
    platform, (cpu, gpu, accelerator), base = CLOUDS[cloud]
    where = f"cloud: {platform}" if platform else "kubernetes: {storageSecret: storage}"
    return f"""\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {{name: tainted}}
platform: {{{where}}}
compute:
  cpu:
    instanceType: {cpu}
    taints:
      - {{key: dedicated, value: ml, effect: NoSchedule}}
      - {{key: team.acme.example/batch, value: "true", effect: NoExecute}}
  gpu:
    instanceType: {gpu}
    accelerator: {{type: {accelerator}, count: 1}}
    spot: true
    nodes: {{min: 0, max: 2}}
    taints: [{{key: dedicated, value: gpu, effect: PreferNoSchedule}}]
models:
  big:
    framework: pytorch
    uri: "{base}/big/v1"
    training:
      operator: pytorchjob
      image: "ghcr.io/acme/t:1.0"
      pool: gpu
      workers: 2
      resources: {{gpu: 1}}
  small:
    framework: sklearn
    uri: "{base}/small/v1"
    training: {{operator: job, image: "ghcr.io/acme/t:1.0", pool: cpu, schedule: "@daily"}}
pipelines:
  etl:
    engine: argo
    steps:
      prep: {{image: "ghcr.io/acme/prep:1.0", pool: cpu}}
      agg:
        kind: spark
        mainApplicationFile: "local:///opt/app.py"
        image: "ghcr.io/acme/spark:3.5.1"
        pool: cpu
        dependsOn: [prep]
  kf: {{engine: kubeflow, steps: {{fit: {{model: big}}}}}}
notebooks:
  lab: {{image: "ghcr.io/acme/nb:1.0", pool: cpu}}
serving:
  ks: {{model: big, runtime: kserve, pool: gpu, resources: {{gpu: 1}}}}
  sel: {{model: small, runtime: seldon, pool: cpu}}
  ts: {{model: big, runtime: torchserve, pool: cpu}}
"""


@cache
def _plan(cloud: str, tmp: str) -> Plan:
    path = Path(tmp) / f"{cloud}.yaml"
    path.write_text(stack(cloud))
    checked = check(path)
    assert checked.ok, checked.diagnostics
    (plan,) = checked.plans
    return plan


def _parse_taint(text: str) -> Taint:
    key_value, effect = text.rsplit(":", 1)
    key, value = key_value.split("=", 1)
    return key, value, effect


EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute"}
EFFECTS["PREFER_NO_SCHEDULE"] = "PreferNoSchedule"


def declared_taints(plan: Plan) -> dict[str, set[Taint]]:
    """The taints of each pool's nodes as Terraform declares them, keyed by the pool label
    the nodes carry; on a stack without a cloud (nodes made elsewhere to the contract of
    docs/kubernetes.md), the pool's."""
    cloud = plan.spec.platform.cloud
    if cloud is None:
        return {name: set(node_taints(pool, None)) for name, pool in plan.spec.compute.items()}
    doc = tf.document(plan)
    out: dict[str, set[Taint]] = {}
    if cloud.provider == "aws":
        for group in tf.blocks(doc, "aws_eks_node_group").values():
            out[group["labels"][names.POOL_LABEL]] = {
                (t["key"], t["value"], EFFECTS[t["effect"]]) for t in group.get("taint", [])
            }
    elif cloud.provider == "gcp":
        for nodes in tf.blocks(doc, "google_container_node_pool").values():
            (config,) = nodes["node_config"]
            out[config["labels"][names.POOL_LABEL]] = {
                (t["key"], t["value"], EFFECTS[t["effect"]]) for t in config.get("taint", [])
            }
    else:
        for nodes in tf.blocks(doc, "azurerm_kubernetes_cluster_node_pool").values():
            out[nodes["node_labels"][names.POOL_LABEL]] = {
                _parse_taint(t) for t in nodes.get("node_taints", [])
            }
    return out


def tolerates(toleration: dict[str, Any], taint: Taint) -> bool:
    """Kubernetes' rule (ToleratesTaint): effect empty or equal; operator Exists with no key
    or the taint's key, or Equal (the default) with the taint's key and value."""
    key, value, effect = taint
    if toleration.get("effect") not in (None, "", effect):
        return False
    if toleration.get("operator", "Equal") == "Exists":
        return toleration.get("key") in (None, "", key)
    return toleration.get("key") == key and toleration.get("value", "") == value


def placed_pods(node: Any, kind: str) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """(kind, pool, tolerations) of every pod spec under `node` that selects a pool: pod
    specs, Argo templates, Spark roles, KFP platform configs (`nodeSelector: {labels}`), and
    the manifests workflows carry as text (under their own kind)."""
    if isinstance(node, dict):
        selector = node.get("nodeSelector")
        if isinstance(selector, dict):
            labels = selector.get("labels", selector)
            if names.POOL_LABEL in labels:
                yield kind, labels[names.POOL_LABEL], node.get("tolerations", [])
        for value in node.values():
            yield from placed_pods(value, kind)
    elif isinstance(node, list):
        for value in node:
            yield from placed_pods(value, kind)
    elif isinstance(node, str) and "nodeSelector" in node:
        inner = yaml.safe_load(node)
        yield from placed_pods(inner, inner.get("kind", kind))


def _placements(plan: Plan) -> list[tuple[str, str, list[dict[str, Any]]]]:
    out: list[tuple[str, str, list[dict[str, Any]]]] = []
    for artifact in kubernetes.compile_plan(plan):
        for obj in yaml.safe_load_all(artifact.content):
            if isinstance(obj, dict) and "kind" in obj:
                out += placed_pods(obj, obj["kind"])
    return out


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_every_pod_placed_on_a_tainted_pool_tolerates_all_its_taints(
    cloud: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    plan = _plan(cloud, str(tmp_path_factory.mktemp(cloud)))
    taints = declared_taints(plan)
    assert set(taints) == {"cpu", "gpu"}
    # The spec's own taints reach the nodes, beside mlstack's GPU and spot taints.
    assert {("dedicated", "ml", "NoSchedule")} <= taints["cpu"]
    assert {("dedicated", "gpu", "PreferNoSchedule"), names.GPU_TAINT} <= taints["gpu"]
    placements = _placements(plan)
    assert {kind for kind, _, _ in placements} >= PLACED_KINDS
    for kind, pool, tolerations in placements:
        untolerated = [t for t in taints[pool] if not any(tolerates(x, t) for x in tolerations)]
        assert untolerated == [], (kind, pool)


def test_the_examples_tolerate_their_pools() -> None:
    """The same on every environment of specs/, whose pools carry taints of their own."""
    seen = 0
    for path in SPECS:
        for plan in check(path).plans:
            taints = declared_taints(plan)
            for kind, pool, tolerations in _placements(plan):
                seen += bool(plan.spec.compute[pool].taints)
                missing = [t for t in taints[pool] if not any(tolerates(x, t) for x in tolerations)]
                assert missing == [], (plan.stack, plan.environment, kind, pool)
    assert seen


def test_tolerations_follow_kubernetes_rules() -> None:
    """The matcher the tests above trust, against Kubernetes' own cases."""
    taint = ("dedicated", "ml", "NoSchedule")
    assert tolerates({"key": "dedicated", "value": "ml", "effect": "NoSchedule"}, taint)
    assert tolerates({"operator": "Exists"}, taint)
    assert tolerates({"key": "dedicated", "operator": "Exists"}, taint)
    assert not tolerates({"key": "dedicated", "value": "gpu"}, taint)
    assert not tolerates({"key": "dedicated", "value": "ml", "effect": "NoExecute"}, taint)
