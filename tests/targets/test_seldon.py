"""Seldon Core v2: a Model per serving with the framework as its Server requirement, and for a
canary a second Model plus an Experiment that splits the serving's own endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.targets.kubernetes import seldon
from mlstack.targets.kubernetes.meta import full_object
from tests.helpers import ROOT, check_text
from tests.targets.schemas import CRDS, problems

needs_kit = pytest.mark.skipif(not CRDS.exists(), reason="the shared schema kit is missing")

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


def _objects(plan: Plan) -> dict[tuple[str, str], dict[str, Any]]:
    return {(m.kind, m.name): full_object(plan, m) for m in seldon.build(plan)}


def _canary_plan(tmp_path: Path) -> Plan:
    checked = check_text(tmp_path, CANARY_STACK)
    assert [d.message for d in checked.diagnostics if d.is_error] == []
    return checked.plans[0]


def test_example_model_ocr() -> None:
    plans = check(ROOT / "specs" / "vision-azure" / "mlstack.yaml").plans
    for plan in plans:
        objects = _objects(plan)
        assert list(objects) == [("Model", "ocr")]
        spec = objects[("Model", "ocr")]["spec"]
        assert spec["requirements"] == ["huggingface"]  # an MLServer capability
        # rclone remotes are per storage account: the account leaves the URI.
        assert spec["storageUri"] == "azureblob://models/ocr/trocr-base-printed"
        assert spec["memory"] == "16Gi"
        assert (spec["minReplicas"], spec["maxReplicas"]) == (1, 4)
        assert spec["replicas"] == 1
        assert "secretName" not in spec  # a cloud stack: the Server's identity reads storage


def test_canary_is_a_second_model_and_an_experiment(tmp_path: Path) -> None:
    plan = _canary_plan(tmp_path)
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
    assert source.endswith(
        ":"
        + str(CANARY_STACK.splitlines().index("    canary: {model: churn-next, traffic: 15}") + 1)
    )


@needs_kit
def test_objects_validate_against_the_seldon_crds(tmp_path: Path) -> None:
    plan = _canary_plan(tmp_path)
    plans = [plan, *check(ROOT / "specs" / "vision-azure" / "mlstack.yaml").plans]
    for each in plans:
        for manifest in seldon.build(each):
            assert problems(full_object(each, manifest), "1.33") == [], manifest.file_name


@needs_kit
def test_the_crd_rejects_a_wrong_weight_type(tmp_path: Path) -> None:
    """Negative control: the Experiment schema is really applied."""
    experiment = _objects(_canary_plan(tmp_path))[("Experiment", "churn-api")]
    experiment["spec"]["candidates"][0]["weight"] = "85"
    assert problems(experiment, "1.33")


def test_azure_blob_uri_is_relative_to_the_account_remote() -> None:
    assert seldon.seldon_uri("azureblob://acct/models/ocr/v2") == "azureblob://models/ocr/v2"
    assert seldon.seldon_uri("azureblob://acct/models") == "azureblob://models"
    assert seldon.seldon_uri("gs://bucket/p") == "gs://bucket/p"
