"""`gitops.addons`: auto installs exactly the add-ons a stack's output relies on (a mutation
that drops a runtime drops its add-on), the Applications are valid Argo CD Applications at the
pinned releases the output is written for, and the cluster objects mlstack needs come with
the add-on that runs their controller."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mlstack import addons
from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.spec.versions import Versions
from mlstack.targets import addons as target
from mlstack.targets.kubernetes import seldon
from tests.helpers import ROOT, SPECS, check_text
from tests.targets.schemas import problems

BASE = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: shop}
platform:
  kubernetes: {storageSecret: shop-s3, kserve: {deploymentMode: Standard}}
tracking:
  mlflow: {deploy: true, artifacts: "s3://shop-ml/mlflow"}
models:
  churn: {framework: sklearn, uri: "s3://shop-ml/churn/v1"}
serving:
  churn-api: {model: churn, runtime: kserve}
gitops:
  repo: https://git.acme.example/platform/ml-deploy.git
  addons: auto
"""


def _plan(tmp_path: Path, text: str) -> Plan:
    checked = check_text(tmp_path, text)
    assert [d.code for d in checked.diagnostics if d.is_error] == []
    (plan,) = checked.plans
    return plan


def _documents(plan: Plan) -> dict[str, dict[str, Any]]:
    return {a.path: yaml.safe_load(a.content) for a in target.compile_plan(plan)}


@pytest.mark.parametrize("spec", SPECS, ids=[p.parent.name for p in SPECS])
def test_applications_and_objects_are_valid(spec: Path) -> None:
    seen = 0
    for plan in check(spec).plans:
        for path, document in _documents(plan).items():
            if path.endswith("kustomization.yaml"):
                continue
            seen += 1
            assert problems(document, "1.33") == [], path
    if spec.parent.name != "fraud":  # the design's reference stack installs none
        assert seen


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("", ["cert-manager", "kserve"]),
        # Knative mode: KServe's Knative Services need Knative Serving.
        (
            "s/deploymentMode: Standard/deploymentMode: Knative/",
            ["cert-manager", "knative", "kserve"],
        ),
        ("s/runtime: kserve/runtime: seldon/", ["seldon"]),
        ("s/runtime: kserve/runtime: torchserve/", []),
        ("s/runtime: kserve/runtime: mlflow/", []),
    ],
)
def test_auto_installs_exactly_what_the_serving_runtime_needs(
    tmp_path: Path, change: str, expected: list[str]
) -> None:
    text = BASE
    if change:
        old, new = change.split("/")[1:3]
        text = text.replace(old, new)
        text = text.replace("framework: sklearn", "framework: pytorch") if "torch" in new else text
    assert list(_plan(tmp_path, text).addons) == expected


def test_auto_follows_the_rest_of_the_stack(tmp_path: Path) -> None:
    more = BASE + (
        "notebooks:\n  lab: {image: 'kubeflownotebookswg/jupyter-scipy:v1.9.0'}\n"
        "monitoring:\n  prometheus: {}\n  drift:\n    churn-api: {reference: 's3://shop-ml/ref/', "
        "current: 's3://shop-ml/cur/'}\n"
    )
    plan = _plan(tmp_path, more)
    assert list(plan.addons) == [
        "cert-manager",
        "kserve",
        "notebooks",
        "kube-prometheus-stack",
        "prometheus-pushgateway",
    ]
    # Dropping the notebooks drops their controller, and nothing else.
    cut = more.replace(
        "notebooks:\n  lab: {image: 'kubeflownotebookswg/jupyter-scipy:v1.9.0'}\n", ""
    )
    assert [a for a in plan.addons if a != "notebooks"] == list(_plan(tmp_path, cut).addons)


def test_none_and_an_explicit_list(tmp_path: Path) -> None:
    assert _plan(tmp_path, BASE.replace("addons: auto", "addons: none")).addons == ()
    assert _plan(tmp_path, BASE.replace("  addons: auto\n", "")).addons == ()
    listed = _plan(tmp_path, BASE.replace("addons: auto", "addons: [kserve, cert-manager]"))
    assert listed.addons == ("cert-manager", "kserve")  # the table's order
    assert target.compile_plan(_plan(tmp_path, BASE.replace("addons: auto", "addons: none"))) == []


def test_the_pins_are_the_releases_the_output_is_written_for() -> None:
    """Each operator whose release a stack declares is installed at the default of that
    declaration, and its charts (or git tags) are of that release."""
    defaults = Versions()
    fields = {f.alias or n: n for n, f in Versions.model_fields.items()}
    declared = [a for a in addons.table().values() if a.versions_key]
    assert {a.versions_key for a in declared} == {
        "kserve",
        "seldon",
        "trainer",
        "argoWorkflows",
        "feast",
    }
    for addon in declared:
        assert addon.versions_key is not None
        assert getattr(defaults, fields[addon.versions_key]) == addon.release, addon.name
        for source in addon.sources:
            assert source.target_revision.lstrip("v").startswith(f"{addon.release}."), addon.name


