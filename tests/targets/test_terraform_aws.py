"""The AWS Terraform modules: IRSA or EKS Pod Identity roles that pair with the Kubernetes
ServiceAccounts, node
groups that match the Kubernetes placement, least-privilege grants, the artifact bucket,
SageMaker/Lambda servings, CloudWatch alarms in each service's units, feature groups; plus the
typed attribute models checked against the provider schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from mlstack import names
from mlstack.clouds.aws_images import image_uri
from mlstack.plan import Plan
from mlstack.spec.platform import AwsCloud
from mlstack.targets.kubernetes.identity import sa_annotations
from mlstack.targets.terraform.aws_attrs import MODELS
from mlstack.targets.terraform.aws_iam import object_arns
from mlstack.targets.terraform.aws_training import eventbridge_cron
from mlstack.targets.terraform.blocks import tf_name
from tests.helpers import ROOT, cloud_plans
from tests.targets import tf_output as tf
from tests.targets.tf_schemas import problems, typed_model_problems

EXTRA = (ROOT / "tests" / "data" / "edge-aws.yaml").read_text()


@cache
def _plans(tmp: str) -> list[Plan]:
    extra = Path(tmp) / "mlstack.yaml"
    extra.write_text(EXTRA)
    return cloud_plans("aws", extra)


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> list[Plan]:
    return _plans(str(tmp_path_factory.mktemp("aws")))


def _edge(plans: list[Plan]) -> Plan:
    return next(p for p in plans if p.stack == "edge")


def test_every_aws_stack_is_schema_valid(plans: list[Plan]) -> None:
    assert {p.stack for p in plans} >= {"fraud", "edge"}
    for plan in plans:
        assert problems(tf.document(plan)) == [], plan.stack


def test_typed_attribute_models_name_real_arguments() -> None:
    assert typed_model_problems(MODELS) == []


def _trust(doc: dict[str, Any], role: dict[str, Any]) -> dict[str, Any]:
    name = role["assume_role_policy"].split(".")[2]
    statement: dict[str, Any] = tf.blocks(doc, "aws_iam_policy_document", "data")[name][
        "statement"
    ][0]
    return statement


def _mode(plan: Plan) -> str:
    cloud = plan.spec.platform.cloud
    assert isinstance(cloud, AwsCloud)
    return cloud.identity


def test_both_identity_modes_are_compiled(plans: list[Plan]) -> None:
    """specs/ holds an IRSA stack (fraud) and a Pod Identity one (search), so both are
    checked against the kit here and by `terraform validate` (test_real_tools)."""
    assert {(p.stack, _mode(p)) for p in plans} >= {("fraud", "irsa"), ("search", "pod-identity")}


def test_identity_names_match_serviceaccount_annotations(plans: list[Plan]) -> None:
    """IRSA: the role ARN in every ServiceAccount annotation names a role this Terraform
    creates. Pod Identity: the ServiceAccount carries no role annotation at all."""
    for plan in plans:
        roles = tf.blocks(tf.document(plan), "aws_iam_role")
        account = plan.spec.platform.cloud.account  # type: ignore[union-attr]
        assert [w for w in plan.workloads if w.identity]
        for workload in plan.workloads:
            if workload.identity is None:
                continue
            role = roles[tf_name(workload.service_account)]
            assert role["name"] == workload.identity
            if _mode(plan) == "pod-identity":
                assert "eks.amazonaws.com/role-arn" not in sa_annotations(plan, workload)
                continue
            arn = sa_annotations(plan, workload)["eks.amazonaws.com/role-arn"]
            assert arn == f"arn:aws:iam::{account}:role/{role['name']}"


def test_trust_is_only_the_namespace_and_serviceaccount(plans: list[Plan]) -> None:
    for plan in (p for p in plans if _mode(p) == "irsa"):
        doc = tf.document(plan)
        roles = tf.blocks(doc, "aws_iam_role")
        assert not tf.blocks(doc, "aws_eks_pod_identity_association"), plan.stack
        for workload in (w for w in plan.workloads if w.identity):
            statement = _trust(doc, roles[tf_name(workload.service_account)])
            assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
            (principal,) = statement["principals"]
            assert principal["type"] == "Federated"
            assert ":oidc-provider/${substr(data.aws_eks_cluster." in principal["identifiers"][0]
            conditions = {c["variable"].rsplit(":", 1)[1]: c for c in statement["condition"]}
            assert conditions["sub"]["test"] == "StringEquals"
            assert conditions["sub"]["values"] == [
                f"system:serviceaccount:{plan.namespace}:{workload.service_account}"
            ]
            assert conditions["aud"]["values"] == ["sts.amazonaws.com"]


def test_pod_identity_binds_each_serviceaccount_to_its_role(plans: list[Plan]) -> None:
    """One association per ServiceAccount with an identity, on the stack's cluster and
    namespace, naming the role made for it; the role trusts EKS Pod Identity (AssumeRole +
    TagSession, as the EKS user guide's pod-id-role requires) only for the session tags of
    that cluster, namespace and ServiceAccount."""
    checked = 0
    for plan in (p for p in plans if _mode(p) == "pod-identity"):
        doc = tf.document(plan)
        cloud = plan.spec.platform.cloud
        assert isinstance(cloud, AwsCloud)
        roles = tf.blocks(doc, "aws_iam_role")
        associations = tf.blocks(doc, "aws_eks_pod_identity_association")
        eks = tf.blocks(doc, "aws_eks_cluster", "data")
        (cluster_name,) = eks
        assert eks[cluster_name] == {"name": cloud.cluster}
        workloads = [w for w in plan.workloads if w.identity]
        assert sorted(associations) == sorted(tf_name(w.service_account) for w in workloads)
        for workload in workloads:
            name = tf_name(workload.service_account)
            assert associations[name] == {
                "cluster_name": f"${{data.aws_eks_cluster.{cluster_name}.name}}",
                "namespace": plan.namespace,
                "service_account": workload.service_account,
                "role_arn": f"${{aws_iam_role.{name}.arn}}",
            }
            statement = _trust(doc, roles[name])
            assert statement["actions"] == ["sts:AssumeRole", "sts:TagSession"]
            assert statement["principals"] == [
                {"type": "Service", "identifiers": ["pods.eks.amazonaws.com"]}
            ]
            assert {c["variable"]: (c["test"], c["values"]) for c in statement["condition"]} == {
                "aws:RequestTag/eks-cluster-name": ("StringEquals", [cloud.cluster]),
                "aws:RequestTag/kubernetes-namespace": ("StringEquals", [plan.namespace]),
                "aws:RequestTag/kubernetes-service-account": (
                    "StringEquals",
                    [workload.service_account],
                ),
            }
            checked += 1
        notes = tf.notes(plan)
        assert notes.count("EKS Pod Identity Agent add-on") == 1
        assert "OIDC provider" not in notes
    assert checked >= 2


def test_switching_identity_changes_only_trust_and_binding(tmp_path: Path) -> None:
    """The same stack under both modes: the roles, their names and grants are the same;
    only each role's trust document (and description) and the associations differ."""
    docs = {}
    for mode in ("irsa", "pod-identity"):
        path = tmp_path / mode / "mlstack.yaml"
        path.parent.mkdir()
        path.write_text(EXTRA.replace("cluster: shared}", f"cluster: shared, identity: {mode}}}"))
        (plan,) = [p for p in cloud_plans("aws", path) if p.stack == "edge"]
        docs[mode] = tf.document(plan)
    irsa, pod = docs["irsa"], docs["pod-identity"]
    accounts = {
        n for n, r in tf.blocks(pod, "aws_iam_role").items() if "ServiceAccount" in r["description"]
    }
    assert accounts
    assert not tf.blocks(irsa, "aws_eks_pod_identity_association")
    assert set(tf.blocks(pod, "aws_eks_pod_identity_association")) == accounts
    for doc in (irsa, pod):
        doc["resource"].pop("aws_eks_pod_identity_association", None)
        for name in accounts:
            doc["resource"]["aws_iam_role"][name].pop("description")
            doc["data"]["aws_iam_policy_document"].pop(f"{name}_trust")
    assert irsa == pod


def test_grants_are_exactly_the_workload_prefixes(plans: list[Plan]) -> None:
    for plan in plans:
        documents = tf.blocks(tf.document(plan), "aws_iam_policy_document", "data")
        for workload in (w for w in plan.workloads if w.identity):
            statements = documents[f"{tf_name(workload.service_account)}_access"]["statement"]
            objects = [s for s in statements if s["sid"].startswith("Objects")]
            listing = [s for s in statements if s["sid"].startswith("List")]
            assert len(objects) == len(listing) == len(workload.grants)
            for grant, obj, lst in zip(workload.grants, objects, listing, strict=True):
                assert obj["resources"] == object_arns(grant.bucket, grant.prefix)
                assert obj["resources"][-1] == (
                    f"arn:aws:s3:::{grant.bucket}/{grant.prefix}/*"
                    if grant.prefix
                    else f"arn:aws:s3:::{grant.bucket}/*"
                )
                writes = {"s3:PutObject", "s3:DeleteObject"} & set(obj["actions"])
                assert bool(writes) == grant.write
                assert lst["resources"] == [f"arn:aws:s3:::{grant.bucket}"]
                assert lst["condition"][0]["values"] == [grant.prefix, f"{grant.prefix}/*"]


EFFECT = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}


