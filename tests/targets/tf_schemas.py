"""Validators for generated Terraform JSON: every resource, data source, provider block and
backend body against the kit (tests/kit/terraform, or tests/data/terraform for types the kit
lacks, built the same way, with provenance), and every `${...}` reference against the blocks
of the same file and the attributes of its provider schema."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from tests.helpers import KIT as KIT_ROOT
from tests.helpers import ROOT
from tests.tools import require_kit

KIT = KIT_ROOT / "terraform"
OWN = ROOT / "tests" / "data" / "terraform"
PROVIDER_DIR = {"aws": "aws", "google": "google", "azurerm": "azurerm", "azapi": "azapi"}
REFERENCE = re.compile(r"\$\{([^}]*)\}")
ADDRESS = re.compile(
    r"\b(data\.)?((?:aws|google|azurerm|azapi)_[a-z0-9_]+)\.([A-Za-z0-9_-]+)((?:\.[a-z0-9_]+|\[[^\]]*\])*)"
)


def find_schema(*parts: str) -> Path | None:
    require_kit()
    for root in (KIT, OWN):
        path = root.joinpath(*parts)
        if path.exists():
            return path
    return None


@cache
def _validator(*parts: str) -> Draft202012Validator | None:
    path = find_schema(*parts)
    return Draft202012Validator(json.loads(path.read_text())) if path else None


def _provider(block_type: str) -> str:
    return PROVIDER_DIR[block_type.split("_", 1)[0]]


@cache
def _attributes(kind: str, block_type: str) -> dict[str, Any]:
    """Top-level attributes and nested blocks (with computed ones) from the provider schema."""
    parts = (
        [_provider(block_type)]
        + (["data"] if kind == "data" else [])
        + ["provider_schema", f"{block_type}.json"]
    )
    path = find_schema(*parts)
    if path is None:
        return {}
    block = json.loads(path.read_text())["schema"]["block"]
    return {**block.get("attributes", {}), **block.get("block_types", {})}


def problems(document: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for section, kind in (("resource", "resource"), ("data", "data")):
        for block_type, items in document.get(section, {}).items():
            parts = (
                [_provider(block_type)]
                + (["data"] if kind == "data" else [])
                + [f"{block_type}.json"]
            )
            validator = _validator(*parts)
            if validator is None:
                found.append(
                    f"{kind} {block_type}: no schema; add one under tests/data/terraform with provenance"
                )
                continue
            for name, body in items.items():
                found += [
                    f"{kind}.{block_type}.{name}/{'/'.join(map(str, e.absolute_path))}: {e.message}"
                    for e in validator.iter_errors(body)
                ]
    for provider, configs in document.get("provider", {}).items():
        validator = _validator(PROVIDER_DIR[provider], "provider.json")
        for config in configs if isinstance(configs, list) else [configs]:
            found += (
                [f"provider.{provider}: {e.message}" for e in validator.iter_errors(config)]
                if validator
                else [f"provider {provider}: no schema"]
            )
    for backend, body in document.get("terraform", {}).get("backend", {}).items():
        validator = _validator("backends", f"{backend}.json")
        found += (
            [f"backend.{backend}: {e.message}" for e in validator.iter_errors(body)]
            if validator
            else [f"backend {backend}: no schema"]
        )
    return found + dangling_references(document)


def dangling_references(document: dict[str, Any]) -> list[str]:
    """`${type.name.attr}` must name a block of this file and an attribute its schema has."""
    text = json.dumps(document)
    found = []
    for expression in REFERENCE.findall(text):
        for data, block_type, name, rest in ADDRESS.findall(expression):
            kind = "data" if data else "resource"
            if name not in document.get(kind, {}).get(block_type, {}):
                found.append(f"${{{expression}}}: no {kind} {block_type}.{name} in this file")
                continue
            attribute = rest.lstrip(".").split(".")[0].split("[")[0]
            if attribute and attribute not in _attributes(kind, block_type):
                found.append(f"${{{expression}}}: {block_type} has no attribute '{attribute}'")
    return found


def _keys(model: Any, schema: dict[str, Any], where: str) -> list[str]:
    """Every key of a TypedDict must be an argument (or nested block) of the schema block."""
    wrong = []
    block = {**schema.get("attributes", {}), **schema.get("block_types", {})}
    for key, hint in typing.get_type_hints(model).items():
        if key in ("depends_on", "lifecycle"):
            continue
        if key not in block:
            wrong.append(f"{where}.{key}")
            continue
        nested = block[key].get("block")
        inner = [a for a in typing.get_args(hint) if typing.is_typeddict(a)]
        if nested and inner:
            wrong += _keys(inner[0], nested, f"{where}.{key}")
        if not nested and block[key].get("computed") and not block[key].get("optional"):
            wrong.append(f"{where}.{key} (computed only)")
    return wrong


def typed_model_problems(models: Mapping[str, tuple[str, Any]]) -> list[str]:
    """The targets' TypedDicts (type -> (kind, model)) against the provider schemas."""
    wrong: list[str] = []
    for key, (kind, model) in models.items():
        type_ = key.removeprefix("data.")
        parts = (
            [_provider(type_)]
            + (["data"] if kind == "data" else [])
            + ["provider_schema", f"{type_}.json"]
        )
        path = find_schema(*parts)
        if path is None:
            wrong.append(f"{type_}: no provider schema")
            continue
        wrong += _keys(model, json.loads(path.read_text())["schema"]["block"], type_)
    return wrong
