"""The Terraform target on every cloud stack of specs/: schema-valid blocks, resolvable
references, pinned providers and backend, tags, and byte-identical recompiles."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

import pytest

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.targets.terraform import compile_plan
from tests.helpers import SPECS
from tests.targets.tf_schema_build import body_schema, kind_of
from tests.targets.tf_schemas import (
    KIT,
    OWN,
    dangling_references,
    problems,
    typed_model_problems,
)
from tests.tools import require_kit


@cache
def _plans() -> list[Plan]:
    return [plan for path in SPECS for plan in check(path).plans if plan.spec.platform.cloud]


def _document(index: int) -> dict[str, Any]:
    artifact = compile_plan(_plans()[index])[0]
    assert artifact.path == "terraform/main.tf.json"
    return dict(json.loads(artifact.content))


IDS = [f"{p.stack}-{p.environment}" for p in _plans()]


@pytest.mark.parametrize("index", range(len(IDS)), ids=IDS)
def test_every_block_is_schema_valid_and_every_reference_resolves(index: int) -> None:
    assert problems(_document(index)) == []


@pytest.mark.parametrize("index", range(len(IDS)), ids=IDS)
def test_providers_pinned_and_backend_from_the_spec(index: int) -> None:
    document = _document(index)
    plan = _plans()[index]
    required = document["terraform"]["required_providers"]
    assert all(
        p["version"].count(".") == 2 and not p["version"].startswith(("~", ">"))
        for p in required.values()
    )
    backend = plan.spec.platform.terraform.backend
    assert document["terraform"]["backend"] == {backend.kind: backend.arguments()}
    assert '"//":' not in json.dumps(document)  # no cdktf metadata keys


def test_no_cloud_no_terraform() -> None:
    plans = [
        plan for path in SPECS for plan in check(path).plans if plan.spec.platform.cloud is None
    ]
    assert plans and all(compile_plan(plan) == [] for plan in plans)


def test_recompile_is_byte_identical() -> None:
    assert compile_plan(_plans()[0]) == compile_plan(_plans()[0])


def test_reference_checker_catches_dangling_and_unknown_attributes() -> None:
    """Negative control for the reference check."""
    document = {
        "resource": {"aws_s3_bucket": {"models": {"bucket": "x"}}},
        "output": {
            "a": {
                "value": "${aws_s3_bucket.models.arn} ${aws_s3_bucket.other.arn} ${aws_s3_bucket.models.nope}"
            }
        },
    }
    assert dangling_references(document) == [
        "${aws_s3_bucket.other.arn}: no resource aws_s3_bucket.other in this file",
        "${aws_s3_bucket.models.nope}: aws_s3_bucket has no attribute 'nope'",
    ]


def test_typed_model_check_catches_a_wrong_argument() -> None:
    """Negative control for the TypedDict check the per-cloud tests run."""

    class Bucket(TypedDict, total=False):
        bucket: str
        buckett: str
        arn: str

    assert typed_model_problems({"aws_s3_bucket": ("resource", Bucket)}) == [
        "aws_s3_bucket.buckett",
        "aws_s3_bucket.arn (computed only)",
    ]


def test_own_schemas_are_built_like_the_kit() -> None:
    """The builder reproduces every kit body schema of aws, google and azurerm (resources and
    data sources) exactly, and each schema under tests/data/terraform is its output for a
    provider schema taken from the kit's own source."""
    require_kit()
    examples = {
        "resource": json.loads((KIT / "aws" / "aws_s3_bucket_versioning.json").read_text()),
        "data": json.loads((KIT / "aws" / "data" / "aws_eks_cluster.json").read_text()),
        "provider": json.loads((KIT / "aws" / "provider.json").read_text()),
    }

    def built(path: Path) -> str:
        provider_schema = json.loads(path.read_text())
        return body_schema(provider_schema, examples[kind_of(provider_schema)])

    kit = sorted(
        path
        for provider in ("aws", "google", "azurerm")
        for path in (KIT / provider).glob(f"**/provider_schema/{provider}_*.json")
    )
    assert len(kit) > 50  # the trimmed kit (tests/kit/MANIFEST.txt)
    # Provider blocks whose provider schema the kit keeps (azurerm 5.2.0, refresh_kit.py).
    kit += sorted(KIT.glob("*/provider_schema/provider.json"))
    assert KIT / "azurerm" / "provider_schema" / "provider.json" in kit
    for path in kit:
        assert built(path) == (path.parent.parent / path.name).read_text(), path.name
    # azapi (plugin framework: dynamic and nested attributes): the same arguments and types;
    # the kit's header says it was read from a provider build, not generated files.
    azapi = KIT / "azapi" / "provider_schema" / "azapi_resource.json"
    kit_azapi = json.loads((KIT / "azapi" / "azapi_resource.json").read_text())
    assert json.loads(built(azapi))["properties"] == kit_azapi["properties"]
    own = sorted(OWN.glob("**/provider_schema/*.json"))
    assert len(own) >= 6
    for path in own:
        provider_schema = json.loads(path.read_text())
        assert provider_schema["source_commit"] and provider_schema["source_repository"]
        assert not (KIT / path.relative_to(OWN)).exists(), "the kit has it now"
        assert built(path) == (path.parent.parent / path.name).read_text(), path.name