def test_node_groups_carry_the_kubernetes_placement(plans: list[Plan]) -> None:
    for plan in plans:
        groups = tf.blocks(tf.document(plan), "aws_eks_node_group")
        assert set(groups) == {tf_name(n) for n in plan.spec.compute}
        for name, pool in plan.spec.compute.items():
            group = groups[tf_name(name)]
            assert group["labels"] == {
                **pool.labels,
                **names.pool_labels(plan.stack, plan.environment, name),
            }
            taints = {(t["key"], t["value"], t["effect"]) for t in group.get("taint", [])}
            expected = {(t.key, t.value, EFFECT[t.effect]) for t in pool.taints}
            if pool.accelerator:
                expected.add((names.GPU_TAINT[0], names.GPU_TAINT[1], "NO_SCHEDULE"))
            if pool.spot:
                expected.add((names.SPOT_TAINT[0], names.SPOT_TAINT[1], "NO_SCHEDULE"))
            assert taints == expected
            assert group["capacity_type"] == ("SPOT" if pool.spot else "ON_DEMAND")
            assert group["scaling_config"][0]["min_size"] == pool.nodes.min
            assert group["scaling_config"][0]["max_size"] == pool.nodes.max
            assert group["instance_types"] == [pool.instance_type]
            if pool.subnets:
                assert group["subnet_ids"] == pool.subnets
            else:
                assert group["subnet_ids"].endswith(".vpc_config[0].subnet_ids}")
    edge = tf.blocks(tf.document(_edge(plans)), "aws_eks_node_group")
    # The spec's disk (GiB), subnets, AMI release, label and taint reach the group.
    assert edge["gpu"]["disk_size"] == 200
    assert edge["gpu"]["subnet_ids"] == ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]
    assert edge["gpu"]["release_version"] == "1.33.0-20250704"
    assert edge["gpu"]["labels"]["team.acme.example/gpu"] == "a10g"
    assert {"key": "dedicated", "value": "edge-gpu", "effect": "NO_EXECUTE"} in edge["gpu"]["taint"]
    assert "disk_size" not in edge["arm"] and "release_version" not in edge["arm"]
    assert edge["gpu"]["ami_type"] == "AL2023_x86_64_NVIDIA"
    assert edge["arm"]["ami_type"] == "AL2023_ARM_64_STANDARD"


