"""The GCP Terraform modules: Workload Identity service accounts that pair with the Kubernetes
ServiceAccounts, node pools that match the Kubernetes placement, prefix-exact bucket grants,
the artifact bucket, Vertex AI/Cloud Run servings, alert policies on the services' real metrics
and units, the feature online store; plus the typed attribute models against the schema."""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mlstack import names
from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.models import ManagedTraining
from mlstack.targets.kubernetes.identity import sa_annotations
from mlstack.targets.terraform import cron
from mlstack.targets.terraform.blocks import tf_name
from mlstack.targets.terraform.gcp_attrs import MODELS
from mlstack.targets.terraform.gcp_identity import prefix_condition
from mlstack.targets.terraform.gcp_serving import endpoint_id, prebuilt_image, run_cpu
from tests.helpers import ROOT, cloud_plans
from tests.targets import tf_output as tf
from tests.targets.tf_schemas import problems, typed_model_problems

EXTRA = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: shop, labels: {team: ML}}
platform:
  cloud: {provider: gcp, region: us-central1, project: shop-ml-1234, cluster: shared}
compute:
  l4: {instanceType: g2-standard-24, accelerator: {type: nvidia-l4, count: 2}, nodes: {min: 1, max: 4}}
models:
  clf: {framework: sklearn, uri: "gs://shop-clf"}
  vision: {framework: tensorflow, uri: "gs://shop-models/vision/v1"}
  vision-next: {framework: tensorflow, uri: "gs://shop-models/vision/v2"}
  embed:
    framework: pytorch
    uri: gs://shop-models/embed/v3
    training: {operator: job, image: "ghcr.io/acme/embed:1", pool: l4, resources: {gpu: 1}}
serving:
  see:
    model: vision
    runtime: vertex
    instanceType: n1-standard-8
    accelerator: {type: nvidia-tesla-t4, count: 1}
    replicas: {min: 1, max: 3}
    canary: {model: vision-next, traffic: 10}
  clf: {model: clf, runtime: vertex, instanceType: n1-standard-2}
  embed-api:
    model: embed
    runtime: cloudrun
    image: us-docker.pkg.dev/shop-ml-1234/ml/embed:1
    resources: {memory: 6Gi}
    replicas: {min: 1, max: 5}
    autoscaling: {metric: cpu, target: 70}
    invokers: ["serviceAccount:batch@shop-ml-1234.iam.gserviceaccount.com", "group:ml@shop.example"]
features:
  store: vertex
  groups:
    users: {recordId: user_id, eventTime: ts, features: {age: int, score: float}, ttl: 1h}
monitoring:
  alerts:
    see-latency: {serving: see, metric: latency_p99, above: 1s, for: 5m, severity: page}
    embed-errors: {serving: embed-api, metric: error_rate, above: 2.5%, for: 3m}
    embed-traffic: {serving: embed-api, metric: throughput, below: 1, for: 15m, severity: info}
"""


@cache
def _plans(tmp: str) -> list[Plan]:
    extra = Path(tmp) / "mlstack.yaml"
    extra.write_text(EXTRA)
    return cloud_plans("gcp", extra)


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> list[Plan]:
    return _plans(str(tmp_path_factory.mktemp("gcp")))


def _shop(plans: list[Plan]) -> Plan:
    return next(p for p in plans if p.stack == "shop")


def _recsys(plans: list[Plan], environment: str = "prod") -> Plan:
    return next(p for p in plans if p.stack == "recsys" and p.environment == environment)


def test_every_gcp_stack_is_schema_valid(plans: list[Plan]) -> None:
    assert {p.stack for p in plans} >= {"recsys", "shop"}
    for plan in plans:
        assert problems(tf.document(plan)) == [], (plan.stack, plan.environment)


def test_typed_attribute_models_name_real_arguments() -> None:
    assert typed_model_problems(MODELS) == []


def test_identity_names_match_serviceaccount_annotations(plans: list[Plan]) -> None:
    """For every workload of every GCP spec, the annotation names a service account created
    here with exactly the plan's identity as its account id."""
    for plan in plans:
        accounts = tf.blocks(tf.document(plan), "google_service_account")
        project = plan.spec.platform.cloud.project  # type: ignore[union-attr]
        workloads = [w for w in plan.workloads if w.identity]
        assert workloads
        for workload in workloads:
            account = accounts[tf_name(workload.service_account)]
            assert account["account_id"] == workload.identity
            assert 6 <= len(account["account_id"]) <= 30
            annotation = sa_annotations(plan, workload)["iam.gke.io/gcp-service-account"]
            assert annotation == f"{account['account_id']}@{project}.iam.gserviceaccount.com"


