"""`gitops.terraform.apply: controller` on specs/vision-azure: the tofu-controller objects are
valid against the vendored CRDs, read the folder publish writes, sync before the workloads,
write the client ids to the Secret every container of an identity reads AZURE_CLIENT_ID from,
and the tree builds with the real kustomize without any env file (so publish takes it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlstack.names import AZURE_CLIENT_ID_ANNOTATION
from mlstack.pipeline import check
from mlstack.targets import kubernetes, terraform
from mlstack.targets.kubernetes.meta import SYNC_WAVE
from mlstack.targets.kubernetes.tofu import OUTPUTS_SECRET
from tests.helpers import ROOT, run_mlstack
from tests.targets.schemas import CRDS, problems

VISION = ROOT / "specs/vision-azure/mlstack.yaml"


def _spec(tmp: Path) -> Path:
    text = VISION.read_text().replace(
        "  path: stacks/vision\n", "  path: stacks/vision\n  terraform: {apply: controller}\n"
    )
    path = tmp / "vision.yaml"
    path.write_text(text)
    return path


@cache
def _compiled(folder: str) -> dict[str, dict[str, bytes]]:
    """Environment -> its files, for the controller variant of the stack."""
    result = check(_spec(Path(folder)))
    assert result.ok
    return {
        plan.environment: {
            a.path: a.content
            for a in [*kubernetes.compile_plan(plan), *terraform.compile_plan(plan)]
        }
        for plan in result.plans
    }


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    return _compiled(str(tmp_path_factory.mktemp("tofu")))


def _objects(files: dict[str, bytes]) -> list[dict[str, Any]]:
    return [
        yaml.safe_load(content)
        for path, content in files.items()
        if path.startswith("kubernetes/") and not path.endswith("kustomization.yaml")
    ]


def _kind(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] == kind]
    return found


@pytest.mark.skipif(not CRDS.exists(), reason="the shared schema kit is not beside this checkout")
def test_controller_objects_are_valid(compiled: dict[str, dict[str, bytes]]) -> None:
    for files in compiled.values():
        mine = [
            o
            for o in _objects(files)
            if o["metadata"]["annotations"]["mlstack.dev/source"].endswith("#/gitops/terraform")
        ]
        assert sorted(o["kind"] for o in mine) == [
            "GitRepository",
            "NetworkPolicy",
            "RoleBinding",
            "ServiceAccount",
            "Terraform",
        ]
        for obj in mine:
            assert problems(obj, "1.33") == [], obj["kind"]


def test_the_controller_applies_the_folder_publish_writes(
    compiled: dict[str, dict[str, bytes]],
) -> None:
    objects = _objects(compiled["prod"])
    source, tf = _kind(objects, "GitRepository"), _kind(objects, "Terraform")
    assert source["spec"]["url"] == "ssh://git@ssh.dev.azure.com/v3/acme/platform/ml-deploy"
    assert source["spec"]["ref"] == {"branch": "main"}
    assert tf["spec"]["path"] == "./stacks/vision/prod/terraform"
    assert tf["spec"]["sourceRef"] == {
        "kind": "GitRepository",
        "name": source["metadata"]["name"],
        "namespace": source["metadata"]["namespace"],
    }
    assert tf["spec"]["backendConfig"] == {"disable": True}
    assert tf["metadata"]["namespace"] == "vision"
    workloads = [o for o in objects if o["kind"] in ("Deployment", "Notebook", "TFJob", "Server")]
    assert workloads
    waves = {int(o["metadata"]["annotations"][SYNC_WAVE]) for o in workloads}
    assert int(tf["metadata"]["annotations"][SYNC_WAVE]) < min(waves)
    assert int(source["metadata"]["annotations"][SYNC_WAVE]) < min(waves)


def _containers(node: Any, account: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(ServiceAccount, container) for every container under a pod spec: a mapping with an
    image, or an entry of a containers list (Seldon's overrides, merged by name)."""
    found = []
    if isinstance(node, dict):
        account = node.get("serviceAccountName", account)
        if "image" in node and account is not None:
            found.append((account, node))
        for key in ("containers", "initContainers"):
            found += [(account, c) for c in node.get(key) or [] if account and "image" not in c]
        for value in node.values():
            found += _containers(value, account)
    elif isinstance(node, list):
        for value in node:
            found += _containers(value, account)
    return found


def test_every_container_of_an_identity_reads_its_client_id_from_the_outputs_secret(
    compiled: dict[str, dict[str, bytes]],
) -> None:
    files = compiled["prod"]
    outputs = json.loads(files["terraform/main.tf.json"])["output"]
    tf = _kind(_objects(files), "Terraform")
    written = dict(o.split(":") for o in tf["spec"]["writeOutputsToSecret"]["outputs"])
    assert tf["spec"]["writeOutputsToSecret"]["name"] == OUTPUTS_SECRET
    # Each alias is a ServiceAccount, each output a string output the Terraform has.
    assert set(written) <= set(outputs)
    accounts = set(written.values())
    assert "serve-ocr" in accounts and "mlflow" in accounts
    seen = set()
    for obj in _objects(files):
        for account, container in _containers(obj):
            if account not in accounts:
                continue
            seen.add(account)
            env = [e for e in container.get("env", []) if e["name"] == "AZURE_CLIENT_ID"]
            assert env == [
                {
                    "name": "AZURE_CLIENT_ID",
                    "valueFrom": {"secretKeyRef": {"name": OUTPUTS_SECRET, "key": account}},
                }
            ], (obj["kind"], obj["metadata"]["name"])
    assert seen == accounts


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_the_tree_builds_without_an_env_file(
    compiled: dict[str, dict[str, bytes]], tmp_path: Path
) -> None:
    for path, content in compiled["staging"].items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(content)
    built = subprocess.run(
        ["kubectl", "kustomize", str(tmp_path / "kubernetes")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert AZURE_CLIENT_ID_ANNOTATION not in built.stdout
    assert "kind: Terraform" in built.stdout


def test_publish_takes_the_controller_variant_without_outputs(tmp_path: Path) -> None:
    done = run_mlstack(
        "publish",
        str(_spec(tmp_path)),
        "--repo",
        "./deploy.git",
        "-o",
        str(tmp_path / "out"),
        cache=tmp_path,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