def test_mlflow_artifact_bucket_is_private_versioned_encrypted(plans: list[Plan]) -> None:
    fraud = next(p for p in plans if p.stack == "fraud")
    doc = tf.document(fraud)
    (bucket,) = tf.blocks(doc, "aws_s3_bucket").values()
    # A destroy, rename or removed stack must fail at plan, not delete every run's artifacts.
    assert bucket == {"bucket": "acme-ml-artifacts", "lifecycle": {"prevent_destroy": True}}
    (versioning,) = tf.blocks(doc, "aws_s3_bucket_versioning").values()
    assert versioning["versioning_configuration"] == [{"status": "Enabled"}]
    (sse,) = tf.blocks(doc, "aws_s3_bucket_server_side_encryption_configuration").values()
    assert sse["rule"][0]["apply_server_side_encryption_by_default"] == [
        {"sse_algorithm": "aws:kms"}
    ]
    (public,) = tf.blocks(doc, "aws_s3_bucket_public_access_block").values()
    assert all(public[k] is True for k in public if k != "bucket")
    (lifecycle,) = tf.blocks(doc, "aws_s3_bucket_lifecycle_configuration").values()
    (rule,) = lifecycle["rule"]
    # Only MLflow's prefix: the bucket may hold objects that are not mlstack's to expire.
    assert rule["status"] == "Enabled" and rule["filter"] == [{"prefix": "fraud/"}]
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]
    assert "expiration" not in rule  # current artifacts are kept
    assert lifecycle["depends_on"] == [
        "aws_s3_bucket_versioning.mlflow_artifacts_acme_ml_artifacts"
    ]
    assert tf.blocks(tf.document(_edge(plans)), "aws_s3_bucket") == {}


