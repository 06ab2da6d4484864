"""docs/reference.md, generated from the JSON Schema so the field reference cannot go stale.

Run `python -m mlstack.reference specs/*/mlstack.yaml > docs/reference.md`; a test fails when the file differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from mlstack.load import load
from mlstack.schema import build

_EXAMPLES = {"string": '"text"', "integer": "1", "number": "1.5", "boolean": "true"}


def _type(node: dict[str, Any]) -> str:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return " \\| ".join(f"`{v}`" for v in node["enum"])
    for key in ("anyOf", "oneOf"):
        if key in node:
            parts = [_type(n) for n in node[key] if n.get("type") != "null"]
            return " \\| ".join(dict.fromkeys(parts))
    kind = node.get("type", "any")
    if kind == "array":
        return f"list of {_type(node.get('items', {}))}"
    if kind == "object":
        values = node.get("additionalProperties")
        if isinstance(values, dict):
            return f"map of name → {_type(values)}"
        return "mapping"
    return str(kind)


Seen = dict[tuple[str, str], Any]


def _collect(
    schema: dict[str, Any], node: dict[str, Any], data: Any, owner: str, seen: Seen
) -> None:
    """Walk data beside the schema, remembering the first value seen for each model field."""
    defs = schema["$defs"]
    if "$ref" in node:
        owner = node["$ref"].rsplit("/", 1)[-1]
        node = defs[owner]
    for key in ("anyOf", "oneOf"):
        for option in node.get(key, []):
            target = defs.get(option.get("$ref", "").rsplit("/", 1)[-1], option)
            consts = [p.get("const") for p in target.get("properties", {}).values() if "const" in p]
            matches = isinstance(data, dict) and (
                not consts or any(c in data.values() for c in consts)
            )
            if option.get("type") != "null" and (matches or not isinstance(data, dict)):
                _collect(schema, option, data, owner, seen)
                break
    if not isinstance(data, dict):
        return
    properties = node.get("properties")
    if properties:
        for field, value in data.items():
            if field in properties:
                seen.setdefault((owner, field), value)
                _collect(schema, properties[field], value, owner, seen)
    elif isinstance(node.get("additionalProperties"), dict):
        for value in data.values():
            _collect(schema, node["additionalProperties"], value, owner, seen)


def _example(node: dict[str, Any], seen_value: Any = None) -> str:
    if seen_value is not None:
        text = json.dumps(seen_value, sort_keys=False)
        return f"`{text}`" if len(text) <= 60 else "see the example stacks"
    if node.get("examples"):
        return f"`{json.dumps(node['examples'][0])}`"
    if "enum" in node:
        return f"`{node['enum'][0]}`"
    if "const" in node:
        return f"`{node['const']}`"
    for key in ("anyOf", "oneOf"):
        for option in node.get(key, []):
            if option.get("type") != "null":
                return _example(option)
    if "$ref" in node or node.get("type") in ("object", "array"):
        return "see type"
    return f"`{_EXAMPLES.get(str(node.get('type')), '…')}`" if node.get("type") else "—"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _default(node: dict[str, Any]) -> str:
    if "default" not in node:
        return "—"
    text = json.dumps(node["default"])
    return f"`{text}`" if len(text) <= 40 else "defaults of its fields"


def _table(name: str, definition: dict[str, Any], seen: Seen) -> list[str]:
    lines = [f"### {name}", "", _cell(definition.get("description", "")), ""]
    properties = definition.get("properties", {})
    if not properties:
        return [*lines, "Any mapping (passed through).", ""]
    required = set(definition.get("required", []))
    lines += ["| field | type | default | example | description |", "|---|---|---|---|---|"]
    for field, node in properties.items():
        default = "**required**" if field in required else _default(node)
        example = _example(node, seen.get((name, field)))
        lines.append(
            f"| `{field}` | {_type(node)} | {_cell(default)} | {_cell(example)} | "
            f"{_cell(node.get('description', ''))} |"
        )
    return [*lines, ""]


def render(examples: list[Path]) -> str:
    """The reference; example values come from `examples` (the repository's specs/)."""
    schema = build()
    defs = schema["$defs"]
    seen: Seen = {}
    for path in examples:
        _collect(schema, schema, load(path).data, "Stack", seen)
    out = [
        "# mlstack.yaml field reference",
        "",
        "Generated from the models by `python -m mlstack.reference specs/*/mlstack.yaml`;",
        "examples come from the stacks in specs/. Do not edit by hand.",
        "Types link to their section. Environment overlays (`environments.ENV`) take the same",
        "fields with nothing required.",
        "",
        *_table("Stack", {k: v for k, v in schema.items() if k != "$defs"}, seen),
    ]
    for name in sorted(defs):
        if not name.startswith("Partial"):
            out += _table(name, defs[name], seen)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(sorted(Path(arg) for arg in sys.argv[1:])), end="")
