"""The committed out/ through the real tools that consume it: `kubectl kustomize` on every
environment, `terraform validate` on every environment whose providers the machine mirrors.

out/ is what the golden test keeps equal to a fresh compile, so these tests read it instead
of compiling again. Each tool works on a temporary copy, because making a tree buildable needs
files that only exist after deployment (Azure client ids) or a provider version the offline
mirror has.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlstack.gitops.client_ids import env_file, wiring
from tests.helpers import ROOT, KubectlLoader
from tests.tools import require_kubectl, require_terraform

OUT = ROOT / "out"
ENVIRONMENTS = sorted(path.parent for path in OUT.glob("*/*/kubernetes"))
AWS_TERRAFORM = sorted(
    path.parent.parent
    for path in OUT.glob("*/*/terraform/main.tf.json")
    if set(json.loads(path.read_text())["terraform"]["required_providers"]) == {"aws"}
)
FAKE_CLIENT_ID = "00000000-0000-4000-8000-{:012d}"


def _ids(paths: list[Path]) -> list[str]:
    return [path.relative_to(OUT).as_posix() for path in paths]


def _kustomize(environment: Path, tmp_path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Objects `kubectl kustomize` builds from a copy, and the kustomization's resources."""
    folder = tmp_path / "kubernetes"
    shutil.copytree(environment / "kubernetes", folder)
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    if kustomization.get("configMapGenerator"):
        # Written by `mlstack azure-client-ids` after terraform apply; fake ids, same keys.
        name, accounts = wiring((folder / "kustomization.yaml").read_bytes())
        ids = {account: FAKE_CLIENT_ID.format(n) for n, account in enumerate(accounts)}
        (folder / name).write_text(env_file(ids, accounts))
    result = subprocess.run(
        [require_kubectl(), "kustomize", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    objects = [doc for doc in yaml.load_all(result.stdout, Loader=KubectlLoader) if doc]
    return objects, list(kustomization["resources"])


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids=_ids(ENVIRONMENTS))
def test_kustomize_builds_every_listed_object(environment: Path, tmp_path: Path) -> None:
    objects, resources = _kustomize(environment, tmp_path)
    assert len(objects) == len(resources)
    listed = {
        (doc["kind"], doc["metadata"]["name"])
        for name in resources
        for doc in yaml.safe_load_all((environment / "kubernetes" / name).read_text())
    }
    assert {(obj["kind"], obj["metadata"]["name"]) for obj in objects} == listed


def test_kustomize_fills_azure_client_ids(tmp_path: Path) -> None:
    """The replacements put each fake client id on its ServiceAccount (and only there)."""
    environment = OUT / "vision" / "prod"
    objects, _ = _kustomize(environment, tmp_path)
    _, accounts = wiring((environment / "kubernetes" / "kustomization.yaml").read_bytes())
    annotated = {
        obj["metadata"]["name"]: obj["metadata"]["annotations"]["azure.workload.identity/client-id"]
        for obj in objects
        if "azure.workload.identity/client-id" in (obj["metadata"].get("annotations") or {})
    }
    assert annotated == {a: FAKE_CLIENT_ID.format(n) for n, a in enumerate(accounts)}


def test_tools_cover_every_environment() -> None:
    assert len(ENVIRONMENTS) == len(list(OUT.glob("*/*/mlstack.lock.json"))) >= 7
    # fraud: IRSA, search: EKS Pod Identity (its associations validate on the mirror too)
    assert _ids(AWS_TERRAFORM) == ["fraud/prod", "fraud/staging", "search/prod", "search/staging"]


def _mirror_version(plugins: Path, provider: str) -> str:
    versions = sorted((plugins / "registry.terraform.io" / "hashicorp" / provider).glob("*/"))
    assert versions, f"{plugins} holds no hashicorp/{provider}"
    return versions[-1].name


def _terraform(program: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [program, f"-chdir={folder}", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "TF_IN_AUTOMATION": "1", "HOME": str(folder)},
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `terraform init -backend=false` against the mirror, shared by every validate: the
    AWS environments require the same provider, and init is most of the cost."""
    program, plugins = require_terraform()
    folder = tmp_path_factory.mktemp("terraform")
    (folder / "main.tf.json").write_text(json.dumps(_pinned(_document(AWS_TERRAFORM[0]), plugins)))
    init = _terraform(program, folder, "init", "-backend=false", f"-plugin-dir={plugins}")
    assert init.returncode == 0, init.stderr
    return folder


def _document(environment: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((environment / "terraform" / "main.tf.json").read_text())
    return document


def _pinned(document: dict[str, Any], plugins: Path) -> dict[str, Any]:
    """The document with no backend and each provider pinned to the mirror's version."""
    settings = document["terraform"]
    settings.pop("backend", None)
    for name, requirement in settings["required_providers"].items():
        requirement["version"] = _mirror_version(plugins, name)
    return document


def validate(document: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """`terraform validate -json` of `document` (pinned, no backend) in the initialised dir."""
    program, plugins = require_terraform()
    (workdir / "main.tf.json").write_text(json.dumps(_pinned(document, plugins), indent=2))
    result = _terraform(program, workdir, "validate", "-json")
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _unexpected(diagnostics: list[dict[str, Any]]) -> list[str]:
    """Every error and every warning: a warning today (the artifact bucket's lifecycle rule
    without a filter once was one) is an error in a later provider."""
    return [f"{d['severity']}: {d['summary']}: {d.get('detail', '')}" for d in diagnostics]


@pytest.mark.parametrize("environment", AWS_TERRAFORM, ids=_ids(AWS_TERRAFORM))
def test_aws_terraform_validates(environment: Path, workdir: Path) -> None:
    report = validate(_document(environment), workdir)
    assert report["valid"], report["diagnostics"]
    assert _unexpected(report["diagnostics"]) == []


def test_terraform_validate_reports_a_wrong_argument(workdir: Path) -> None:
    """The check has teeth: a misspelled argument makes the same tree invalid."""
    document = _document(AWS_TERRAFORM[0])
    bucket = next(iter(document["resource"]["aws_s3_bucket"].values()))
    bucket["buckett"] = bucket.pop("bucket")
    report = validate(document, workdir)
    assert not report["valid"]
    assert any("buckett" in d.get("detail", "") for d in report["diagnostics"])
