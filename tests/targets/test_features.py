"""Feast: the FeatureStore the operator reconciles, and the feature groups as Feast Python
that its `feast apply` init container finds in the feature repository."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
from functools import cache
from typing import Any

import pytest

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.targets.kubernetes import features
from mlstack.targets.kubernetes.meta import full_object
from tests.helpers import SPECS
from tests.targets.schemas import problems


@cache
def _plans() -> dict[str, Plan]:
    return {f"{p.stack}-{p.environment}": p for path in SPECS for p in check(path).plans}


def _as_feast(plan: Plan, stack: str | None = None) -> Plan:
    """A vertex/sagemaker stack switched to Feast (recsys has timestamp features)."""
    assert plan.spec.features is not None
    spec = plan.spec.model_copy(
        update={"features": plan.spec.features.model_copy(update={"store": "feast"})}
    )
    return dataclasses.replace(plan, spec=spec, stack=stack or plan.stack)


def _objects(plan: Plan) -> dict[str, dict[str, Any]]:
    return {m.kind: full_object(plan, m) for m in features.build(plan)}


def _views(code: str) -> dict[str, dict[str, ast.expr]]:
    """FeatureView(...) calls of the generated module, keyed by their `name=`."""
    out = {}
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "FeatureView":
            kwargs = {k.arg: k.value for k in node.keywords if k.arg}
            out[ast.literal_eval(kwargs["name"])] = kwargs
    return out


def _schema(view: dict[str, ast.expr]) -> dict[str, str]:
    assert isinstance(view["schema"], ast.List)
    fields = {}
    for call in view["schema"].elts:
        assert isinstance(call, ast.Call)
        kwargs = {k.arg: k.value for k in call.keywords}
        dtype = kwargs["dtype"]
        assert isinstance(dtype, ast.Name)
        fields[ast.literal_eval(kwargs["name"])] = dtype.id
    return fields


def test_edge_feature_store_is_valid_and_wired_to_the_repo() -> None:
    plan = _plans()["edge-default"]
    objects = _objects(plan)
    store, repo = objects["FeatureStore"], objects["ConfigMap"]
    assert problems(store, "1.30") == [] and problems(repo, "1.30") == []
    spec = store["spec"]
    assert store["metadata"]["name"] == "edge" and spec["feastProject"] == "edge"
    assert spec["feastProjectDir"] == {"init": {"minimal": True}}
    services = spec["services"]
    assert services["runFeastApplyOnInit"] is True
    assert {"onlineStore", "offlineStore", "registry"} <= services.keys()
    [volume] = services["volumes"]
    assert volume["configMap"]["name"] == repo["metadata"]["name"] == "feast-repo"
    [mount] = services["registry"]["local"]["server"]["volumeMounts"]
    assert mount["name"] == volume["name"] and mount["subPath"] in repo["data"]
    # The operator keeps the repo at <offline PVC mount>/<project>/feature_repo.
    offline_mount = services["offlineStore"]["persistence"]["file"]["pvc"]["mountPath"]
    assert mount["mountPath"] == f"{offline_mount}/edge/feature_repo/mlstack_features.py"
    digest = hashlib.sha256(repo["data"]["features.py"].encode()).hexdigest()
    assert services["podAnnotations"]["mlstack.dev/feast-repo-sha256"] == digest
    assert services["securityContext"]["runAsNonRoot"] is True


def test_edge_groups_become_feature_views() -> None:
    code = _objects(_plans()["edge-default"])["ConfigMap"]["data"]["features.py"]
    compile(code, "features.py", "exec")
    views = _views(code)
    assert set(views) == {"machine_telemetry", "shift_context"}
    telemetry, shift = views["machine_telemetry"], views["shift_context"]
    assert _schema(telemetry) == {
        "machine_id": "String",
        "spindle_rpm": "Float64",
        "vibration_rms": "Float64",
        "temperature_c": "Float64",
        "tool_id": "String",
        "alarm_active": "Bool",
    }
    assert _schema(shift) == {"line_id": "String", "shift": "String", "operators": "Int64"}
    assert ast.unparse(telemetry["ttl"]) == "timedelta(seconds=900)"
    assert ast.unparse(shift["ttl"]) == "timedelta(seconds=0)"
    assert ast.literal_eval(shift["online"]) is True
    assert ast.literal_eval(shift["offline"]) is False
    assert ast.unparse(telemetry["entities"]) == "[entity_machine_id]"
    assert "join_keys=['machine_id']" in code
    assert "timestamp_field='sampled_at'" in code and "timestamp_field='shift_start'" in code


def test_timestamp_features_and_day_ttl() -> None:
    plan = _as_feast(_plans()["recsys-prod"])
    code = _objects(plan)["ConfigMap"]["data"]["features.py"]
    views = _views(code)
    assert _schema(views["item_stats"])["last_purchase_at"] == "UnixTimestamp"
    assert ast.unparse(views["user_profile"]["ttl"]) == "timedelta(seconds=86400)"
    assert "UnixTimestamp" in code.split("from feast.types import ")[1].splitlines()[0]


def test_project_name_has_no_hyphens() -> None:
    plan = _as_feast(_plans()["recsys-prod"], stack="recsys-eu")
    store = _objects(plan)["FeatureStore"]
    assert store["spec"]["feastProject"] == "recsys_eu"
    mount = store["spec"]["services"]["registry"]["local"]["server"]["volumeMounts"][0]
    assert "/recsys_eu/feature_repo/" in mount["mountPath"]


@pytest.mark.parametrize("plan_id", ["fraud-prod", "recsys-prod", "vision-prod"])
def test_cloud_feature_stores_are_terraforms(plan_id: str) -> None:
    assert features.build(_plans()[plan_id]) == []