def test_prebuilt_images_follow_the_sagemaker_sdk() -> None:
    assert image_uri("xgboost", "eu-west-1", "ml.m5.xlarge") == (
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    )
    assert image_uri("sklearn", "us-east-1", None) == (
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    )
    assert image_uri("pytorch", "us-west-2", "ml.g5.xlarge") == (
        "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.6.0-gpu-py312"
    )
    assert image_uri("tensorflow", "eu-west-1", "ml.c5.large") == (
        "763104351884.dkr.ecr.eu-west-1.amazonaws.com/tensorflow-inference:2.19.0-cpu"
    )
    assert image_uri("huggingface", "eu-west-1", "ml.g5.xlarge") == (
        "763104351884.dkr.ecr.eu-west-1.amazonaws.com/huggingface-pytorch-inference:"
        "2.6.0-transformers4.51.3-gpu-py312-cu124-ubuntu22.04"
    )
    assert image_uri("onnx", "eu-west-1", None) is None


def test_sagemaker_endpoint_variants_scaling_and_role(plans: list[Plan]) -> None:
    doc = tf.document(_edge(plans))
    config = tf.blocks(doc, "aws_sagemaker_endpoint_configuration")
    primary, canary = config["rank"]["production_variants"]
    assert (primary["variant_name"], primary["initial_variant_weight"]) == ("primary", 80)
    assert (canary["variant_name"], canary["initial_variant_weight"]) == ("canary", 20)
    assert primary["initial_instance_count"] == 2
    assert primary["instance_type"] == "ml.m5.xlarge"
    (serverless,) = config["tag"]["production_variants"]
    assert serverless["serverless_config"] == [{"memory_size_in_mb": 2048, "max_concurrency": 10}]
    assert "instance_type" not in serverless
    models = tf.blocks(doc, "aws_sagemaker_model")
    assert models["tag_primary"]["primary_container"][0]["model_data_url"] == (
        "s3://edge-models/tagger/model.tar.gz"
    )
    source = models["rank_canary"]["primary_container"][0]["model_data_source"][0]
    assert source["s3_data_source"][0]["s3_uri"] == "s3://edge-models/ranker/v4/"
    policies = tf.blocks(doc, "aws_appautoscaling_policy")
    rps = policies["rank_primary"]["target_tracking_scaling_policy_configuration"][0]
    # SageMakerVariantInvocationsPerInstance is per minute: 10 rps -> 600.
    assert rps["target_value"] == 600
    assert rps["predefined_metric_specification"] == [
        {"predefined_metric_type": "SageMakerVariantInvocationsPerInstance"}
    ]
    assert "tag_primary" not in policies  # serverless: no instance scaling
    targets = tf.blocks(doc, "aws_appautoscaling_target")
    assert (targets["rank_primary"]["min_capacity"], targets["rank_primary"]["max_capacity"]) == (
        2,
        6,
    )
    fraud = tf.document(next(p for p in plans if p.stack == "fraud"))
    cpu = tf.blocks(fraud, "aws_appautoscaling_policy")["fraud_batch_primary"]
    tracking = cpu["target_tracking_scaling_policy_configuration"][0]
    assert tracking["target_value"] == 80 * 4  # CPUUtilization sums the 4 vCPUs of ml.g5.xlarge
    access = tf.blocks(doc, "aws_iam_policy_document", "data")["sagemaker_rank_access"]
    reads = [s for s in access["statement"] if s["sid"] != "Capture"]
    s3 = [r for s in reads for r in s["resources"] if r.startswith("arn:aws:s3")]
    assert sorted(s3) == sorted(
        [
            *object_arns("edge-models", "ranker/v3"),
            *object_arns("edge-models", "ranker/v4"),
            "arn:aws:s3:::edge-models",
            "arn:aws:s3:::edge-models",
        ]
    )
    groups = tf.blocks(doc, "aws_cloudwatch_log_group")
    assert groups["sagemaker_rank"]["name"] == "/aws/sagemaker/Endpoints/edge-default-rank"


