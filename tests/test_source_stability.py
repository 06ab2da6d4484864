"""`mlstack.dev/source: FILE#POINTER` keeps objects still under edits that do not concern them.

KServe copies InferenceService annotations into each Knative revision: a line number in them
restarted every model pod of every environment whenever a comment line was added on top, or
the stack was compiled from another folder. These tests compile a real git checkout of the
reference stack with the real CLI and compare bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REFERENCE

SPEC = "stacks/fraud/mlstack.yaml"


def _compile(spec: Path, out: Path, cwd: Path) -> dict[str, bytes]:
    result = subprocess.run(
        [sys.executable, "-m", "mlstack", "compile", str(spec), "-o", str(out), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("config-repo")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / SPEC).parent.mkdir(parents=True)
    (root / SPEC).write_text(REFERENCE.read_text())
    return root


@pytest.fixture(scope="module")
def before(checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _compile(Path(SPEC), tmp_path_factory.mktemp("out"), checkout)


def _objects(tree: dict[str, bytes]) -> dict[str, bytes]:
    """Everything but the lock files, whose input sha256 follows every byte of the spec."""
    return {k: v for k, v in tree.items() if not k.endswith("mlstack.lock.json")}


def test_sources_name_the_repository_path_and_pointer(before: dict[str, bytes]) -> None:
    service = before["fraud/prod/kubernetes/inferenceservice-fraud-api.yaml"].decode()
    assert f"mlstack.dev/source: {SPEC}#/serving/fraud-api\n" in service
    assert not any(b"mlstack.yaml:" in content for content in before.values())


def test_another_working_folder_changes_nothing(
    checkout: Path, before: dict[str, bytes], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert _compile(checkout / SPEC, tmp_path / "out", elsewhere) == before


def test_comment_lines_change_no_object(
    checkout: Path, before: dict[str, bytes], tmp_path: Path
) -> None:
    edited = tmp_path / "repo"
    subprocess.run(["cp", "-r", str(checkout), str(edited)], check=True)
    text = (edited / SPEC).read_text()
    text = text.replace("models:\n", "# a note for reviewers\n\nmodels:\n", 1)
    (edited / SPEC).write_text("# owned by risk-ml\n" + text)
    after = _compile(Path(SPEC), tmp_path / "out", edited)
    assert _objects(after) == _objects(before)
    assert after != before, "the lock file records the new input"


def test_an_edit_changes_only_what_it_concerns(
    checkout: Path, before: dict[str, bytes], tmp_path: Path
) -> None:
    edited = tmp_path / "repo"
    subprocess.run(["cp", "-r", str(checkout), str(edited)], check=True)
    text = (edited / SPEC).read_text()
    assert "      fraud-api:\n        replicas: {min: 4, max: 40}" in text
    text = text.replace("replicas: {min: 4, max: 40}", "replicas: {min: 5, max: 40}")
    (edited / SPEC).write_text(text)
    after = _objects(_compile(Path(SPEC), tmp_path / "out", edited))
    changed = sorted(k for k in after if after[k] != _objects(before).get(k))
    # The serving's primary, its canary and the graph router in front share its replica
    # range, and the quota follows: Knative starts a new revision at `min` pods.
    assert changed == [
        "fraud/prod/kubernetes/inferencegraph-fraud-api-graph.yaml",
        "fraud/prod/kubernetes/inferenceservice-fraud-api-canary.yaml",
        "fraud/prod/kubernetes/inferenceservice-fraud-api.yaml",
        "fraud/prod/kubernetes/resourcequota-mlstack-quota.yaml",
    ]


def test_explain_maps_a_pointer_back_to_its_line(checkout: Path, before: dict[str, bytes]) -> None:
    manifest = checkout / "isvc.yaml"
    manifest.write_bytes(before["fraud/prod/kubernetes/inferenceservice-fraud-api.yaml"])
    result = subprocess.run(
        [sys.executable, "-m", "mlstack", "explain", str(manifest)],
        cwd=checkout / "stacks",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    line = next(
        n
        for n, t in enumerate((checkout / SPEC).read_text().splitlines(), 1)
        if t == "  fraud-api:"
    )
    assert (
        result.stdout.splitlines()[0] == f"fraud/mlstack.yaml:{line}:3: {SPEC}#/serving/fraud-api"
    )
    gone = subprocess.run(
        [sys.executable, "-m", "mlstack", "explain", f"{SPEC}#/serving/fraud-apx"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    assert gone.returncode == 1 and "not in the spec" in gone.stderr