def test_only_the_namespace_serviceaccount_may_impersonate(plans: list[Plan]) -> None:
    for plan in plans:
        doc = tf.document(plan)
        members = tf.blocks(doc, "google_service_account_iam_member")
        project = plan.spec.platform.cloud.project  # type: ignore[union-attr]
        for workload in (w for w in plan.workloads if w.identity):
            name = tf_name(workload.service_account)
            on_account = [
                m
                for m in members.values()
                if m["service_account_id"] == f"${{google_service_account.{name}.name}}"
            ]
            assert on_account == [
                {
                    "service_account_id": f"${{google_service_account.{name}.name}}",
                    "role": "roles/iam.workloadIdentityUser",
                    "member": f"serviceAccount:{project}.svc.id.goog"
                    f"[{plan.namespace}/{workload.service_account}]",
                }
            ]
        assert "allUsers" not in json.dumps(doc) and "allAuthenticatedUsers" not in json.dumps(doc)


def _cel(expression: str, name: str, list_prefix: str) -> bool:
    """Evaluate the small CEL subset the conditions use, for one request."""
    python = (
        expression.replace("||", " or ")
        .replace(".startsWith(", ".startswith(")
        .replace('api.getAttribute("storage.googleapis.com/objectListPrefix", "")', "list_prefix")
        .replace("resource.name", "name")
    )
    assert re.fullmatch(r'[\w\s."/=()\-,]*', python), python
    return bool(eval(python, {}, {"name": name, "list_prefix": list_prefix}))


def test_prefix_condition_is_exactly_the_prefix() -> None:
    expression = prefix_condition("models", "two-tower/v12")
    obj = "projects/_/buckets/models/objects/"
    assert _cel(expression, obj + "two-tower/v12", "")
    assert _cel(expression, obj + "two-tower/v12/saved_model.pb", "")
    assert not _cel(expression, obj + "two-tower/v120/saved_model.pb", "")
    assert not _cel(expression, obj + "two-tower/v1", "")
    bucket = "projects/_/buckets/models"
    assert _cel(expression, bucket, "two-tower/v12/")
    assert _cel(expression, bucket, "two-tower/v12")
    assert not _cel(expression, bucket, "two-tower/")
    assert not _cel(expression, bucket, "two-tower/v120")
    assert not _cel(expression, bucket, "")


def test_grants_are_exactly_the_workload_prefixes(plans: list[Plan]) -> None:
    for plan in plans:
        bindings = tf.blocks(tf.document(plan), "google_storage_bucket_iam_member")
        for workload in (w for w in plan.workloads if w.identity):
            name = tf_name(workload.service_account)
            mine = {
                k: v
                for k, v in bindings.items()
                if v["member"] == f"serviceAccount:${{google_service_account.{name}.email}}"
            }
            grants = [g for g in workload.grants if g.scheme == "gs"]
            assert len(mine) == len(grants)
            for index, grant in enumerate(grants):
                binding = mine[f"{name}_{index}"]
                assert binding["bucket"] == grant.bucket
                assert binding["role"] == (
                    "roles/storage.objectUser" if grant.write else "roles/storage.objectViewer"
                )
                if grant.prefix:
                    (condition,) = binding["condition"]
                    assert condition["expression"] == prefix_condition(grant.bucket, grant.prefix)
                else:
                    assert "condition" not in binding


EFFECT = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}