KEY = "arn:aws:kms:us-east-1:210987654321:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def test_data_capture_lands_where_only_the_endpoint_writes(plans: list[Plan]) -> None:
    """rank captures 25% of requests and responses under its own prefix, encrypted with its
    key: the configuration says so, and the execution role may put objects there (only put,
    only there, and make data keys of only that key); endpoints without capture write nowhere."""
    doc = tf.document(_edge(plans))
    configs = tf.blocks(doc, "aws_sagemaker_endpoint_configuration")
    assert configs["rank"]["data_capture_config"] == [
        {
            "enable_capture": True,
            "initial_sampling_percentage": 25,
            "destination_s3_uri": "s3://edge-models/capture/rank/",
            "kms_key_id": KEY,
            "capture_options": [{"capture_mode": "Input"}, {"capture_mode": "Output"}],
        }
    ]
    documents = tf.blocks(doc, "aws_iam_policy_document", "data")
    statements = {s["sid"]: s for s in documents["sagemaker_rank_access"]["statement"]}
    assert statements["Capture"]["actions"] == ["s3:PutObject"]
    assert statements["Capture"]["resources"] == object_arns("edge-models", "capture/rank")
    assert statements["CaptureKey"] == {
        "sid": "CaptureKey",
        "effect": "Allow",
        "actions": ["kms:GenerateDataKey"],
        "resources": [KEY],
    }
    # Nothing else the role may write: its reads stay reads, its log group its own.
    writes = [
        s["sid"]
        for s in statements.values()
        if any(
            a.startswith("s3:") and a not in ("s3:GetObject", "s3:ListBucket") for a in s["actions"]
        )
    ]
    assert writes == ["Capture"]
    for name in ("tag", "custom"):
        assert "data_capture_config" not in configs[name]
        sids = {s["sid"] for s in documents[f"sagemaker_{name}_access"]["statement"]}
        assert not sids & {"Capture", "CaptureKey", "VpcInterfaces"}


def test_vpc_puts_every_model_of_the_serving_in_its_subnets(plans: list[Plan]) -> None:
    doc = tf.document(_edge(plans))
    models = tf.blocks(doc, "aws_sagemaker_model")
    expected = [
        {
            "subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
            "security_group_ids": ["sg-0123456789abcdef0"],
        }
    ]
    assert models["rank_primary"]["vpc_config"] == models["rank_canary"]["vpc_config"] == expected
    assert "vpc_config" not in models["custom_primary"]
    statements = tf.blocks(doc, "aws_iam_policy_document", "data")["sagemaker_rank_access"]
    (vpc,) = [s for s in statements["statement"] if s["sid"] == "VpcInterfaces"]
    assert "ec2:CreateNetworkInterface" in vpc["actions"] and vpc["resources"] == ["*"]


def test_network_isolation_where_the_container_needs_no_network(plans: list[Plan]) -> None:
    doc = tf.document(_edge(plans))
    models = tf.blocks(doc, "aws_sagemaker_model")
    isolated = {name for name, body in models.items() if body.get("enable_network_isolation")}
    # Prebuilt images with the model staged from S3 (prefix or archive) run isolated; a custom
    # image may need the network by design.
    assert isolated == {"rank_primary", "rank_canary", "tag_primary"}
    assert "custom_primary" in models


def test_lambda_function_and_url(plans: list[Plan]) -> None:
    doc = tf.document(_edge(plans))
    function = tf.blocks(doc, "aws_lambda_function")["score"]
    assert function["package_type"] == "Image"
    assert function["memory_size"] == 1536
    assert function["reserved_concurrent_executions"] == 50
    url = tf.blocks(doc, "aws_lambda_function_url")["score"]
    assert url["authorization_type"] == "AWS_IAM"
    assert url["qualifier"] == "${aws_lambda_alias.score.name}"
    # replicas.min 0: no warm instances, nothing to autoscale (Lambda scales on demand).
    assert "score" not in tf.blocks(doc, "aws_lambda_provisioned_concurrency_config")
    assert "lambda_score" not in tf.blocks(doc, "aws_appautoscaling_target")


def _resolved(doc: dict[str, Any], expression: str) -> Any:
    """A `${TYPE.NAME.ATTR}` reference to an argument written in the document, resolved."""
    type_, name, attribute = expression.removeprefix("${").removesuffix("}").split(".")
    return tf.blocks(doc, type_)[name][attribute]


