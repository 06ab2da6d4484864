"""How tests/data/terraform's body schemas are made from a provider schema: the same shape as
the kit's (tests/kit/terraform), which this builder reproduces byte for byte for every
kit AWS resource (test_terraform.py checks that), so a type the kit lacks is validated exactly
like the ones it has. The provider schema itself is copied verbatim from the kit's own source
(tests/data/terraform/README.md says which file of which commit)."""

from __future__ import annotations

import json
from typing import Any

EXPR = {"$ref": "#/$defs/expr"}
META = ("//", "depends_on", "count", "for_each", "provider", "lifecycle")
"""Terraform's meta-arguments, the same for every resource: copied from a kit file."""


def _type(type_: Any) -> dict[str, Any]:
    if type_ == "string":
        return {"type": "string"}
    if type_ in ("number", "bool"):
        return {"anyOf": [{"type": "number" if type_ == "number" else "boolean"}, EXPR]}
    kind, inner = type_[0], type_[1]
    if kind == "map":
        return {"anyOf": [{"type": "object", "additionalProperties": _type(inner)}, EXPR]}
    if kind in ("list", "set"):
        array: dict[str, Any] = {"type": "array", "items": _type(inner)}
        if kind == "set":
            array["uniqueItems"] = True
        return {"anyOf": [array, EXPR]}
    optional = set(type_[2]) if len(type_) > 2 else set()
    body: dict[str, Any] = {
        "type": "object",
        "properties": {key: _type(value) for key, value in sorted(inner.items())},
        "additionalProperties": False,
    }
    required = [key for key in sorted(inner) if key not in optional]
    if required:
        body["required"] = required
    return {"anyOf": [body, EXPR]}


def _nested_attribute(nested: dict[str, Any]) -> dict[str, Any]:
    """A plugin-framework nested attribute (azapi `retry`): an object of attributes, or an
    expression; the kit's azapi files mark it `x-terraform-nested-attribute`."""
    properties, required = _members(nested)
    body: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        body["required"] = required
    return {
        "anyOf": [body, EXPR],
        "x-terraform-nested-attribute": {"nesting_mode": nested["nesting_mode"]},
    }


def _attribute(attribute: dict[str, Any]) -> dict[str, Any]:
    if "nested_type" in attribute:
        schema = _nested_attribute(attribute["nested_type"])
    elif attribute["type"] == "dynamic":
        schema = {}  # any value: azapi `body` is the ARM body, which no Terraform schema describes
    else:
        schema = _type(attribute["type"])
    for flag, key in (
        ("deprecated", "deprecated"),
        ("computed", "x-terraform-computed"),
        ("sensitive", "x-terraform-sensitive"),
        ("write_only", "x-terraform-write-only"),
    ):
        if attribute.get(flag):
            schema[key] = True
    return schema