def test_node_pools_carry_the_kubernetes_placement(plans: list[Plan]) -> None:
    for plan in plans:
        doc = tf.document(plan)
        pools = tf.blocks(doc, "google_container_node_pool")
        assert set(pools) == {tf_name(n) for n in plan.spec.compute}
        for name, pool in plan.spec.compute.items():
            body = pools[tf_name(name)]
            assert len(body["name"]) <= 40
            assert body["cluster"].startswith("${data.google_container_cluster.")
            (config,) = body["node_config"]
            assert config["labels"] == {
                **pool.labels,
                **names.pool_labels(plan.stack, plan.environment, name),
            }
            taints = {(t["key"], t["value"], t["effect"]) for t in config.get("taint", [])}
            expected = {(t.key, t.value, EFFECT[t.effect]) for t in pool.taints}
            if pool.accelerator:
                expected.add((names.GPU_TAINT[0], names.GPU_TAINT[1], "NO_SCHEDULE"))
            if pool.spot:
                expected.add((names.SPOT_TAINT[0], names.SPOT_TAINT[1], "NO_SCHEDULE"))
            assert taints == expected
            # GKE sizes boot disks in GB: the spec's whole GiB, as the number it takes.
            assert config.get("disk_size_gb") == (
                int(pool.disk_size.removesuffix("Gi")) if pool.disk_size else None
            )
            assert body.get("node_locations", []) == pool.zones
            if name == "gpu":  # specs/recsys-gcp: the spec's disk, zones, labels and taint
                assert config["disk_size_gb"] == 200
                assert body["node_locations"] == ["europe-west4-a", "europe-west4-b"]
                assert config["labels"]["team.acme.example/cost"] == "gpu"
                assert ("dedicated", "recsys-gpu", "NO_SCHEDULE") in taints
            assert config.get("spot", False) == pool.spot
            assert config["machine_type"] == pool.instance_type
            assert config["workload_metadata_config"] == [{"mode": "GKE_METADATA"}]
            assert config["oauth_scopes"] == ["https://www.googleapis.com/auth/cloud-platform"]
            assert config["service_account"] == "${google_service_account.gke_nodes.email}"
            assert config["resource_labels"]["managed-by"] == "mlstack"
            (scaling,) = body["autoscaling"]
            assert (scaling["total_min_node_count"], scaling["total_max_node_count"]) == (
                pool.nodes.min,
                pool.nodes.max,
            )
            if pool.accelerator:
                assert config["guest_accelerator"] == [
                    {
                        "type": pool.accelerator.type,
                        "count": pool.accelerator.count,
                        "gpu_driver_installation_config": [{"gpu_driver_version": "LATEST"}],
                    }
                ]
            else:
                assert "guest_accelerator" not in config
        nodes = tf.blocks(doc, "google_project_iam_member").items()
        roles = {m["role"] for name, m in nodes if name.startswith("gke_nodes_")}
        assert roles == {
            "roles/container.defaultNodeServiceAccount",
            "roles/artifactregistry.reader",
        }
    staging = tf.blocks(tf.document(_recsys(plans, "staging")), "google_container_node_pool")
    assert staging["gpu"]["autoscaling"][0]["total_max_node_count"] == 1


def test_mlflow_artifact_bucket_is_private_versioned(plans: list[Plan]) -> None:
    (bucket,) = tf.blocks(tf.document(_recsys(plans)), "google_storage_bucket").values()
    assert bucket["name"] == "acme-recsys-mlflow"
    assert bucket["location"] == "EUROPE-WEST4"
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    assert bucket["versioning"] == [{"enabled": True}]
    assert bucket["labels"]["mlstack-stack"] == "recsys"
    assert tf.blocks(tf.document(_shop(plans)), "google_storage_bucket") == {}


def test_prebuilt_images_follow_vertex_docs() -> None:
    assert prebuilt_image("xgboost", "europe-west4", False) == (
        "europe-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.2-1:latest"
    )
    assert prebuilt_image("sklearn", "us-central1", True) == (
        "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-6:latest"
    )
    assert prebuilt_image("tensorflow", "asia-northeast1", True) == (
        "asia-docker.pkg.dev/vertex-ai/prediction/tf2-gpu.2-15:latest"
    )
    assert prebuilt_image("pytorch", "us-east1", False) == (
        "us-docker.pkg.dev/vertex-ai/prediction/pytorch-cpu.2-4:latest"
    )
    assert prebuilt_image("onnx", "us-east1", False) is None


