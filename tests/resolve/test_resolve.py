"""Resolve: overlays, plans, identities, and the cross-layer checks on small stacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstack import names
from mlstack.load import load
from mlstack.parse import parse
from mlstack.resolve import resolve
from tests.helpers import MINIMAL, REFERENCE, check_text, codes

AWS = (
    MINIMAL
    + """\
platform:
  cloud: {provider: aws, region: eu-west-1, account: "123456789012", cluster: ml}
compute:
  cpu: {instanceType: m6i.2xlarge, nodes: {min: 1, max: 3}}
  gpu: {instanceType: g5.2xlarge, accelerator: {type: nvidia-a10g, count: 1}}
models:
  m: {framework: xgboost, uri: "s3://models/m/v1"}
  n: {framework: xgboost, uri: "s3://models/n/v1"}
"""
)


def test_reference_stack_plans_per_environment() -> None:
    doc = load(REFERENCE)
    stack, diagnostics, _ = parse(doc)
    plans, more = resolve(doc, stack)
    # The design's reference stack has alerts but no receivers yet: they page nobody (W0311);
    # its drift check names no current data, so its job cannot run yet (W0713).
    assert {d.code for d in diagnostics + more} == {"W0311", "W0713"}
    assert [p.environment for p in plans] == ["staging", "prod"]
    staging, prod = plans
    assert staging.namespace == "fraud-staging" and prod.namespace == "fraud"
    assert staging.spec.serving["fraud-api"].replicas.max == 2
    assert prod.spec.serving["fraud-api"].replicas.max == 40
    assert staging.spec.serving["fraud-api"].canary.traffic == 50  # type: ignore[union-attr]
    # The overlay's value was written on the overlay's line, the base's on the base's; the
    # objects name the same entry in both (FILE#POINTER: no line numbers in objects).
    max_replicas = ("serving", "fraud-api", "replicas", "max")
    assert staging.span(max_replicas).line != prod.span(max_replicas).line
    assert staging.source(max_replicas) == prod.source(max_replicas)
    assert prod.source(max_replicas) == "specs/fraud/mlstack.yaml#/serving/fraud-api/replicas/max"
    assert staging.spec.gitops is not None and staging.spec.gitops.path == "stacks/fraud"


def test_workload_grants_are_exactly_what_each_reads() -> None:
    doc = load(REFERENCE)
    plans, _ = resolve(doc, parse(doc)[0])
    plan = plans[1]
    serve = plan.workload("serve", "fraud-explain")
    assert [(g.bucket, g.prefix, g.write) for g in serve.grants] == [
        ("acme-models", "fraud/bert/v2", False)
    ]
    # Training writes its runs/ prefix beside the served v7, and reads nothing it serves.
    train = plan.workload("train", "fraud-xgb")
    assert [(g.bucket, g.prefix, g.write) for g in train.grants] == [
        ("acme-models", "fraud/xgb/runs", True)
    ]
    # The canary model is models:/ (MLflow registry): read on the artifact store.
    api = plan.workload("serve", "fraud-api")
    assert ("acme-ml-artifacts", "fraud", False) in [
        (g.bucket, g.prefix, g.write) for g in api.grants
    ]
    assert api.identity == names.cloud_identity("aws", "fraud", "prod", "serve-fraud-api")
    # sagemaker servings run outside the cluster: no in-cluster workload.
    assert not [w for w in plan.workloads if w.name == "fraud-batch"]


def test_identity_names_fit_each_cloud() -> None:
    long = "x" * 40
    assert len(names.cloud_identity("aws", long, long, "serve-" + long)) <= 64
    gcp = names.cloud_identity("gcp", long, long, "serve-" + long)
    assert 6 <= len(gcp) <= 30 and gcp[0].isalpha() and not gcp.endswith("-")
    assert names.cloud_identity("gcp", "a", "prod", "mlflow") != names.cloud_identity(
        "gcp", "b", "prod", "mlflow"
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("serving:\n  s: {model: mm, runtime: kserve}\n", ["E0301"]),
        ("serving:\n  s: {model: m, runtime: kserve, pool: cpux}\n", ["E0302"]),
        ("serving:\n  s: {model: m, runtime: vertex, instanceType: n1-standard-4}\n", ["E0401"]),
        ("serving:\n  s: {model: m, runtime: kserve, pool: cpu, resources: {gpu: 1}}\n", ["E0601"]),
        ("serving:\n  s: {model: m, runtime: kserve, pool: gpu, resources: {gpu: 2}}\n", ["E0602"]),
        (
            "serving:\n  s: {model: m, runtime: kserve, pool: cpu, resources: {memory: 64Gi}}\n",
            ["E0603"],
        ),
        ("serving:\n  s: {model: m, runtime: tfserving}\n", ["E0702"]),
        (
            "serving:\n  s: {model: m, runtime: torchserve, canary: {model: n, traffic: 5}}\n",
            ["E0701", "E0702", "E0702"],
        ),
        # Model n is used by nothing (W0751) once the stack is otherwise valid.
        ("serving:\n  s: {model: m, runtime: kserve, replicas: {min: 0, max: 2}}\n", ["W0751"]),
        ("serving:\n  s: {model: m, runtime: seldon, replicas: {min: 0, max: 2}}\n", ["E0703"]),
        (
            "serving:\n  s: {model: m, runtime: triton, autoscaling: {metric: rps, target: 5}}\n",
            ["E0702", "E0708"],
        ),
        (
            "features: {store: vertex, groups: {g: {recordId: id, eventTime: t, features: {a: int}}}}\n",
            ["E0402"],
        ),
    ],
)
def test_cross_layer_checks(tmp_path: Path, extra: str, expected: list[str]) -> None:
    result = check_text(tmp_path, AWS + extra)
    assert sorted(codes(result.diagnostics)) == expected


def test_overlay_may_not_add_names_and_disabled_references_fail(tmp_path: Path) -> None:
    text = (
        AWS
        + """\
