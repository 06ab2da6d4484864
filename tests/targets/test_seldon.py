"""Seldon Core v2: a Server of the serving's own (its identity, pool, resources, image) with
the serving's Model scheduled onto it, the framework as the Model's requirement, an HPA per
Model for `rps` scaling, and for a canary a second Model plus an Experiment that splits the
serving's own endpoint."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from mlstack import names
from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.types import quantity_value
from mlstack.targets.kubernetes import dashboards, identity, namespace, seldon
from mlstack.targets.kubernetes.meta import full_object
from mlstack.targets.terraform import compile_plan
from mlstack.targets.terraform.blocks import tf_name
from tests.helpers import ROOT, check_text
from tests.targets.schemas import problems

CANARY_STACK = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: shop}
platform:
  kubernetes:
    storageSecret: rclone-minio
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
    runtime: seldon
    server: mlserver
    replicas: {min: 2, max: 5}
    resources: {cpu: "1", memory: 3Gi}
    canary: {model: churn-next, traffic: 15}
"""

AWS_STACK = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: edge}
platform:
  cloud: {provider: aws, region: us-east-1, account: "210987654321", cluster: shared}
compute:
  gpu:
    instanceType: g5.xlarge
    accelerator: {type: nvidia-a10g, count: 1}
    nodes: {min: 0, max: 2}
    spot: true
  cpu: {instanceType: m6i.xlarge, nodes: {min: 1, max: 3}}
models:
  scorer: {framework: onnx, uri: "s3://edge-models/scorer/v1"}
  scorer-next: {framework: onnx, uri: "s3://edge-models/scorer/v2"}
  tagger: {framework: sklearn, uri: "s3://edge-models/tagger/v1"}
  tagger-onnx: {framework: onnx, uri: "s3://edge-models/tagger/v2-onnx"}
serving:
  score:
    model: scorer
    runtime: seldon
    pool: gpu
    image: nvcr.io/nvidia/tritonserver:25.01-py3
    replicas: {min: 1, max: 2}
    autoscaling: {metric: rps, target: 2.5}
    resources: {cpu: "3", memory: 12Gi, gpu: 1}
    canary: {model: scorer-next, traffic: 10}
  tag:
    model: tagger
    runtime: seldon
    pool: cpu
    replicas: {min: 2, max: 3}
    autoscaling: {metric: cpu, target: 70}
    canary: {model: tagger-onnx, traffic: 50}