def test_vertex_endpoint_and_its_deployment(plans: list[Plan]) -> None:
    plan = _recsys(plans)
    endpoints = tf.blocks(tf.document(plan), "google_vertex_ai_endpoint")
    ranker = endpoints["ranker"]
    assert re.fullmatch(r"[1-9][0-9]{9}", ranker["name"])
    assert ranker["name"] == endpoint_id("acme-recsys-prod", "recsys", "prod", "ranker")
    assert ranker["location"] == "europe-west4"
    assert (
        ranker["name"]
        != tf.blocks(tf.document(_recsys(plans, "staging")), "google_vertex_ai_endpoint")["ranker"][
            "name"
        ]
    )
    assert "gcloud ai" not in tf.notes(plan)
    deployment = _deployment(plan, "ranker")
    assert deployment["endpoint"] == ranker["name"]
    assert (deployment["project"], deployment["region"]) == ("acme-recsys-prod", "europe-west4")
    primary, canary = deployment["deployedModels"]
    assert (primary["displayName"], primary["traffic"]) == ("primary", 80)
    assert (canary["displayName"], canary["traffic"]) == ("canary", 20)
    assert primary["model"]["artifactUri"] == "gs://acme-recsys-models/ranker/xgb/v5"
    assert canary["model"]["artifactUri"] == "gs://acme-recsys-models/ranker/xgb/v6"
    image = "europe-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.2-1:latest"
    assert primary["model"]["containerImageUri"] == canary["model"]["containerImageUri"] == image
    assert (primary["minReplicaCount"], primary["maxReplicaCount"]) == (3, 20)
    assert primary["autoscalingMetricSpecs"] == {"cpu-usage": 60}
    account = tf.blocks(tf.document(plan), "google_service_account")["vertex_ranker"]
    assert (
        primary["serviceAccount"]
        == f"{account['account_id']}@acme-recsys-prod.iam.gserviceaccount.com"
    )
    assert primary["deployedModelId"] != canary["deployedModelId"]
    assert all(re.fullmatch(r"[1-9][0-9]{9}", d["deployedModelId"]) for d in (primary, canary))
    bindings = tf.blocks(tf.document(plan), "google_storage_bucket_iam_member")
    vertex = sorted(
        (b["bucket"], b["condition"][0]["expression"])
        for k, b in bindings.items()
        if k.startswith("vertex_ranker_")
    )
    assert vertex == [
        ("acme-recsys-models", prefix_condition("acme-recsys-models", "ranker/xgb/v5")),
        ("acme-recsys-models", prefix_condition("acme-recsys-models", "ranker/xgb/v6")),
    ]
    see = _deployment(_shop(plans), "see")["deployedModels"][0]
    assert (
        see["model"]["containerImageUri"]
        == "us-docker.pkg.dev/vertex-ai/prediction/tf2-gpu.2-15:latest"
    )
    assert see["accelerator"] == {"type": "nvidia-tesla-t4", "count": 1}
    assert see["autoscalingMetricSpecs"] == {}


def _deployment(plan: Plan, serving: str) -> dict[str, Any]:
    deployment: dict[str, Any] = json.loads(
        tf.files(plan)[f"terraform/vertex/{serving}.deploy.json"]
    )
    return deployment


def test_cloud_run_service(plans: list[Plan]) -> None:
    services = tf.blocks(tf.document(_recsys(plans)), "google_cloud_run_v2_service")
    body = services["query_embedder"]
    assert len(body["name"]) <= 49
    assert body["invoker_iam_disabled"] is False
    (template,) = body["template"]
    assert template["max_instance_request_concurrency"] == 40
    assert template["scaling"] == [{"min_instance_count": 0, "max_instance_count": 20}]
    assert template["service_account"] == "${google_service_account.run_query_embedder.email}"
    (container,) = template["containers"]
    assert container["resources"][0]["limits"] == {"memory": "4Gi", "cpu": "1"}
    shop = tf.blocks(tf.document(_shop(plans)), "google_cloud_run_v2_service")["embed_api"]
    assert "max_instance_request_concurrency" not in shop["template"][0]
    assert shop["template"][0]["containers"][0]["resources"][0]["limits"]["cpu"] == "2"
    assert (run_cpu("512Mi"), run_cpu("8Gi"), run_cpu("9Gi"), run_cpu("32Gi")) == (1, 2, 4, 8)
    assert "roles/run.invoker" not in tf.notes(_recsys(plans)) + tf.notes(_shop(plans))


def _invokers(doc: dict[str, Any], service: str) -> set[str]:
    """Members granted roles/run.invoker on one Cloud Run service of the document."""
    bindings = tf.blocks(doc, "google_cloud_run_v2_service_iam_member").values()
    ref = f"google_cloud_run_v2_service.{service}"
    assert all(b["role"] == "roles/run.invoker" for b in bindings)
    assert all(b["location"] == f"${{{ref}.location}}" for b in bindings if ref in b["name"])
    return {b["member"] for b in bindings if b["name"] == f"${{{ref}.name}}"}