serving:
  s: {model: m, runtime: kserve}
environments:
  dev:
    serving:
      ss: {replicas: {min: 1, max: 2}}
  prod:
    models:
      m: {enabled: false}
"""
    )
    result = check_text(tmp_path, text)
    # Sorted by position: the serving's model line comes before the overlay; model n is used
    # by nothing (W0751, from dev, the environment without an error of resolve's own).
    assert codes(result.diagnostics) == ["W0751", "E0307", "E0501"]
    assert "disabled in environment 'prod'" in result.diagnostics[1].message
    assert "did you mean 's'?" in (result.diagnostics[2].hint or "")


def test_pipeline_cycle_reported_once(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
pipelines:
  p:
    steps:
      a: {image: "busybox:1.36", dependsOn: [c]}
      b: {image: "busybox:1.36", dependsOn: [a]}
      c: {image: "busybox:1.36", dependsOn: [b]}
"""
    )
    result = check_text(tmp_path, text)
    assert codes(result.diagnostics) == ["E0306"]
    assert "a -> c -> b -> a" in result.diagnostics[0].message


def test_unknown_instance_type_is_only_a_warning(tmp_path: Path) -> None:
    result = check_text(tmp_path, AWS.replace("m6i.2xlarge", "m99.huge"))
    assert codes(result.diagnostics) == ["W0604", "W0751", "W0751"]  # models m, n: no serving
    assert result.ok and len(result.plans) == 1


def test_every_storage_uri_must_match_the_cloud(tmp_path: Path) -> None:
    text = AWS.replace(
        'provider: aws, region: eu-west-1, account: "123456789012"',
        "provider: gcp, region: europe-west4, project: acme-ml-prod",
    ).replace("s3://", "gs://")
    text = (
        text.replace("m6i.2xlarge", "n2-standard-8")
        .replace("g5.2xlarge", "g2-standard-8")
        .replace("nvidia-a10g", "nvidia-l4")
    )
    text += """\
serving:
  s: {model: m, runtime: kserve}
monitoring:
  drift:
    s: {reference: "gs://data/ref.parquet", current: "s3://other/log/"}
pipelines:
  p:
    steps:
      a: {kind: spark, image: "apache/spark:3.5.5", mainApplicationFile: "local:///opt/app.py", reads: ["s3://other/data"]}
"""
    result = check_text(tmp_path, text)
    assert codes(result.diagnostics) == ["E0403", "E0403"]
    assert [d.span.line for d in result.diagnostics if d.span] == [
        text.count("\n") - 4,
        text.count("\n"),
    ]


def test_gcp_n1_machines_take_attached_gpus(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
platform:
  cloud: {provider: gcp, region: europe-west4, project: acme-ml-1, cluster: ml}
compute:
  t4: {instanceType: n1-standard-8, accelerator: {type: nvidia-tesla-t4, count: 2}}
"""
    )
    assert codes(check_text(tmp_path, text).diagnostics) == []
    on_aws = text.replace(
        "provider: gcp, region: europe-west4, project: acme-ml-1",
        'provider: aws, region: eu-west-1, account: "123456789012"',
    )
    assert codes(
        check_text(tmp_path, on_aws.replace("n1-standard-8", "m6i.2xlarge")).diagnostics
    ) == ["E0605"]