def test_lambda_warm_instances_are_on_the_alias_the_url_serves(plans: list[Plan]) -> None:
    """replicas.min is provisioned concurrency on the `live` alias, which points at the
    version the function publishes and which the URL serves: every call reaches the warm
    instances, and a new image moves the alias (and its warm instances) with it."""
    doc = tf.document(_edge(plans))
    function = tf.blocks(doc, "aws_lambda_function")["score_warm"]
    assert function["publish"] is True
    alias = tf.blocks(doc, "aws_lambda_alias")["score_warm"]
    assert alias["function_name"] == "${aws_lambda_function.score_warm.function_name}"
    assert alias["function_version"] == "${aws_lambda_function.score_warm.version}"
    url = tf.blocks(doc, "aws_lambda_function_url")["score_warm"]
    assert _resolved(doc, url["qualifier"]) == alias["name"] == "live"
    warm = tf.blocks(doc, "aws_lambda_provisioned_concurrency_config")["score_warm"]
    assert _resolved(doc, warm["qualifier"]) == "live"
    assert warm["function_name"] == url["function_name"] == alias["function_name"]
    assert warm["provisioned_concurrent_executions"] == 3
    assert "lifecycle" not in warm  # nothing else changes the count
    assert warm["provisioned_concurrent_executions"] <= function["reserved_concurrent_executions"]
    assert "lambda_score_warm" not in tf.blocks(doc, "aws_appautoscaling_target")


def test_lambda_autoscaling_tracks_warm_instance_utilization(plans: list[Plan]) -> None:
    """Application Auto Scaling owns the provisioned concurrency of the alias between
    replicas.min and replicas.max, at the target share of busy instances; Terraform sets the
    starting count and then leaves it to the autoscaler."""
    doc = tf.document(_edge(plans))
    warm = tf.blocks(doc, "aws_lambda_provisioned_concurrency_config")["score_burst"]
    assert warm["provisioned_concurrent_executions"] == 2
    assert warm["lifecycle"] == {"ignore_changes": ["provisioned_concurrent_executions"]}
    target = tf.blocks(doc, "aws_appautoscaling_target")["lambda_score_burst"]
    function = tf.blocks(doc, "aws_lambda_function")["score_burst"]
    assert (target["service_namespace"], target["scalable_dimension"]) == (
        "lambda", "lambda:function:ProvisionedConcurrency",
    )  # fmt: skip
    assert target["resource_id"] == f"function:{warm['function_name']}:{warm['qualifier']}"
    assert (target["min_capacity"], target["max_capacity"]) == (2, 40)
    assert target["max_capacity"] <= function["reserved_concurrent_executions"]
    assert target["depends_on"] == ["aws_lambda_provisioned_concurrency_config.score_burst"]
    policy = tf.blocks(doc, "aws_appautoscaling_policy")["lambda_score_burst"]
    assert policy["policy_type"] == "TargetTrackingScaling"
    assert policy["resource_id"] == "${aws_appautoscaling_target.lambda_score_burst.resource_id}"
    (tracking,) = policy["target_tracking_scaling_policy_configuration"]
    assert tracking["target_value"] == 0.7
    assert tracking["predefined_metric_specification"] == [
        {"predefined_metric_type": "LambdaProvisionedConcurrencyUtilization"}
    ]


def test_alarms_use_each_service_metric_and_unit(plans: list[Plan]) -> None:
    fraud = tf.blocks(
        tf.document(next(p for p in plans if p.stack == "fraud")),
        "aws_cloudwatch_metric_alarm",
    )
    latency = fraud["fraud_batch_latency"]
    assert (latency["namespace"], latency["metric_name"]) == ("AWS/SageMaker", "ModelLatency")
    assert latency["unit"] == "Microseconds" and latency["threshold"] == 500_000
    assert latency["extended_statistic"] == "p99"
    assert latency["period"] == 60 and latency["evaluation_periods"] == 10
    assert "fraud_api_latency" not in fraud  # in-cluster serving: PrometheusRule instead
    alarms = tf.blocks(tf.document(_edge(plans)), "aws_cloudwatch_metric_alarm")
    assert set(alarms) == {
        "rank_errors", "rank_errors_canary", "rank_traffic", "rank_traffic_canary", "score_latency",
    }  # fmt: skip
    score = alarms["score_latency"]
    assert (score["namespace"], score["metric_name"], score["unit"]) == (
        "AWS/Lambda", "Duration", "Milliseconds",
    )  # fmt: skip
    assert score["threshold"] == 1000 and score["evaluation_periods"] == 3
    errors = alarms["rank_errors_canary"]
    metrics = {q["id"]: q for q in errors["metric_query"]}
    assert metrics["errors"]["metric"][0]["metric_name"] == "Invocation5XXErrors"
    assert metrics["errors"]["metric"][0]["dimensions"]["VariantName"] == "canary"
    assert metrics["requests"]["metric"][0]["metric_name"] == "Invocations"
    assert errors["threshold"] == 2.0 and metrics["rate"]["return_data"] is True
    traffic = alarms["rank_traffic"]
    assert traffic["comparison_operator"] == "LessThanThreshold"
    assert traffic["treat_missing_data"] == "breaching"
    assert "PERIOD(requests)" in traffic["metric_query"][1]["expression"]