def test_cloud_run_callers_are_the_stacks_own_workloads(plans: list[Plan]) -> None:
    """Without `invokers`, every workload of the stack that runs as a Google service account
    can call the service after apply: each in-cluster workload through its Workload Identity
    account, the Vertex AI serving and the Vertex AI training; nothing else (not the GKE node
    account, not the scheduler that only starts the training, not the service itself)."""
    for environment in ("prod", "staging"):
        plan = _recsys(plans, environment)
        doc = tf.document(plan)
        accounts = tf.blocks(doc, "google_service_account")
        members = _invokers(doc, "query_embedder")
        granted = {
            m.removeprefix("serviceAccount:${google_service_account.").removesuffix(".email}")
            for m in members
        }
        assert granted <= set(accounts)
        in_cluster = {
            name for name, body in accounts.items()
            if any(w.identity == body["account_id"] for w in plan.workloads)
        }  # fmt: skip
        assert in_cluster == {tf_name(w.service_account) for w in plan.workloads if w.identity}
        assert granted == in_cluster | {"vertex_ranker", "vertex_train_ranker_xgb"}
        assert "run_query_embedder" not in granted and "gke_nodes" in accounts


def test_cloud_run_invokers_as_written(plans: list[Plan]) -> None:
    doc = tf.document(_shop(plans))
    assert _invokers(doc, "embed_api") == {
        "serviceAccount:batch@shop-ml-1234.iam.gserviceaccount.com",
        "group:ml@shop.example",
    }


def _condition(policy: dict[str, Any]) -> dict[str, Any]:
    (condition,) = policy["conditions"]
    (threshold,) = condition["condition_threshold"]
    return dict(threshold)


def test_alert_policies_use_each_service_metric_and_unit(plans: list[Plan]) -> None:
    policies = tf.blocks(tf.document(_recsys(plans)), "google_monitoring_alert_policy")
    # Only the cloud servings: in-cluster ones get PrometheusRules instead.
    assert set(policies) == {
        "ranker_latency", "ranker_errors", "ranker_throughput", "query_embedder_latency",
    }  # fmt: skip
    latency = _condition(policies["ranker_latency"])
    assert (
        'metric.type = "aiplatform.googleapis.com/prediction/online/prediction_latencies"'
        in (latency["filter"])
    )
    assert 'resource.type = "aiplatform.googleapis.com/Endpoint"' in latency["filter"]
    assert "${google_vertex_ai_endpoint.ranker.name}" in latency["filter"]
    assert latency["threshold_value"] == 200  # milliseconds
    assert latency["aggregations"][0]["per_series_aligner"] == "ALIGN_PERCENTILE_99"
    assert "metric.label.deployed_model_id" in latency["aggregations"][0]["group_by_fields"]
    assert latency["duration"] == "300s"
    assert policies["ranker_latency"]["severity"] == "CRITICAL"
    errors = _condition(policies["ranker_errors"])
    assert errors["threshold_value"] == 0.01  # a ratio condition compares a fraction
    assert "response_count" in errors["filter"] and 'starts_with("5")' in errors["filter"]
    assert "response_code" not in errors["denominator_filter"]
    assert errors["duration"] == "600s"
    run = _condition(policies["query_embedder_latency"])
    assert 'metric.type = "run.googleapis.com/request_latencies"' in run["filter"]
    assert 'resource.type = "cloud_run_revision"' in run["filter"]
    assert run["threshold_value"] == 500 and run["duration"] == "900s"
    assert policies["query_embedder_latency"]["severity"] == "WARNING"
    shop = tf.blocks(tf.document(_shop(plans)), "google_monitoring_alert_policy")
    run_errors = _condition(shop["embed_errors"])
    assert 'metric.labels.response_code_class = "5xx"' in run_errors["filter"]
    assert run_errors["threshold_value"] == 0.025
    traffic = _condition(shop["embed_traffic"])
    assert 'metric.type = "run.googleapis.com/request_count"' in traffic["filter"]
    assert traffic["comparison"] == "COMPARISON_LT"
    assert traffic["aggregations"][0]["per_series_aligner"] == "ALIGN_RATE"
    assert traffic["evaluation_missing_data"] == "EVALUATION_MISSING_DATA_ACTIVE"
    assert shop["see_latency"]["user_labels"]["team"] == "ml"