def _members(block: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Arguments (computed-only attributes are not arguments) and nested blocks, required ones."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, attribute in sorted(block.get("attributes", {}).items()):
        if attribute.get("optional") or attribute.get("required"):
            properties[name] = _attribute(attribute)
            if attribute.get("required"):
                required.append(name)
    for name, nested in sorted(block.get("block_types", {}).items()):
        properties[name] = _nested(nested)
        if nested.get("min_items", 0) >= 1:
            required.append(name)
    return properties, required


def _object(block: dict[str, Any]) -> dict[str, Any]:
    properties, required = _members(block)
    body: dict[str, Any] = {
        "type": "object",
        "properties": {**properties, "//": {}},
        "additionalProperties": False,
    }
    if required:
        body["required"] = required
    return body


def _nested(nested: dict[str, Any]) -> dict[str, Any]:
    body = _object(nested["block"])
    mode = nested["nesting_mode"]
    if mode == "single":
        return {**body, "x-terraform-block": {"nesting_mode": mode}}
    array: dict[str, Any] = {"type": "array", "items": body}
    meta: dict[str, Any] = {"nesting_mode": mode}
    for key, json_key in (("min_items", "minItems"), ("max_items", "maxItems")):
        if nested.get(key):
            array[json_key] = meta[key] = nested[key]
    schema: dict[str, Any] = {"anyOf": [body, array], "x-terraform-block": meta}
    if nested["block"].get("deprecated"):
        schema["deprecated"] = True
    return schema


def kind_of(provider_schema: dict[str, Any]) -> str:
    """`resource`, `data` or `provider`, from the keys of a kit provider-schema file."""
    if provider_schema.get("block") == "provider":
        return "provider"
    return "data" if "data_source_type" in provider_schema else "resource"


def _source(provider_schema: dict[str, Any], kind: str, block_type: str) -> str:
    """Where the schema came from: a schema repository's generated Go file (the default), or
    the `derivation` a provider-schema file records (a provider built from its source)."""
    origin = (
        f"https://github.com/{provider_schema['source_repository']} tag "
        f"{provider_schema['source_ref']} commit {provider_schema['source_commit']}"
    )
    if "derivation" in provider_schema:
        return f"{origin}: {provider_schema['derivation']}"
    camel = "".join(p if i == 0 else p.capitalize() for i, p in enumerate(block_type.split("_")))
    return f"{origin}, generated/{'data' if kind == 'data' else 'resource'}/{camel}.go (JSON data only)"


def _exactly_one(block: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The block with `names` set to one block each: terraform-plugin-mux keeps the framework
    half's nested block, which has no MinItems/MaxItems, where both halves require exactly
    one (azurerm's `features`); the provider-schema file lists them under `exactly_one`."""
    blocks = {
        name: {**nested, "min_items": 1, "max_items": 1} if name in names else nested
        for name, nested in block.get("block_types", {}).items()
    }
    return {**block, "block_types": blocks}


def body_schema(provider_schema: dict[str, Any], kit_example: dict[str, Any]) -> str:
    """The JSON Schema file for one resource, data source or provider block's body, as text.

    `kit_example` is a kit body schema of the same kind: data sources have a lifecycle
    meta-argument of their own (no prevent_destroy, ignore_changes, ...), provider blocks
    take `alias` and `version` instead."""
    kind = kind_of(provider_schema)
    version = provider_schema["provider_version"]
    namespace, provider = provider_schema["provider"].split("/")[-2:]
    block = _exactly_one(provider_schema["schema"]["block"], provider_schema.get("exactly_one", []))
    properties, required = _members(block)
    if kind == "provider":
        block_type = "provider"
        urn = "provider"
        title = f'provider "{provider}" (hashicorp/{provider} {version}) - Terraform JSON provider configuration body'
        meta = ("//", "alias", "version")
        key, value = "block", "provider"
    else:
        block_type = provider_schema["data_source_type" if kind == "data" else "resource_type"]
        urn = f"{'data.' if kind == 'data' else ''}{block_type}"
        title = (
            f"{block_type} ({namespace}/{provider} {version}) - Terraform JSON "
            f"{'data source' if kind == 'data' else 'resource'} body"
        )
        meta = META
        key, value = "data_source_type" if kind == "data" else "resource_type", block_type
    document: dict[str, Any] = {
        "$schema": kit_example["$schema"],
        "$id": f"urn:terraform-schema:{provider}:{version}:{urn}",
        "title": title,
        "x-terraform": {
            "provider": provider_schema["provider"],
            "provider_version": version,
            key: value,
            "schema_version": provider_schema["schema"]["version"],
            "source": _source(provider_schema, kind, block_type),
        },
        "type": "object",
        "properties": {**properties, **{k: kit_example["properties"][k] for k in meta}},
        "additionalProperties": False,
    }
    if required:
        document["required"] = required
    document["$defs"] = kit_example["$defs"]
    return json.dumps(document, indent=1) + "\n"