def test_every_source_is_pinned_and_requirements_exist() -> None:
    for addon in addons.table().values():
        for source in addon.sources:
            assert (source.chart is None) != (source.path is None), addon.name
            assert source.target_revision[-1].isdigit(), addon.name  # a release, not a branch
        assert set(addon.requires) <= set(addons.table()), addon.name


def test_waves_put_requirements_first(tmp_path: Path) -> None:
    text = BASE + "monitoring:\n  prometheus: {}\n"
    plan = _plan(tmp_path, text)
    waves = {
        doc["metadata"]["labels"][target.ADDON_LABEL]: int(
            doc["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        )
        for doc in _documents(plan).values()
        if doc.get("kind") == "Application"
    }
    assert waves["cert-manager"] < waves["kserve"]
    assert waves["kube-prometheus-stack"] == 0


def test_models_uris_on_kserve_get_the_mlflow_storage_container(tmp_path: Path) -> None:
    text = BASE.replace('uri: "s3://shop-ml/churn/v1"', 'uri: "models:/churn/3"')
    documents = _documents(_plan(tmp_path, text))
    folder = "argocd/platform/in-cluster/kserve"
    container = documents[f"{folder}/clusterstoragecontainer-mlflow-models.yaml"]
    assert container["spec"]["supportedUriFormats"] == [{"prefix": "models:/"}]
    env = {e["name"]: e["value"] for e in container["spec"]["container"]["env"]}
    # The deployed MLflow by its short name: the pod's own namespace, in every stack.
    assert env["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
    assert documents[f"{folder}/kustomization.yaml"]["resources"] == [
        "clusterstoragecontainer-mlflow-models.yaml"
    ]
    app = documents[f"{folder}.yaml"]
    assert app["spec"]["sources"][-1] == {
        "repoURL": "https://git.acme.example/platform/ml-deploy.git",
        "targetRevision": "main",
        "path": "platform/in-cluster/kserve",
    }
    # s3:// is KServe's own: no storage container, no source for one.
    plain = _documents(_plan(tmp_path, BASE))
    assert list(plain) == ["argocd/platform/in-cluster/cert-manager.yaml", f"{folder}.yaml"]


def test_knative_serving_reports_request_metrics(tmp_path: Path) -> None:
    text = BASE.replace("deploymentMode: Standard", "deploymentMode: Knative")
    serving = _documents(_plan(tmp_path, text))[
        "argocd/platform/in-cluster/knative/knativeserving-knative-serving.yaml"
    ]
    assert serving["spec"]["config"]["observability"] == {"request-metrics-protocol": "prometheus"}


def test_a_registered_cluster_gets_its_own_applications(tmp_path: Path) -> None:
    text = BASE.replace(
        "  addons: auto\n", "  addons: auto\n  argocd: {destination: {name: plant-2}}\n"
    )
    documents = _documents(_plan(tmp_path, text))
    app = documents["argocd/platform/plant-2/kserve.yaml"]
    assert app["metadata"]["name"] == "addon-kserve-plant-2"
    assert app["spec"]["destination"] == {"name": "plant-2", "namespace": "kserve"}


def test_seldon_gets_a_runtime_in_the_namespace_only_when_installed(tmp_path: Path) -> None:
    text = BASE.replace("runtime: kserve", "runtime: seldon")
    kinds = [m.kind for m in seldon.build(_plan(tmp_path, text))]
    assert "SeldonRuntime" in kinds
    none = text.replace("addons: auto", "addons: none")
    assert "SeldonRuntime" not in [m.kind for m in seldon.build(_plan(tmp_path, none))]


def test_reference_output_is_in_the_golden_tree() -> None:
    """The compiled specs hold the add-ons (out/ is what `make golden` wrote)."""
    edge = sorted(
        p.name for p in (ROOT / "out/edge/default/argocd/platform/in-cluster").glob("*.yaml")
    )
    assert "kserve.yaml" in edge and "knative.yaml" not in edge  # edge runs KServe Standard


@pytest.mark.parametrize(
    ("engine", "schedule", "expected"),
    [
        ("argo", "", ["argo-workflows"]),
        ("kubeflow", "", ["cert-manager", "kfp"]),
        # KFP's runs on a schedule are started by an Argo CronWorkflow (kfp_schedule.py).
        ("kubeflow", '\n    schedule: "0 2 * * *"', ["cert-manager", "argo-workflows", "kfp"]),
    ],
)
def test_pipelines_need_their_engine(
    tmp_path: Path, engine: str, schedule: str, expected: list[str]
) -> None:
    text = BASE.replace("serving:\n  churn-api: {model: churn, runtime: kserve}\n", "") + (
        f"pipelines:\n  nightly:\n    engine: {engine}{schedule}\n    steps:\n"
        "      prep: {image: 'ghcr.io/acme/prep:1.0.0', command: [python, prep.py]}\n"
    )
    assert list(_plan(tmp_path, text).addons) == expected
