"""Validators for generated Kubernetes objects: core kinds with kubernetes-validate (strict),
custom resources with the CRDs of the kit (tests/kit/crds) converted to strict JSON Schema.

The conversion follows tests/kit/README.md ("How a test can use a CRD"): unknown
fields fail, int-or-string and nullable are honoured, RE2-only patterns are rewritten.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml
from jsonschema import Draft202012Validator

from tests.helpers import KIT, ROOT
from tests.tools import require_kit

CRDS = KIT / "crds"
OWN_CRDS = ROOT / "tests" / "data" / "crds"


def _py_pattern(pattern: str) -> str | None:
    for candidate in (pattern, re.sub(r"^\^\(\?([a-z]+)\)", r"(?\1)^", pattern)):
        try:
            re.compile(candidate)
        except re.error:
            continue
        return candidate
    return None


def convert(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = dict(node)
    preserve = node.pop("x-kubernetes-preserve-unknown-fields", False)
    int_or_string = node.pop("x-kubernetes-int-or-string", False)
    embedded = node.pop("x-kubernetes-embedded-resource", False)
    nullable = node.pop("nullable", False)
    for key in [k for k in node if k.startswith("x-kubernetes-")]:
        node.pop(key)
    for key in ("properties", "patternProperties"):
        if key in node:
            node[key] = {name: convert(schema) for name, schema in node[key].items()}
    for key in ("allOf", "anyOf", "oneOf"):
        if key in node:
            node[key] = [convert(schema) for schema in node[key]]
    for key in ("not", "items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            node[key] = convert(node[key])
    if isinstance(node.get("pattern"), str):
        pattern = _py_pattern(node["pattern"])
        if pattern is None:
            node.pop("pattern")
        else:
            node["pattern"] = pattern
    if int_or_string:
        node.pop("anyOf", None)
        node["type"] = ["integer", "string"]
    if embedded:
        node.setdefault("type", "object")
        node["properties"] = {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            **node.get("properties", {}),
        }
    if (
        not preserve
        and node.get("type") == "object"
        and "properties" in node
        and "additionalProperties" not in node
    ):
        node["additionalProperties"] = False
    if nullable and "type" in node:
        node["type"] = [
            *(node["type"] if isinstance(node["type"], list) else [node["type"]]),
            "null",
        ]
    return node


@cache
def crd_index() -> dict[tuple[str, str], Path]:
    """(apiVersion, kind) -> CRD file, from the shared kit and the project's own additions."""
    require_kit()
    found: dict[tuple[str, str], Path] = {}
    for folder in (CRDS, OWN_CRDS):
        for path in sorted(folder.glob("*/*.yaml")):
            crd = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
            version = crd["spec"]["versions"][0]["name"]
            found[(f"{crd['spec']['group']}/{version}", crd["spec"]["names"]["kind"])] = path
    return found


@cache
def crd_validator(api_version: str, kind: str) -> Draft202012Validator:
    crd = yaml.load(crd_index()[(api_version, kind)].read_text(), Loader=yaml.CSafeLoader)
    schema = convert(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    schema.setdefault("properties", {})
    schema["properties"]["apiVersion"] = {"const": api_version}
    schema["properties"]["kind"] = {"const": kind}
    schema["properties"]["metadata"] = {"type": "object"}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def problems(obj: dict[str, Any], kubernetes_version: str) -> list[str]:
    """Every schema problem of one generated object (empty when valid)."""
    key = (obj["apiVersion"], obj["kind"])
    if "." in obj["apiVersion"].split("/")[0] and not obj["apiVersion"].startswith(
        (
            "apps/",
            "batch/",
            "networking.k8s.io/",
            "policy/",
            "autoscaling/",
            "rbac.authorization.k8s.io/",
        )
    ):
        if key not in crd_index():
            return [f"no CRD schema for {key}: add it under tests/data/crds with provenance"]
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in crd_validator(*key).iter_errors(json.loads(json.dumps(obj)))
        ]
    try:
        kubernetes_validate.validate(obj, f"{kubernetes_version}.0", strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'/'.join(map(str, error.path))}: {error.message}"]
    return []