def test_feature_online_store(plans: list[Plan]) -> None:
    stores = tf.blocks(tf.document(_recsys(plans)), "google_vertex_ai_feature_online_store")
    assert stores == {
        "features": {
            "name": "recsys_prod_features",
            "region": "europe-west4",
            "optimized": [{}],
        }
    }
    (said,) = [
        d
        for d in check(ROOT / "specs" / "recsys-gcp" / "mlstack.yaml").diagnostics
        if d.code == "W0759" and "'user-profile'" in d.message
    ]
    assert said.hint is not None and "lifetime_orders INT64" in said.hint


def test_no_gcp_blocks_elsewhere(plans: list[Plan]) -> None:
    for plan in plans:
        doc = tf.document(plan)
        assert all(t.startswith("google_") for t in doc.get("resource", {}))
        assert '"//":' not in json.dumps(doc)


def _pipeline(plan: Plan, model: str) -> dict[str, Any]:
    return dict(json.loads(tf.files(plan)[f"terraform/vertex/{model}.pipeline.json"]))


def _training_inputs(pipeline: dict[str, Any]) -> dict[str, Any]:
    task = pipeline["root"]["dag"]["tasks"]["custom-training-job"]
    assert task["cachingOptions"] == {}  # a scheduled rerun must not be served from cache
    return {k: v["runtimeValue"]["constant"] for k, v in task["inputs"]["parameters"].items()}


def test_vertex_pipeline_is_what_the_kfp_sdk_compiles(plans: list[Plan]) -> None:
    """tests/data/vertex holds kfp 2.17.3's compile of the same CustomTrainingJobOp call
    (README there): the generated spec must be that document."""
    sdk = json.loads((ROOT / "tests/data/vertex/recsys-prod-ranker-xgb.sdk.json").read_text())
    assert _pipeline(_recsys(plans), "ranker-xgb") == sdk


def test_vertex_pipeline_runs_the_models_training(plans: list[Plan]) -> None:
    plan = _recsys(plans)
    training = plan.spec.models["ranker-xgb"].training
    assert isinstance(training, ManagedTraining)
    pipeline = _pipeline(plan, "ranker-xgb")
    inputs = _training_inputs(pipeline)
    primary, workers = inputs["worker_pool_specs"]
    assert primary["machine_spec"] == {
        "machine_type": "g2-standard-8",
        "accelerator_type": "NVIDIA_L4",
        "accelerator_count": 1,
    }
    assert primary["container_spec"] == {
        "image_uri": training.image,
        "command": ["python"],
        "args": ["-m", "recsys.train.ranker", "--objective", "rank:ndcg"],
    }
    assert (primary["replica_count"], workers["replica_count"]) == (1, 1)  # instanceCount 2
    assert workers["machine_spec"] == primary["machine_spec"]
    assert inputs["timeout"] == "21600s"
    assert inputs["base_output_directory"] == "gs://acme-recsys-models/ranker/xgb/runs"
    assert pipeline["defaultPipelineRoot"].startswith(inputs["base_output_directory"] + "/")
    assert (inputs["project"], inputs["location"]) == ("acme-recsys-prod", "europe-west4")
    doc = tf.document(plan)
    account = tf.blocks(doc, "google_service_account")["vertex_train_ranker_xgb"]
    assert (
        inputs["service_account"]
        == f"{account['account_id']}@acme-recsys-prod.iam.gserviceaccount.com"
    )
    grants = {
        name: g
        for name, g in tf.blocks(doc, "google_storage_bucket_iam_member").items()
        if name.startswith("vertex_train_ranker_xgb")
    }
    assert [(g["role"], g["condition"][0]["expression"]) for g in grants.values()] == [
        ("roles/storage.objectUser", prefix_condition("acme-recsys-models", "ranker/xgb/runs"))
    ]
    executor = pipeline["deploymentSpec"]["executors"]["exec-custom-training-job"]["container"]
    assert executor["image"] == "gcr.io/ml-pipeline/google-cloud-pipeline-components:2.22.0"


