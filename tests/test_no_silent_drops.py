"""No field is dropped silently: changing any leaf of an example stack (base or overlay) or of
a generated stack either changes what `compile` writes for some environment or gives a
diagnostic (SPEC.md, Output: "never silently dropped"). How leaves are changed and compiled
without Node: tests/drops.py.

A finding names the stack and the field (`STACK#POINTER`); a field whose only effect is a
NOTES.md line that is not a prerequisite counts as dropped ("left to a note"). BY_DESIGN below
lists the only findings allowed: fields whose value, by the contract, only selects what
validate accepts or describes something outside the output (the reason says which rule of
SPEC.md). Each entry must still be a finding: a stale entry fails.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from mlstack.load import load, loads
from tests import drops
from tests.helpers import ROOT, SPECS
from tests.test_compile_properties import compilable_stacks
from tests.test_properties import _to_yaml

VERSION = (
    "the cluster's Kubernetes version, which validate checks the stack against (SPEC.md: "
    "platform.kubernetes.version); the manifests are the same for every version it accepts"
)
OWN_IMAGE = (
    "framework chooses which runtimes may serve the model and their default image (SPEC.md: "
    "a runtime that cannot serve a framework is an error); nothing reads it for a model that "
    "is only trained, or served by an image or server that reads any format"
)
DESCRIPTION = "a note for readers of the spec: SPEC.md gives it no output"
ROUTING = (
    "receivers and routes are a routing policy (SPEC.md, Alerts reach people): no alert of "
    "this stack has the route's severity, so nothing is routed by it"
)
EXISTING_POOL = (
    "without platform.cloud a pool is an existing node group that mlstack places workloads "
    "on: its instance type and accelerator are what validate checks requests against"
)

BY_DESIGN: dict[str, str] = {
    "edge#/platform/kubernetes/version": VERSION,
    "fraud#/platform/kubernetes/version": VERSION,
    "recsys#/platform/kubernetes/version": VERSION,
    "vision#/platform/kubernetes/version": VERSION,
    "search#/platform/kubernetes/version": VERSION,
    "vision#/serving/thumbnail-check/resources/memory": (
        "memory picks the smallest Elastic Premium plan that holds it (SPEC.md: resources are "
        "what each replica gets); a change within one plan's size is the same plan"
    ),
    "edge#/models/sensor-forecast/framework": OWN_IMAGE,
    "recsys#/models/query-encoder/framework": OWN_IMAGE,
    "vision#/models/defect-segmenter/framework": OWN_IMAGE,
    "vision#/models/thumbnail-quality/framework": OWN_IMAGE,
    "edge#/models/anomaly-ae/description": DESCRIPTION,
    "recsys#/models/two-tower/description": DESCRIPTION,
    "edge#/monitoring/routes/info": ROUTING,
    "recsys#/monitoring/routes/info": ROUTING,
    "recsys#/monitoring/receivers/recsys-chat/slack/channel": ROUTING,
    "recsys#/monitoring/receivers/recsys-chat/slack/webhookSecret": ROUTING,
    "edge#/compute/cpu/instanceType": EXISTING_POOL,
    "edge#/compute/gpu/instanceType": EXISTING_POOL,
    "edge#/compute/gpu/accelerator/count": EXISTING_POOL,
    "edge#/compute/gpu/accelerator/type": EXISTING_POOL,
    "*#/models/*/framework": OWN_IMAGE,
    "*#/platform/kubernetes/kubeflow/trainer": (
        "chooses the API of in-cluster training (SPEC.md: kubeflow.trainer); a stack "
        "without in-cluster training has nothing for it to choose"
    ),
}
"""Finding -> the reason it has no effect on the output."""


def _findings(doc: Any, stack: str) -> set[str]:
    with drops.without_node():
        return {f"{stack}#{finding.pointer}" for finding in drops.drops(doc)}


def test_the_python_synthesis_writes_what_compile_writes() -> None:
    """What the drop test compares is what `compile` writes: every example environment's
    files, compiled without Node, equal the golden tree (which test_golden.py keeps equal to
    a real compile)."""
    with drops.without_node():
        for spec in SPECS:
            base = drops.baseline(load(spec))
            stack = base.checked.plans[0].stack
            for environment, files in base.outputs.items():
                assert files is not None
                folder = ROOT / "out" / stack / environment
                written = {
                    str(p.relative_to(folder)): p.read_bytes()
                    for p in folder.rglob("*")
                    if p.is_file() and p.name != "mlstack.lock.json"
                }
                assert files == written, f"{stack}/{environment}"


def test_js_data_is_what_node_gives_back() -> None:
    """The substitutions the equivalence relies on, on values the examples may lack."""
    value: dict[str, Any] = {"b": 2.0, "a": None, "c": [1.5, {"d": None}], "e": {}}
    assert drops.js_data(value) == {"b": 2, "c": [1.5, {}], "e": {}}
    assert drops.js_data({"labels": {}, "name": "x"}, drop_empty=True) == {"name": "x"}


@pytest.mark.parametrize("spec", SPECS, ids=[p.parent.name for p in SPECS])
def test_no_example_field_is_dropped_silently(spec: Any) -> None:
    doc = load(spec)
    stack = str(doc.data["metadata"]["name"])
    started = time.perf_counter()
    found = _findings(doc, stack)
    mine = {key for key in BY_DESIGN if key.startswith(f"{stack}#")}
    unexpected = sorted(found - mine)
    stale = sorted(mine - found)
    assert not unexpected, "changed, but neither the output nor a diagnostic: " + ", ".join(
        unexpected
    )
    assert not stale, "no longer a drop (remove the entry): " + ", ".join(stale)
    assert time.perf_counter() - started < 120


@settings(
    max_examples=4,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(compilable_stacks())
def test_no_generated_field_is_dropped_silently(stack: dict[str, Any]) -> None:
    """Generated stacks reach combinations the examples lack (a cluster without a cloud,
    unserved models, each in-cluster runtime); their names are drawn, so findings are named
    by the generic pointer and may only be ones BY_DESIGN names for every stack (`*#`)."""
    doc = loads((_to_yaml(stack) + "\n").encode(), "mlstack.yaml")
    with drops.without_node():
        found = {f"*#{drops.generic(f.path)}" for f in drops.drops(doc)}
    assert found <= BY_DESIGN.keys(), sorted(found - BY_DESIGN.keys())
