"""The JSON Schema of mlstack.yaml, generated from the models (editors complete from it).

Environment overlays are partial stacks: their schema is the Stack's with nothing required
and unions relaxed to anyOf, generated from the same definitions so it never drifts.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from mlstack.spec import Stack

SCHEMA_ID = "https://mlstack.dev/schema/v1alpha1/mlstack.schema.json"


def _partial(node: Any, rename: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("required", "discriminator"):
                continue
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                out[key] = f"#/$defs/{rename.get(name, name)}"
                continue
            out["anyOf" if key == "oneOf" else key] = _partial(value, rename)
        return out
    if isinstance(node, list):
        return [_partial(item, rename) for item in node]
    return node


def _named_keys(node: Any) -> Any:
    """pydantic writes `dict[Name, X]` as `patternProperties: {NAME: X}`, which leaves a key
    that is no name unchecked; as `propertyNames` + `additionalProperties` a bad key fails, as
    it does in validate."""
    if isinstance(node, list):
        return [_named_keys(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _named_keys(value) for key, value in node.items()}
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in node:
        ((pattern, values),) = patterns.items()
        del node["patternProperties"]
        node["additionalProperties"] = values
        node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
    return node


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    """Null too, like the Overlay model's `| None`: an empty `serving:` changes nothing."""
    meta: dict[str, Any] = {
        key: node.pop(key) for key in ("title", "description", "default") if key in node
    }
    return {**meta, "anyOf": [node, {"type": "null"}]}


def build() -> dict[str, Any]:
    schema: dict[str, Any] = _named_keys(Stack.model_json_schema(by_alias=True, mode="validation"))
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    rename = {name: f"Partial{name}" for name in defs}
    for name, definition in list(defs.items()):
        if name != "Overlay":
            defs[rename[name]] = _partial(copy.deepcopy(definition), rename)
    overlay_props = {
        key: _nullable(_partial(copy.deepcopy(value), rename))
        for key, value in schema["properties"].items()
        if key not in ("apiVersion", "kind", "environments")
    }
    defs["Overlay"] = {
        "type": "object",
        "title": "Overlay",
        "description": defs["Overlay"].get("description", ""),
        "properties": overlay_props,
        "additionalProperties": False,
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"
