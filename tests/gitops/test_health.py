"""The Argo CD health checks publish writes, run by a real Lua 5.1 (Argo CD's gopher-lua
dialect; lupa's bundled Lua) on objects as their controllers report them, and the file the
root Application applies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import git
import pytest
import yaml
from lupa import lua51

from mlstack.gitops.health import CHECKS, FILE, configmap
from tests.helpers import ROOT, run_mlstack

BUILT_IN = {
    # Argo CD v3.5's resource_customizations/ has these: left to it.
    "serving.kserve.io_InferenceService",
    "argoproj.io_CronWorkflow",
    "argoproj.io_WorkflowTemplate",
    "source.toolkit.fluxcd.io_GitRepository",
    # the knative add-on's object (resource_customizations/operator.knative.dev/KnativeServing)
    "operator.knative.dev_KnativeServing",
}
NO_HEALTH = {"monitoring.coreos.com", "pipelines.kubeflow.org", "feast.dev"}
"""Configuration a controller reads (rules, monitors, pipeline definitions, a feature-store
registry): it exists or not; Argo CD's default (healthy once applied) is right."""
NO_HEALTH_KINDS = {"serving.kserve.io_ClusterStorageContainer"}
"""The same, for a kind of a group that also has kinds with a status (it has none)."""


def health(key: str, obj: dict[str, Any]) -> tuple[str, str]:
    runtime = lua51.LuaRuntime()
    runtime.globals().obj = runtime.table_from(obj, recursive=True)
    result = runtime.execute(CHECKS[key])
    return str(result.status), str(result.message)


def _ready(status: str, **more: Any) -> dict[str, Any]:
    return {
        "metadata": {"generation": 2},
        "spec": {},
        "status": {
            "observedGeneration": 2,
            "conditions": [{"type": "Ready", "status": status, "reason": "R", "message": "m"}],
            **more,
        },
    }


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (_ready("True"), "Healthy"),
        (_ready("False"), "Degraded"),
        (_ready("Unknown"), "Progressing"),
        ({"metadata": {}, "spec": {}}, "Progressing"),
        ({**_ready("True"), "metadata": {"generation": 3}}, "Progressing"),
        ({**_ready("True"), "spec": {"suspend": True}}, "Suspended"),
    ],
)
def test_terraform_waits_for_the_apply(obj: dict[str, Any], expected: str) -> None:
    assert health("infra.contrib.fluxcd.io_Terraform", obj)[0] == expected
    # Knative's DomainMapping reports the same Ready condition and observedGeneration.
    assert health("serving.knative.dev_DomainMapping", obj)[0] == expected


def _job(*conditions: tuple[str, str]) -> dict[str, Any]:
    return {
        "metadata": {},
        "status": {"conditions": [{"type": t, "status": s} for t, s in conditions]},
    }


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (_job(("Created", "True"), ("Running", "True")), "Progressing"),
        (_job(("Created", "True"), ("Running", "False"), ("Succeeded", "True")), "Healthy"),
        (_job(("Created", "True"), ("Running", "False"), ("Failed", "True")), "Degraded"),
        (_job(("Suspended", "True")), "Suspended"),
        (_job(("Complete", "True")), "Healthy"),
    ],
)
def test_training_jobs(obj: dict[str, Any], expected: str) -> None:
    for key in ("kubeflow.org_TFJob", "kubeflow.org_PyTorchJob", "trainer.kubeflow.org_TrainJob"):
        assert health(key, obj)[0] == expected


@pytest.mark.parametrize("status", ["Healthy", "Progressing", "Degraded", "Missing", "Suspended"])
def test_an_application_is_as_healthy_as_argo_cd_says(status: str) -> None:
    """So the platform app-of-apps waits for each add-on, and the root for the platform."""
    app = {"metadata": {}, "status": {"health": {"status": status, "message": "m"}}}
    assert health("argoproj.io_Application", app) == (status, "m")
    assert health("argoproj.io_Application", {"metadata": {}})[0] == "Progressing"


def test_seldon_runtime_waits_for_its_components() -> None:
    key = "mlops.seldon.io_SeldonRuntime"
    assert health(key, _ready("True"))[0] == "Healthy"
    assert health(key, _ready("False"))[0] == "Degraded"
    assert health(key, {"metadata": {}, "spec": {}})[0] == "Progressing"


def test_the_checks_come_before_what_they_judge() -> None:
    document = yaml.safe_load(configmap("argocd"))
    assert document["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "-2"}


def test_notebooks() -> None:
    key = "kubeflow.org_Notebook"
    assert health(key, {"metadata": {}, "status": {"readyReplicas": 1}})[0] == "Healthy"
    assert health(key, {"metadata": {}, "status": {"readyReplicas": 0}})[0] == "Progressing"
    stopped = {"metadata": {"annotations": {"kubeflow-resource-stopped": "x"}}, "status": {}}
    assert health(key, stopped)[0] == "Suspended"


def test_every_custom_resource_mlstack_emits_has_a_health_check() -> None:
    emitted = set()
    platform = (ROOT / "out").glob("*/*/argocd/platform/**/*.yaml")
    for path in [*(ROOT / "out").glob("*/*/kubernetes/*.yaml"), *platform]:
        document = yaml.safe_load(path.read_text())
        group = document["apiVersion"].rpartition("/")[0]
        if "." in group and not group.endswith(("k8s.io", "kubernetes.io")):
            emitted.add(f"{group}_{document['kind']}")
    emitted |= {"infra.contrib.fluxcd.io_Terraform", "source.toolkit.fluxcd.io_GitRepository"}
    missing = {
        k
        for k in emitted - BUILT_IN - set(CHECKS) - NO_HEALTH_KINDS
        if k.split("_")[0] not in NO_HEALTH
    }
    assert missing == set()
    # The add-ons' Applications are judged too: an app-of-apps wave waits for them.
    assert "argoproj.io_Application" in emitted


def test_publish_writes_the_checks_beside_the_applications(tmp_path: Path) -> None:
    done = run_mlstack(
        "publish",
        str(ROOT / "specs/fraud/mlstack.yaml"),
        "--repo",
        "./deploy.git",
        "-o",
        str(tmp_path / "out"),
        cache=tmp_path,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    tree = git.Repo(tmp_path / "deploy.git").commit("main").tree
    configmap = yaml.safe_load((tree / f"apps/{FILE}").data_stream.read())
    assert configmap["metadata"]["name"] == "argocd-cm"
    assert configmap["metadata"]["namespace"] == "argocd"
    assert set(configmap["data"]) == {f"resource.customizations.health.{k}" for k in CHECKS}
