"""Every image the compiled examples (out/) run exists and is pinned: an upstream image at a
version tag or digest, or one of the images built here (images/NAME/), whose Dockerfile,
workflow tag and compiler reference agree. No Docker daemon runs in tests, so the Dockerfiles
are checked statically: pinned base images, COPY sources that exist, the entrypoint the
manifests and tests rely on."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlstack import images
from mlstack.spec.monitoring import Drift
from mlstack.spec.tracking import MLflow
from mlstack.spec.types import image_is_pinned
from mlstack.targets.kubernetes.pods import NONROOT_UID

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out"
WORKFLOW = ROOT / ".github" / "workflows" / "images.yml"
OURS = {images.reference(name): name for name in images.names()}
REGISTRY = images.reference(images.names()[0]).rsplit("/", 1)[0]


def _strings_under_image_keys(node: Any) -> Iterator[str]:
    """Image references anywhere in a document, inline manifests of Argo templates included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "image" and isinstance(value, str):
                yield value
            elif key == "manifest" and isinstance(value, str):
                yield from _strings_under_image_keys(yaml.safe_load(value))
            else:
                yield from _strings_under_image_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings_under_image_keys(item)


def _compiled_images() -> dict[str, set[str]]:
    """image -> the out/ files that run it."""
    found: dict[str, set[str]] = {}
    for path in sorted(OUT.glob("*/*/kubernetes/*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            for image in _strings_under_image_keys(doc):
                found.setdefault(image, set()).add(path.relative_to(OUT).as_posix())
    return found


def _dockerfile(name: str) -> list[tuple[str, str]]:
    """(instruction, arguments) of images/NAME/Dockerfile, comments and continuations folded."""
    text = (ROOT / "images" / name / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _requirements(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / "images" / name / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            package, _, version = line.partition("==")
            assert version, f"images/{name}/requirements.txt: {line!r} is not pinned"
            pins[package.lower()] = version
    return pins


def test_every_compiled_image_is_pinned_and_exists() -> None:
    compiled = _compiled_images()
    assert len(compiled) > 10
    unpinned = {image: where for image, where in compiled.items() if not image_is_pinned(image)}
    assert unpinned == {}
    # mlstack's registry holds only what images/ builds: anything else there does not exist
    unbuilt = {
        image: where
        for image, where in compiled.items()
        if image.startswith(f"{REGISTRY}/") and image not in OURS
    }
    assert unbuilt == {}
    assert set(OURS) <= set(compiled), "every image built here is used by an example"


def test_compiler_defaults_are_the_images_built_here() -> None:
    defaults = {
        MLflow(artifacts="s3://bucket-a/mlflow").image,
        Drift(reference="s3://bucket-a/reference.parquet").image,
    }
    assert defaults == set(OURS)


def test_the_workflow_pushes_exactly_the_tags_the_compiler_references(tmp_path: Path) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    [plan] = [s for s in workflow["jobs"]["plan"]["steps"] if s.get("id") == "read"]
    output = tmp_path / "github-output"
    env = {**os.environ, "GITHUB_OUTPUT": str(output)}
    env.pop("PYTHONPATH", None)
    # the step as the runner executes it: a plain python3 on a checkout, mlstack not installed
    subprocess.run(["bash", "-c", plan["run"]], cwd=ROOT, env=env, check=True)
    key, _, value = output.read_text().strip().partition("=")
    assert key == "images"
    matrix = json.loads(value)
    assert {entry["tag"] for entry in matrix} == set(OURS)
    build = workflow["jobs"]["build"]
    assert build["strategy"]["matrix"]["image"] == "${{ fromJSON(needs.plan.outputs.images) }}"
    [push] = [s for s in build["steps"] if s.get("uses", "").startswith("docker/build-push-action")]
    assert push["with"]["tags"] == "${{ matrix.image.tag }}"
    assert push["with"]["context"] == "${{ matrix.image.context }}"
    for entry in matrix:
        assert (ROOT / entry["context"] / "Dockerfile").is_file(), entry


@pytest.mark.parametrize("name", images.names())
def test_dockerfile_is_pinned_and_copies_what_exists(name: str) -> None:
    instructions = _dockerfile(name)
    bases = [args.split()[0] for op, args in instructions if op == "FROM"]
    assert bases and all(image_is_pinned(b) for b in bases), bases
    for op, args in instructions:
        if op == "COPY":
            *sources, _ = shlex.split(args)
            for source in sources:
                assert (ROOT / "images" / name / source).exists(), f"COPY {source}"
    assert ("USER", f"{NONROOT_UID}:{NONROOT_UID}") in instructions  # the pods' runAsUser
    assert _requirements(name)  # every dependency pinned (checked in _requirements)


def test_drift_image_runs_the_tested_program() -> None:
    instructions = dict(_dockerfile("drift"))
    workdir = instructions["WORKDIR"]
    assert json.loads(instructions["ENTRYPOINT"]) == ["python", f"{workdir}/drift.py"]
    assert "evidently" in _requirements("drift")
    copied = [shlex.split(args) for op, args in _dockerfile("drift") if op == "COPY"]
    assert ["drift.py", "."] in copied
    tested = (ROOT / "tests" / "images" / "test_drift.py").read_text()
    assert 'ROOT / "images" / "drift" / "drift.py"' in tested


# What MLflow imports for each backend-store and artifact scheme mlstack's server is given
# (mlflow_server.py: s3:// and gs:// as written, Azure as wasbs://).
ARTIFACT_CLIENTS = {
    "s3": {"boto3"},
    "gs": {"google-cloud-storage"},
    "wasbs": {"azure-storage-blob", "azure-identity"},
}
DATABASE_DRIVERS = {"postgresql": {"psycopg2-binary"}, "mysql": {"pymysql"}}


def test_mlflow_servers_of_the_examples_run_an_image_with_their_drivers() -> None:
    requirements = _requirements("mlflow")
    instructions = dict(_dockerfile("mlflow"))
    servers = sorted(OUT.glob("*/*/kubernetes/deployment-mlflow.yaml"))
    assert len(servers) >= 4
    schemes = set()
    for path in servers:
        [container] = yaml.safe_load(path.read_text())["spec"]["template"]["spec"]["containers"]
        assert container["image"] == images.reference("mlflow"), path
        assert container["imagePullPolicy"] == "IfNotPresent"
        entrypoint = json.loads(instructions["ENTRYPOINT"])
        assert container["command"][: len(entrypoint)] == entrypoint
        command = container["command"]
        destination = command[command.index("--artifacts-destination") + 1]
        schemes.add(destination.split("://")[0])
    assert schemes == set(ARTIFACT_CLIENTS), "every artifact store the compiler writes is seen"
    needed = set().union(*ARTIFACT_CLIENTS.values(), *DATABASE_DRIVERS.values())
    assert needed <= set(requirements)
    version = re.fullmatch(
        r"(\d+\.\d+\.\d+)-mlstack\.\d+", images.reference("mlflow").split(":")[-1]
    )
    assert version and requirements["mlflow"] == version[1]