def test_vertex_schedule_posts_the_pipeline_as_the_training_account(plans: list[Plan]) -> None:
    plan = _recsys(plans)
    doc = tf.document(plan)
    job = tf.blocks(doc, "google_cloud_scheduler_job")["ranker_xgb"]
    assert job["schedule"] == "0 5 * * MON" == cron.unix("0 5 * * mon")
    assert job["time_zone"] == "Etc/UTC"
    (target,) = job["http_target"]
    assert target["http_method"] == "POST"
    assert target["uri"] == (
        "https://europe-west4-aiplatform.googleapis.com/v1/projects/acme-recsys-prod"
        "/locations/europe-west4/pipelineJobs"
    )
    request = json.loads(base64.b64decode(target["body"]))
    pipeline = _pipeline(plan, "ranker-xgb")
    assert request["pipelineSpec"] == pipeline
    assert request["serviceAccount"] == _training_inputs(pipeline)["service_account"]
    assert request["runtimeConfig"] == {"gcsOutputDirectory": pipeline["defaultPipelineRoot"]}
    (token,) = target["oauth_token"]
    assert (
        token["service_account_email"]
        == "${google_service_account.vertex_schedule_ranker_xgb.email}"
    )
    scheduler = "serviceAccount:${google_service_account.vertex_schedule_ranker_xgb.email}"
    trainer = "serviceAccount:${google_service_account.vertex_train_ranker_xgb.email}"
    project_roles = {
        (m["member"], m["role"]) for m in tf.blocks(doc, "google_project_iam_member").values()
    }
    assert {
        (scheduler, "roles/aiplatform.user"),
        (trainer, "roles/aiplatform.user"),
    } <= project_roles
    act_as = {
        (m["member"], m["service_account_id"])
        for m in tf.blocks(doc, "google_service_account_iam_member").values()
        if m["role"] == "roles/iam.serviceAccountUser"
    }
    train_account = "${google_service_account.vertex_train_ranker_xgb.name}"
    assert act_as == {(scheduler, train_account), (trainer, train_account)}
    assert set(job["depends_on"]) == {
        "google_project_iam_member.vertex_schedule_ranker_xgb",
        "google_service_account_iam_member.vertex_schedule_ranker_xgb",
    }


def test_unscheduled_vertex_training_and_one_without_gcs(tmp_path: Path) -> None:
    clf = (
        '  clf:\n    framework: sklearn\n    uri: "gs://shop-clf"\n'
        '    training: {operator: vertex, image: "gcr.io/shop/clf:1", '
        'instanceType: n1-standard-8, output: "gs://shop-runs/clf"}\n'
    )
    hub = (
        "  hub:\n    framework: huggingface\n    uri: hf://acme/hub\n"
        '    training: {operator: vertex, image: "gcr.io/shop/hub:1", '
        'instanceType: n1-standard-8, schedule: "@daily"}'
    )
    spec = tmp_path / "mlstack.yaml"
    # Without a gs:// location to write to there is no job to generate: said at validate.
    spec.write_text(EXTRA.replace('  clf: {framework: sklearn, uri: "gs://shop-clf"}', clf + hub))
    assert [d.code for d in check(spec).diagnostics if d.severity == "error"] == ["E0741"]
    spec.write_text(EXTRA.replace('  clf: {framework: sklearn, uri: "gs://shop-clf"}', clf))
    checked = check(spec)
    assert not [d for d in checked.diagnostics if d.severity == "error"], checked.diagnostics
    (plan,) = checked.plans
    files = tf.files(plan)
    assert sorted(p for p in files if p.endswith(".pipeline.json")) == [
        "terraform/vertex/clf.pipeline.json"
    ]
    (pool,) = _training_inputs(_pipeline(plan, "clf"))["worker_pool_specs"]
    assert pool["machine_spec"] == {"machine_type": "n1-standard-8"}
    assert "command" not in pool["container_spec"]
    doc = tf.document(plan)
    assert tf.blocks(doc, "google_cloud_scheduler_job") == {}
    grants = tf.blocks(doc, "google_storage_bucket_iam_member")
    # The served model is the whole bucket: its runs go to their own output, and only there.
    assert grants["vertex_train_clf_0"]["bucket"] == "shop-runs"
    assert grants["vertex_train_clf_0"]["condition"][0]["expression"] == prefix_condition(
        "shop-runs", "clf"
    )
    assert problems(doc) == []
