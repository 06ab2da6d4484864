"""The Kubernetes target on every stack of specs/: schema-valid objects, the metadata every
object must carry, secure pods, and byte-identical recompiles."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import yaml

from mlstack import names
from mlstack.pipeline import check
from mlstack.plan import Plan, json_pointer
from mlstack.targets import Artifact
from mlstack.targets.kubernetes import compile_plan
from tests.helpers import SPECS
from tests.targets.schemas import problems


@cache
def _plans() -> list[Plan]:
    return [plan for path in SPECS for plan in check(path).plans]


@cache
def _compiled(index: int) -> tuple[Artifact, ...]:
    return tuple(compile_plan(_plans()[index]))


def _objects(index: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        (a.path, yaml.safe_load(a.content))
        for a in _compiled(index)
        if not a.path.endswith("kustomization.yaml")
    ]


PLAN_IDS = [f"{p.stack}-{p.environment}" for p in _plans()]


@pytest.mark.parametrize("index", range(len(PLAN_IDS)), ids=PLAN_IDS)
def test_every_object_is_schema_valid(index: int) -> None:
    version = _plans()[index].spec.platform.kubernetes.version
    failures = {path: found for path, obj in _objects(index) if (found := problems(obj, version))}
    assert failures == {}


@pytest.mark.parametrize("index", range(len(PLAN_IDS)), ids=PLAN_IDS)
def test_every_object_carries_labels_and_source(index: int) -> None:
    plan = _plans()[index]
    for path, obj in _objects(index):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "mlstack", path
        assert labels["mlstack.dev/stack"] == plan.stack, path
        assert labels["mlstack.dev/environment"] == plan.environment, path
        source = obj["metadata"]["annotations"]["mlstack.dev/source"]
        # FILE#POINTER, and the pointer names an entry written in the spec.
        file, pointer = source.split("#", 1)
        assert file == plan.source_file and file.endswith("/mlstack.yaml"), path
        written = {json_pointer(p) for p in plan.spans}
        assert pointer in written, path


@pytest.mark.parametrize("index", range(len(PLAN_IDS)), ids=PLAN_IDS)
def test_kustomization_lists_exactly_the_files(index: int) -> None:
    artifacts = _compiled(index)
    kustomization = next(a for a in artifacts if a.path == "kubernetes/kustomization.yaml")
    listed = yaml.safe_load(kustomization.content)["resources"]
    files = [a.path.removeprefix("kubernetes/") for a in artifacts if a is not kustomization]
    assert listed == sorted(files)


def test_recompile_is_byte_identical() -> None:
    plan = _plans()[0]
    assert list(compile_plan(plan)) == list(compile_plan(plan))


def test_the_validators_reject_a_misspelled_field() -> None:
    """Negative control: the strict schemas do fail on a typo, for a CRD and a core kind."""
    isvc = next(obj for path, obj in _objects(0) if obj["kind"] == "InferenceService")
    isvc["spec"]["predictor"]["minReplica"] = 1
    assert any("minReplica" in p for p in problems(isvc, "1.33"))
    quota = next(obj for path, obj in _objects(0) if obj["kind"] == "ResourceQuota")
    quota["spec"]["hardd"] = {}
    assert problems(quota, "1.33")


@pytest.mark.parametrize("index", range(len(PLAN_IDS)), ids=PLAN_IDS)
def test_argo_cd_syncs_the_namespace_and_its_foundations_first(index: int) -> None:
    waves = {
        obj["kind"]: int(obj["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
        for _, obj in _objects(index)
    }
    assert (
        waves["Namespace"]
        < waves["ServiceAccount"]
        < min(
            wave
            for kind, wave in waves.items()
            if kind
            not in (
                "Namespace",
                "ServiceAccount",
                "Role",
                "RoleBinding",
                "Secret",
                "ConfigMap",
                "ResourceQuota",
                "LimitRange",
                "NetworkPolicy",
                "PersistentVolumeClaim",
                "SeldonRuntime",  # what the Servers and Models need (seldon.py)
            )
        )
    )


def _pod_specs(value: Any) -> list[dict[str, Any]]:
    """Every mapping holding a nodeSelector, wherever an operator nests its pod template."""
    if isinstance(value, dict):
        found = [value] if "nodeSelector" in value else []
        return found + [spec for item in value.values() for spec in _pod_specs(item)]
    if isinstance(value, list):
        return [spec for item in value for spec in _pod_specs(item)]
    return []


@pytest.mark.parametrize("index", range(len(PLAN_IDS)), ids=PLAN_IDS)
def test_placed_pods_select_this_environments_nodes(index: int) -> None:
    plan = _plans()[index]
    selectors = [spec["nodeSelector"] for _, obj in _objects(index) for spec in _pod_specs(obj)]
    # Kubeflow Pipelines' platform spec nests the labels one level down.
    selectors = [s.get("labels", s) for s in selectors]
    assert selectors or not plan.spec.compute
    for selector in selectors:
        assert selector == names.pool_labels(
            plan.stack, plan.environment, selector["mlstack.dev/pool"]
        )
