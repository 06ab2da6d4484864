"""Azure client ids reach the ServiceAccounts at kustomize build time: the kustomization of an
Azure environment wires exactly the ServiceAccounts that have a managed identity (the keys of
the Terraform output), and the real kustomize (kubectl's, where installed) builds the
annotations from the env file the deploy step writes, and fails loudly without it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from mlstack.gitops.client_ids import write
from mlstack.names import AZURE_CLIENT_ID_ANNOTATION, AZURE_CLIENT_IDS, AZURE_CLIENT_IDS_FILE
from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.targets import kubernetes, terraform
from tests.helpers import SPECS, cloud_plans
from tests.tools import require_kubectl

MIXED = """\
apiVersion: mlstack/v1alpha1
kind: Stack
metadata: {name: mixed}
platform:
  cloud:
    provider: azure
    region: westeurope
    subscription: 6f1c2a9e-3b4d-4c8e-9a17-52d0e8b3c4f1
    resourceGroup: rg-mixed
    cluster: aks-mixed
models:
  blob: {framework: sklearn, uri: "azureblob://acmeml/models/blob/v1"}
  hub: {framework: huggingface, uri: "hf://acme/hub-model"}
serving:
  blob-api: {model: blob, runtime: kserve}
  hub-api: {model: hub, runtime: kserve}
"""
"""An Azure stack with one workload on blob storage (an identity) and one on the Hugging
Face hub (none), so "exactly" has something to leave out."""


def _kustomization(plan: Plan) -> dict[str, Any]:
    (found,) = [a for a in kubernetes.compile_plan(plan) if a.path.endswith("kustomization.yaml")]
    return dict(yaml.safe_load(found.content))


def _output_keys(plan: Plan) -> list[str]:
    """The ServiceAccounts of the Terraform output map (an HCL object expression)."""
    document = json.loads(terraform.compile_plan(plan)[0].content)
    value = document["output"]["azure_workload_client_ids"]["value"]
    return sorted(re.findall(r'"([^"]+)" = azurerm_user_assigned_identity\.', value))


def _wired(kustomization: dict[str, Any]) -> list[str]:
    return [r["source"]["fieldPath"].removeprefix("data.") for r in kustomization["replacements"]]


def _mixed(tmp_path: Path) -> Plan:
    path = tmp_path / "mixed.yaml"
    path.write_text(MIXED)
    (plan,) = cloud_plans("azure", path)[-1:]
    assert plan.stack == "mixed"
    return plan


def test_replacements_name_exactly_the_serviceaccounts_with_identities(tmp_path: Path) -> None:
    plans = [*cloud_plans("azure"), _mixed(tmp_path)]
    assert {(p.stack, p.environment) for p in plans} >= {("vision", "prod"), ("mixed", "default")}
    for plan in plans:
        kustomization = _kustomization(plan)
        with_identity = sorted(w.service_account for w in plan.workloads if w.identity)
        assert with_identity and _wired(kustomization) == with_identity == _output_keys(plan)
        assert kustomization["configMapGenerator"] == [
            {
                "name": AZURE_CLIENT_IDS,
                "envs": [AZURE_CLIENT_IDS_FILE],
                "options": {"annotations": {"config.kubernetes.io/local-config": "true"}},
            }
        ]
        for replacement, account in zip(kustomization["replacements"], with_identity, strict=True):
            assert replacement["source"] == {
                "kind": "ConfigMap",
                "name": AZURE_CLIENT_IDS,
                "fieldPath": f"data.{account}",
            }
            assert replacement["targets"] == [
                {
                    "select": {"kind": "ServiceAccount", "name": account},
                    "fieldPaths": [f"metadata.annotations.[{AZURE_CLIENT_ID_ANNOTATION}]"],
                    "options": {"create": True},
                }
            ]
    assert "serve-hub-api" not in _wired(_kustomization(plans[-1]))


def test_other_clouds_have_plain_kustomizations() -> None:
    plans = [p for path in SPECS for p in check(path).plans]
    others = [
        p
        for p in plans
        if p.spec.platform.cloud is None or p.spec.platform.cloud.provider != "azure"
    ]
    assert {p.stack for p in others} == {"fraud", "recsys", "edge", "search"}
    for plan in others:
        # recsys prod's `patches` are the spec's escape hatch, not Azure wiring.
        assert set(_kustomization(plan)) - {"patches"} == {"apiVersion", "kind", "resources"}


def _kubectl_kustomize(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, check=False
    )


def test_kustomize_writes_the_client_ids_and_fails_without_them(tmp_path: Path) -> None:
    require_kubectl()
    plan = _mixed(tmp_path)
    folder = tmp_path / "kubernetes"
    for artifact in kubernetes.compile_plan(plan):
        (tmp_path / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / artifact.path).write_bytes(artifact.content)

    missing = _kubectl_kustomize(folder)
    assert missing.returncode != 0 and AZURE_CLIENT_IDS_FILE in missing.stderr

    client_id = "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e"
    output = tmp_path / "output.json"
    output.write_text(json.dumps({"serve-blob-api": client_id}))
    with output.open() as source:
        write(folder, source)
    built = _kubectl_kustomize(folder)
    assert built.returncode == 0, built.stderr
    objects = list(yaml.safe_load_all(built.stdout))
    accounts = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ServiceAccount"}
    assert accounts["serve-blob-api"]["metadata"]["annotations"][AZURE_CLIENT_ID_ANNOTATION] == (
        client_id
    )
    assert AZURE_CLIENT_ID_ANNOTATION not in accounts["serve-hub-api"]["metadata"]["annotations"]
    assert not [o for o in objects if o["metadata"]["name"] == AZURE_CLIENT_IDS]  # local-config

    (folder / AZURE_CLIENT_IDS_FILE).write_text("serve-hub-api=" + client_id + "\n")
    unwired = _kubectl_kustomize(folder)
    assert unwired.returncode != 0 and "data.serve-blob-api" in unwired.stderr