"""


def _objects(plan: Plan) -> dict[tuple[str, str], dict[str, Any]]:
    return {(m.kind, m.name): full_object(plan, m) for m in seldon.build(plan)}


def _plan(tmp_path: Path, text: str, file: str = "mlstack.yaml") -> Plan:
    checked = check_text(tmp_path, text, file)
    assert [d.message for d in checked.diagnostics if d.is_error] == []
    return checked.plans[0]


def _container(server: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in server["spec"]["podSpec"]["containers"] if c["name"] == name)


def _vision_prod() -> Plan:
    plans = check(ROOT / "specs" / "vision-azure" / "mlstack.yaml").plans
    return next(p for p in plans if p.environment == "prod")


def test_example_ocr_runs_on_its_own_server() -> None:
    plan = _vision_prod()
    objects = _objects(plan)
    account = plan.workload("serve", "ocr").service_account
    assert sorted(objects) == [
        ("HorizontalPodAutoscaler", "ocr"),
        ("Model", "ocr"),
        ("RoleBinding", f"{account}-seldon-agent"),
        ("SeldonRuntime", "seldon"),  # gitops.addons installs Seldon
        ("Server", "ocr"),
    ]
    model = objects[("Model", "ocr")]["spec"]
    assert model["requirements"] == ["huggingface"]  # an MLServer capability ...
    assert model["server"] == "ocr"  # ... on the serving's own Server
    # rclone remotes are per storage account: the account leaves the URI.
    assert model["storageUri"] == "azureblob://models/ocr/trocr-base-printed"
    assert model["memory"] == "16Gi"
    assert model["replicas"] == 1
    assert "secretName" not in model  # a cloud stack: the Server's identity reads storage
    server = objects[("Server", "ocr")]
    assert server["spec"]["serverConfig"] == "mlserver"
    pod = server["spec"]["podSpec"]
    assert pod["serviceAccountName"] == account
    # Azure's webhook only mutates labelled pods; the operator copies Server labels to them.
    assert server["metadata"]["labels"][identity.AZURE_USE_LABEL] == "true"
    assert pod["nodeSelector"] == names.pool_labels("vision", "prod", "gput4")
    limits = _container(server, "mlserver")["resources"]["limits"]
    assert limits == {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"}
    assert {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present",
            "effect": "NoSchedule"} in pod["tolerations"]  # fmt: skip


def test_rps_scaling_is_an_hpa_on_the_model_and_the_server_follows() -> None:
    objects = _objects(_vision_prod())
    model = objects[("Model", "ocr")]["spec"]
    # min/max on the Model would start Seldon's own lag scaling beside the HPA.
    assert "minReplicas" not in model and "maxReplicas" not in model
    hpa = objects[("HorizontalPodAutoscaler", "ocr")]["spec"]
    target = {"apiVersion": seldon.API, "kind": "Model", "name": "ocr"}
    assert hpa["scaleTargetRef"] == target
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (1, 4)
    (metric,) = hpa["metrics"]
    assert metric["object"] == {
        "metric": {"name": "infer_rps"},
        "describedObject": target,
        "target": {"type": "AverageValue", "averageValue": "20"},
    }
    server = objects[("Server", "ocr")]["spec"]
    assert (server["replicas"], server["minReplicas"], server["maxReplicas"]) == (1, 1, 4)


def test_server_pods_run_under_the_servings_cloud_identity(tmp_path: Path) -> None:
    plan = _plan(tmp_path, AWS_STACK)
    objects = _objects(plan)
    workload = plan.workload("serve", "score")
    assert workload.identity is not None
    annotations = identity.sa_annotations(plan, workload)
    role = f"arn:aws:iam::210987654321:role/{workload.identity}"
    assert annotations == {"eks.amazonaws.com/role-arn": role}
    pod = objects[("Server", "score")]["spec"]["podSpec"]
    assert pod["serviceAccountName"] == workload.service_account
    # The API token reaches the agent only, through a RoleBinding to Seldon's agent Role.
    assert pod["automountServiceAccountToken"] is False
    (volume,) = pod["volumes"]
    mounts = {c["name"]: c.get("volumeMounts", []) for c in pod["containers"]}
    assert mounts["agent"] == [
        {"name": volume["name"], "mountPath": seldon.TOKEN_DIR, "readOnly": True}
    ]
    assert mounts["triton"] == mounts["rclone"] == []
    binding = objects[("RoleBinding", f"{workload.service_account}-seldon-agent")]
    assert binding["roleRef"]["name"] == "agent-role"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": workload.service_account}]


def test_server_pods_land_on_the_terraform_node_group(tmp_path: Path) -> None:
    plan = _plan(tmp_path, AWS_STACK)
    objects = _objects(plan)
    terraform = json.loads(compile_plan(plan)[0].content)
    group = terraform["resource"]["aws_eks_node_group"][tf_name("gpu")]
    pod = objects[("Server", "score")]["spec"]["podSpec"]
    assert pod["nodeSelector"] == group["labels"]
    taints = {(t["key"], t["value"]) for t in group["taint"]}
    tolerated = {(t["key"], t["value"]) for t in pod["tolerations"]}
    assert taints == tolerated == {names.GPU_TAINT[:2], names.SPOT_TAINT[:2]}
    server = _container(objects[("Server", "score")], "triton")
    assert server["image"] == "nvcr.io/nvidia/tritonserver:25.01-py3"
    assert server["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert server["resources"]["requests"] == server["resources"]["limits"]
    cpu_pod = objects[("Server", "tag")]["spec"]["podSpec"]
    assert "tolerations" not in cpu_pod  # no GPUs, no spot: no tolerations
    assert "nvidia.com/gpu" not in _container(objects[("Server", "tag")], "mlserver")["resources"]


def test_a_canary_shares_the_server_when_the_server_config_fits(tmp_path: Path) -> None:
    objects = _objects(_plan(tmp_path, AWS_STACK))
    # scorer and scorer-next are both onnx: one Triton Server with room for both Models.
    assert objects[("Model", "score")]["spec"]["server"] == "score"
    assert objects[("Model", "score-canary")]["spec"]["server"] == "score"
    assert ("Server", "score-canary") not in objects
    score = objects[("Server", "score")]["spec"]
    assert score["serverConfig"] == "triton"
    assert (score["replicas"], score["minReplicas"], score["maxReplicas"]) == (2, 2, 4)
    # Each Model scales on its own requests; the Server has room for both at their maximum.
    for model in ("score", "score-canary"):
        hpa = objects[("HorizontalPodAutoscaler", model)]
        assert hpa["spec"]["scaleTargetRef"]["name"] == model
        assert hpa["spec"]["metrics"][0]["object"]["target"]["averageValue"] == "2.5"
        assert hpa["spec"]["maxReplicas"] == 2
        assert hpa["metadata"]["labels"]["app.kubernetes.io/name"] == "score"
    # tagger is sklearn (MLServer), tagger-onnx needs Triton: a Server each.
    assert objects[("Model", "tag")]["spec"]["server"] == "tag"
    assert objects[("Model", "tag-canary")]["spec"]["server"] == "tag-canary"
    assert objects[("Server", "tag")]["spec"]["serverConfig"] == "mlserver"
    canary = objects[("Server", "tag-canary")]["spec"]
    assert canary["serverConfig"] == "triton"
    assert (canary["replicas"], canary["minReplicas"], canary["maxReplicas"]) == (2, 2, 3)
    # cpu scaling cannot drive a Model: Seldon's lag scaling between min and max instead.
    assert ("HorizontalPodAutoscaler", "tag") not in objects
    assert objects[("Model", "tag")]["spec"]["maxReplicas"] == 3


def test_the_quota_counts_every_server_pod_at_full_scale(tmp_path: Path) -> None:
    plan = _plan(tmp_path, AWS_STACK)
    quota = next(m for m in namespace.build(plan) if m.kind == "ResourceQuota")
    hard = quota.body["spec"]["hard"]
    cpu = memory = 0.0
    for (kind, _), obj in _objects(plan).items():
        if kind == "Server":
            for container in obj["spec"]["podSpec"]["containers"]:
                limits = container["resources"]["limits"]
                cpu += obj["spec"]["maxReplicas"] * quantity_value(limits["cpu"])
                memory += obj["spec"]["maxReplicas"] * quantity_value(limits["memory"])
    # The stack runs nothing else: the quota is exactly these pods plus its 25% headroom.
    assert hard["limits.cpu"] == str(math.ceil(cpu * 1.25))
    assert hard["limits.memory"] == f"{math.ceil(memory * 1.25 / 2**30)}Gi"


def test_a_named_server_hosts_both_models_and_none_is_generated(tmp_path: Path) -> None:
    plan = _plan(tmp_path, CANARY_STACK)
    objects = _objects(plan)
    assert sorted(objects) == [
        ("Experiment", "churn-api"),
        ("Model", "churn-api"),
        ("Model", "churn-api-canary"),
    ]
    main = objects[("Model", "churn-api")]["spec"]
    candidate = objects[("Model", "churn-api-canary")]["spec"]
    assert main["storageUri"] == "s3://models/churn/v4"
    assert candidate["storageUri"] == "s3://models/churn/v5"
    for spec in (main, candidate):
        assert spec["requirements"] == ["xgboost"]
        assert spec["server"] == "mlserver"
        assert spec["memory"] == "3Gi"
        assert (spec["replicas"], spec["minReplicas"], spec["maxReplicas"]) == (2, 2, 5)
        assert spec["secretName"] == "rclone-minio"  # no cloud: the storage secret
    experiment = objects[("Experiment", "churn-api")]["spec"]
    assert experiment == {
        "default": "churn-api",
        "candidates": [
            {"name": "churn-api", "weight": 85},
            {"name": "churn-api-canary", "weight": 15},
        ],
    }
    source = objects[("Experiment", "churn-api")]["metadata"]["annotations"]["mlstack.dev/source"]
    assert source.endswith("#/serving/churn-api/canary")
    assert seldon.servers(plan, "churn-api") == ["mlserver"]


def test_objects_validate_against_the_seldon_crds(tmp_path: Path) -> None:
    plans = [
        _plan(tmp_path, CANARY_STACK),
        _plan(tmp_path, AWS_STACK, "aws.yaml"),
        *check(ROOT / "specs" / "vision-azure" / "mlstack.yaml").plans,
    ]
    kinds = set()
    for each in plans:
        for manifest in seldon.build(each):
            kinds.add(manifest.kind)
            assert problems(full_object(each, manifest), "1.33") == [], manifest.file_name
    assert kinds == {
        "Model",
        "Experiment",
        "Server",
        "HorizontalPodAutoscaler",
        "RoleBinding",
        "SeldonRuntime",
    }


def test_the_crds_reject_wrong_types(tmp_path: Path) -> None:
    """Negative controls: the Experiment and Server schemas are really applied."""
    experiment = _objects(_plan(tmp_path, CANARY_STACK))[("Experiment", "churn-api")]
    experiment["spec"]["candidates"][0]["weight"] = "85"
    assert problems(experiment, "1.33")
    server = _objects(_vision_prod())[("Server", "ocr")]
    server["spec"]["podSpec"]["containers"][0]["gpus"] = 1
    assert problems(server, "1.33")


def test_the_gpu_panel_watches_the_server_pods() -> None:
    panels = dashboards.panels(_vision_prod(), "ocr")
    queries = " ".join(t["expr"] for p in panels for t in p["targets"])
    (pattern,) = set(re.findall(r'pod=~"([^"]+)"', queries))
    assert re.fullmatch(pattern, "ocr-0") and re.fullmatch(pattern, "ocr-12")  # StatefulSet pods
    assert not re.fullmatch(pattern, "mlserver-0")  # Seldon's default Server is not ours
    assert not re.fullmatch(pattern, "ocr-canary-0")


def test_server_config_follows_the_capability_table() -> None:
    assert {f: seldon.server_config(f) for f in ("sklearn", "huggingface", "onnx", "triton")} == {
        "sklearn": "mlserver",
        "huggingface": "mlserver",
        "onnx": "triton",
        "triton": "triton",
    }


def test_azure_blob_uri_is_relative_to_the_account_remote() -> None:
    assert seldon.seldon_uri("azureblob://acct/models/ocr/v2") == "azureblob://models/ocr/v2"
    assert seldon.seldon_uri("azureblob://acct/models") == "azureblob://models"
    assert seldon.seldon_uri("gs://bucket/p") == "gs://bucket/p"