def test_feature_groups(plans: list[Plan]) -> None:
    groups = tf.blocks(tf.document(_edge(plans)), "aws_sagemaker_feature_group")
    users = groups["users"]
    types = {d["feature_name"]: d["feature_type"] for d in users["feature_definition"]}
    assert types == {
        "user_id": "String", "ts": "String", "age": "Integral", "score": "Fractional",
        "active": "Integral", "seen": "String",
    }  # fmt: skip
    assert users["online_store_config"] == [
        {"enable_online_store": True, "ttl_duration": [{"unit": "Days", "value": 2}]}
    ]
    assert "offline_store_config" not in users  # offline: false
    fraud = tf.blocks(
        tf.document(next(p for p in plans if p.stack == "fraud")),
        "aws_sagemaker_feature_group",
    )
    offline = fraud["transactions"]["offline_store_config"][0]["s3_storage_config"][0]
    assert offline["s3_uri"] == "s3://acme-ml-artifacts/fraud/feature-store"


def test_no_cdktf_metadata_keys(plans: list[Plan]) -> None:
    for plan in plans:
        assert '"//":' not in json.dumps(tf.document(plan))


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("0 4 * * 1-5", "cron(0 4 ? * 2-6 *)"),
        ("30 2 1 * *", "cron(30 2 1 * ? *)"),
        ("*/15 * * * *", "cron(*/15 * * * ? *)"),
        ("0 3 * * 0,7", "cron(0 3 ? * 1,1 *)"),
        ("0 3 * * MON", "cron(0 3 ? * MON *)"),
        ("@weekly", "cron(0 0 ? * 1 *)"),
    ],
)
def test_eventbridge_cron(cron: str, expected: str) -> None:
    assert eventbridge_cron(cron) == expected


def test_sagemaker_training_and_pipelines(plans: list[Plan]) -> None:
    doc = tf.document(_edge(plans))
    pipelines = tf.blocks(doc, "aws_sagemaker_pipeline")
    train = json.loads(pipelines["churn_train"]["pipeline_definition"])
    assert train["Version"] == "2020-12-01"
    (step,) = train["Steps"]
    assert step["Type"] == "Training"
    arguments = step["Arguments"]
    # Runs go beside the served model, never into it.
    assert arguments["OutputDataConfig"] == {"S3OutputPath": "s3://edge-models/churn/runs"}
    assert arguments["ResourceConfig"]["InstanceType"] == "ml.m5.2xlarge"
    assert arguments["AlgorithmSpecification"]["ContainerEntrypoint"] == ["python"]
    assert arguments["RoleArn"] == "${aws_iam_role.pipeline_churn_train.arn}"
    assert arguments["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
    weekly = json.loads(pipelines["weekly"]["pipeline_definition"])
    steps = {s["Name"]: s for s in weekly["Steps"]}
    assert steps["prep"]["Type"] == "Processing" and steps["fit"]["Type"] == "Training"
    assert steps["fit"]["DependsOn"] == ["prep"]
    schedules = tf.blocks(doc, "aws_scheduler_schedule")
    assert schedules["churn_train"]["schedule_expression"] == "cron(0 4 ? * 2-6 *)"
    assert schedules["weekly"]["target"][0]["arn"] == "${aws_sagemaker_pipeline.weekly.arn}"
    access = tf.blocks(doc, "aws_iam_policy_document", "data")["pipeline_churn_train_access"]
    objects = next(s for s in access["statement"] if s["sid"] == "Objects0")
    assert objects["resources"] == object_arns("edge-models", "churn/runs")
    assert "s3:PutObject" in objects["actions"]
