"""How the pods of every compiled Argo workflow (out/) get their API token: the projected one
Kubernetes mounts, never a long-lived token Secret, and only in Argo's executor containers.

The checks replay what a cluster does with the objects: Argo's `setupServiceAccount`
(workflow/controller/workflowpod.go, v4.1.2: `executor.serviceAccountName` means a Secret
volume; `automountServiceAccountToken: false` without it is rejected) and then the
ServiceAccount admission plugin (a pod whose automount resolves to true gets the projected
token in every container that has no mount at the token path).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlstack.targets.kubernetes.argo import TOKEN_PATH
from tests.targets.schemas import CRDS, problems

ROOT = Path(__file__).resolve().parents[2]
TREES = sorted((ROOT / "out").glob("*/*/kubernetes"))


def _objects(tree: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(tree.glob("*.yaml")):
        found += [d for d in yaml.safe_load_all(path.read_text()) if d and "kind" in d]
    return found


def _workflow_specs(objects: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(object, the WorkflowSpec its pods come from) of every template and inline cron."""
    specs = []
    for obj in objects:
        if obj["kind"] == "WorkflowTemplate":
            specs.append((obj, obj["spec"]))
        elif obj["kind"] == "CronWorkflow" and "templates" in obj["spec"]["workflowSpec"]:
            specs.append((obj, obj["spec"]["workflowSpec"]))
    return specs


def _pod_automount(spec: dict[str, Any], accounts: dict[str, dict[str, Any]]) -> bool:
    """What a workflow pod's automountServiceAccountToken resolves to on the cluster."""
    if spec.get("automountServiceAccountToken") is False:
        # Argo refuses this without an executor account, whose token is a Secret.
        assert spec.get("executor", {}).get("serviceAccountName"), "Argo rejects the pod"
        return False
    patch = json.loads(spec.get("podSpecPatch", "{}"))
    if "automountServiceAccountToken" in patch:
        return bool(patch["automountServiceAccountToken"])
    return bool(accounts[spec["serviceAccountName"]].get("automountServiceAccountToken", True))


def test_the_examples_have_argo_workflows() -> None:
    assert sum(len(_workflow_specs(_objects(tree))) for tree in TREES) >= 6


@pytest.mark.parametrize("tree", TREES, ids=lambda t: "/".join(t.parts[-3:-1]))
def test_no_long_lived_token_secret_is_generated(tree: Path) -> None:
    secrets = [o for o in _objects(tree) if o["kind"] == "Secret"]
    assert [s for s in secrets if s.get("type") == "kubernetes.io/service-account-token"] == []


@pytest.mark.parametrize("tree", TREES, ids=lambda t: "/".join(t.parts[-3:-1]))
def test_executors_get_the_projected_token_and_user_code_none(tree: Path) -> None:
    objects = _objects(tree)
    accounts = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ServiceAccount"}
    for obj, spec in _workflow_specs(objects):
        name = obj["metadata"]["name"]
        assert spec["serviceAccountName"] in accounts, name
        assert "executor" not in spec, f"{name}: an executor account needs a token Secret"
        # init/wait/supervisor, and argoexec in a resource template's main, get the token
        assert _pod_automount(spec, accounts) is True, name
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for template in spec["templates"]:
            if "container" not in template:
                continue
            mounts = template["container"].get("volumeMounts", [])
            shadow = [m for m in mounts if m["mountPath"] == TOKEN_PATH]
            assert len(shadow) == 1, f"{name}/{template['name']} would hold the API token"
            volume = volumes[shadow[0]["name"]]
            assert "secret" not in volume and "projected" not in volume
            assert [i["path"] for i in volume["downwardAPI"]["items"]] == ["namespace"]


@pytest.mark.skipif(not CRDS.exists(), reason="the shared schema kit is missing")
@pytest.mark.parametrize("tree", TREES, ids=lambda t: "/".join(t.parts[-3:-1]))
def test_workflows_are_valid_against_the_argo_crds(tree: Path) -> None:
    for obj, _ in _workflow_specs(_objects(tree)):
        assert problems(obj, "1.33") == [], obj["metadata"]["name"]
