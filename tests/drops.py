"""Silent-drop detection: change one leaf of a stack at a time and see whether the compiled
output of some environment changes or a diagnostic appears (tests/test_no_silent_drops.py).

A leaf is a scalar (mutated by type: a bool flipped, a number moved by one within the
schema's range, a string given another member of its enum or a value of the same shape), a
list (its last element left out) or a free-form map (its last key left out); overlay leaves
under `environments` are leaves like any other. The first candidate that validates is
compiled; when every candidate is rejected, the leaf is diagnosed. An environment whose
plan is unchanged is not compiled again (the targets are pure functions of the plan). Base
values every environment overrides or disables reach no output by construction, and values
a diagnostic of the unchanged stack already points at are said to have no effect: both are
skipped.

Compiling is the real pipeline with one substitution: cdk8s's and cdktn's synthesis (Node,
~0.5 s per environment) is replaced by what they do to the data handed to them, in Python
(`js_data`: null members dropped, empty metadata maps and lists dropped, integral numbers
written as integers), and the files are produced by the same writers. The test checks this
equivalent against the golden tree for every example environment, byte for byte, so what is
compared is what `compile` would write.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from unittest.mock import patch

import mlstack.targets.kubernetes as kubernetes_target
import mlstack.targets.terraform as terraform_target
from mlstack import prerequisites
from mlstack.build import compile_plan
from mlstack.diagnostics import InputError
from mlstack.load import Document, PathKey
from mlstack.pipeline import Checked, check_document
from mlstack.plan import Plan, json_pointer
from mlstack.targets.terraform.blocks import Block
from mlstack.targets.terraform.synth import json_file
from tests.helpers import ROOT

SCHEMA: dict[str, Any] = json.loads((ROOT / "mlstack.schema.json").read_text())


def js_data(value: Any, *, drop_empty: bool = False) -> Any:
    """`value` as it comes back from Node: what cdk8s's `sanitizeValue` keeps (members that
    are null are left out; with `drop_empty`, as for `metadata`, empty maps and lists too)
    and integral floats as integers (JSON numbers in JavaScript have no `.0`). None means
    left out."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        items = [js_data(item, drop_empty=drop_empty) for item in value]
        return None if drop_empty and not items else items
    if isinstance(value, dict):
        kept = {}
        for key in sorted(value):
            item = js_data(value[key], drop_empty=drop_empty)
            if item is not None:
                kept[key] = item
        return None if drop_empty and not kept else kept
    return value


def _kubernetes_synthesize(objects: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """cdk8s `Include` + `Chart.to_json` (cdk8s/lib/api-object.js `toJson`): the metadata
    sanitized with empty values filtered, the rest without."""
    for obj in objects:
        body = {key: value for key, value in obj.items() if key != "metadata"}
        out = js_data(body)
        metadata = js_data(obj.get("metadata"), drop_empty=True)
        if metadata is not None:
            out["metadata"] = metadata
        yield out


def _terraform_synthesize(settings: dict[str, Any], blocks: list[Block], limit: int = 0) -> bytes:
    """cdktn's `to_terraform` of one stack holding the settings and the blocks as overrides,
    written by the same writer as synth.synthesize."""
    entries: list[tuple[tuple[str, ...], Any]] = [
        ((section,), js_data(value)) for section, value in settings.items()
    ]
    entries += [((b.kind, b.type, b.name), js_data(b.body)) for b in blocks]
    blocks.clear()
    return json_file(sorted(entries, key=lambda entry: entry[0]))


@contextmanager
def without_node() -> Iterator[None]:
    """Compiles inside run the Python equivalent of synthesis."""
    with (
        patch.object(kubernetes_target, "synthesize", _kubernetes_synthesize),
        patch.object(terraform_target, "synthesize", _terraform_synthesize),
    ):
        yield


def compiled(plan: Plan) -> dict[str, bytes] | None:
    """The environment's files (call inside `without_node`), or None when the targets find
    a problem in the spec (a diagnostic: a patch or override that does not apply)."""
    try:
        return {a.path: a.content for a in compile_plan(plan)}
    except InputError:
        return None


def deployed(files: dict[str, bytes] | None) -> dict[str, bytes] | None:
    """What is deployed of the files: NOTES.md only through its prerequisites, since a field
    whose only effect is an unsorted note is one "left to a note" (SPEC.md, Output)."""
    if files is None or "terraform/NOTES.md" not in files:
        return files
    kept = prerequisites.section(files["terraform/NOTES.md"].decode())
    return {**files, "terraform/NOTES.md": "\n".join(kept).encode()}


# --- the schema: what a leaf may become ------------------------------------------------


def _expand(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`node` and every alternative it stands for ($ref, anyOf, oneOf, allOf)."""
    if "$ref" in node:
        yield from _expand(SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]])
        return
    yield node
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            yield from _expand(option)


def schema_nodes(path: PathKey) -> list[dict[str, Any]]:
    """Every schema node a value at `path` may be checked against (overlays included:
    `environments.ENV` is a partial stack)."""
    nodes = list(_expand(SCHEMA))
    for part in path:
        found: list[dict[str, Any]] = []
        for node in nodes:
            if isinstance(part, int):
                child = node.get("items")
            else:
                child = node.get("properties", {}).get(part)
                if child is None and isinstance(node.get("additionalProperties"), dict):
                    child = node["additionalProperties"]
            if isinstance(child, dict):
                found += _expand(child)
        nodes = found
    return nodes


def is_map(path: PathKey) -> bool:
    """A map keyed by free names (labels, env, named things), not an object with fields."""
    nodes = schema_nodes(path)
    return bool(nodes) and all(
        isinstance(n.get("additionalProperties"), dict) and "properties" not in n
        for n in nodes
        if n.get("type") == "object"
    )


def _enum(nodes: list[dict[str, Any]]) -> list[Any]:
    members: list[Any] = []
    for node in nodes:
        for value in node.get("enum", []) + ([node["const"]] if "const" in node else []):
            if value not in members:
                members.append(value)
    return members


def _in_range(nodes: list[dict[str, Any]], number: float) -> bool:
    numeric = [n for n in nodes if n.get("type") in ("integer", "number")]
    return (
        any(
            number >= n.get("minimum", -float("inf"))
            and number <= n.get("maximum", float("inf"))
            and number > n.get("exclusiveMinimum", -float("inf"))
            for n in numeric
        )
        or not numeric
    )


def _same_shape(text: str) -> list[str]:
    """Values like `text`: its last digit moved by one, then its last letter."""
    out = []
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    if digits:
        i = digits[-1]
        out.append(text[:i] + ("8" if text[i] == "9" else str(int(text[i]) + 1)) + text[i + 1 :])
    letters = [i for i, c in enumerate(text) if c.isalpha() and c.isascii()]
    if letters:
        i = letters[-1]
        swap = "y" if text[i].lower() == "z" else chr(ord(text[i].lower()) + 1)
        out.append(text[:i] + (swap.upper() if text[i].isupper() else swap) + text[i + 1 :])
    return out or [text + "x"]


SCHEDULES = ("@hourly", "@daily", "@weekly", "@monthly", "@yearly")


def candidates(path: PathKey, value: Any, told: frozenset[PathKey] = frozenset()) -> list[Any]:
    """What the leaf at `path` is changed to, best first (one is compiled); a map loses its
    last key that no diagnostic already points at (`told`)."""
    nodes = schema_nodes(path)
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int | float):
        step = [value + 1, value - 1] if isinstance(value, int) else [value + 1, value / 2]
        return [n for n in step if _in_range(nodes, n)] or step
    if isinstance(value, str):
        members = [m for m in _enum(nodes) if m != value and isinstance(m, str)]
        if value in SCHEDULES:
            members = [s for s in SCHEDULES if s != value]
        return members[:1] + _same_shape(value)
    if isinstance(value, list) and value:
        return [value[:-1]]
    keys = [k for k in value if (*path, k) not in told] if isinstance(value, dict) else []
    if keys and is_map(path):
        return [{k: v for k, v in value.items() if k != keys[-1]}]
    return []


def leaves(data: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, Any]]:
    """Every value below the document root (maps and lists before what they hold), except
    the header fields and names, which a stack cannot do without."""
    if isinstance(data, dict):
        for key, value in data.items():
            child = (*path, key)
            if child in (("apiVersion",), ("kind",)):
                continue
            yield child, value
            yield from leaves(value, child)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*path, index), value
            yield from leaves(value, (*path, index))


def replaced(data: dict[str, Any], path: PathKey, value: Any) -> dict[str, Any]:
    """A copy of `data` with the value at `path` replaced (copies only along the path)."""
    top = copy.copy(data)
    node: Any = top
    for part in path[:-1]:
        child = copy.copy(node[part])
        node[part] = child
        node = child
    node[path[-1]] = value
    return top


# --- outcomes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    doc: Document
    checked: Checked
    outputs: dict[str, dict[str, bytes] | None]
    """Per environment."""

    @property
    def plans(self) -> dict[str, Plan]:
        return {plan.environment: plan for plan in self.checked.plans}


def baseline(doc: Document) -> Baseline:
    checked = check_document(doc)
    assert checked.ok, [f"{d.code} {d.message}" for d in checked.diagnostics if d.is_error]
    return Baseline(doc, checked, {p.environment: compiled(p) for p in checked.plans})


def _diagnostics(checked: Checked) -> set[tuple[str, str]]:
    return {(d.code, d.message) for d in checked.diagnostics}


@dataclass(frozen=True)
class Finding:
    """A leaf whose change neither changed any environment's output nor was diagnosed."""

    path: PathKey
    value: Any
    changed_to: Any

    def __str__(self) -> str:
        return f"{self.pointer}: {self.value!r} -> {self.changed_to!r}"

    @property
    def pointer(self) -> str:
        return json_pointer(self.path)


def outcome(
    base: Baseline, path: PathKey, value: Any, told: frozenset[PathKey] = frozenset()
) -> Finding | None:
    """None when some change of the leaf is diagnosed or changes the output."""
    options = candidates(path, value, told)
    for option in options:
        checked = check_document(replace(base.doc, data=replaced(base.doc.data, path, option)))
        if not checked.ok:
            continue
        if _diagnostics(checked) - _diagnostics(base.checked):
            return None
        plans = {p.environment: p for p in checked.plans}
        if plans.keys() != base.plans.keys():
            return None
        for environment, plan in plans.items():
            if plan == base.plans[environment]:
                continue  # same plan, same files: the targets are pure functions of it
            if deployed(compiled(plan)) != deployed(base.outputs[environment]):
                return None
        return Finding(path, value, option)
    return None


def _replaced_in(overlay: Any, path: PathKey = ()) -> Iterator[PathKey]:
    """Paths an overlay replaces whole (values other than maps, which merge) or leaves out
    (`enabled: false`)."""
    if not isinstance(overlay, dict):
        yield path
        return
    if overlay.get("enabled") is False:
        yield path
    for key, value in overlay.items():
        yield from _replaced_in(value, (*path, key))


def shadowed(data: dict[str, Any]) -> Callable[[PathKey], bool]:
    """Whether every environment replaces or disables a base path: its base value reaches no
    output by construction (the overlays' own leaves are tested instead)."""
    overlays = data.get("environments") or {}
    replaced_by = [set(_replaced_in(overlay)) for overlay in overlays.values()]

    def hidden(path: PathKey) -> bool:
        return bool(replaced_by) and all(
            any(path[:n] in replaced for n in range(1, len(path) + 1)) for replaced in replaced_by
        )

    return hidden


def diagnosed(base: Baseline) -> frozenset[PathKey]:
    """Paths a diagnostic of the unchanged stack points at: what they hold is already said
    to have no effect (a warning such as W0750), whatever its value."""
    spans = {d.span for d in base.checked.diagnostics if d.span is not None}
    tables = (base.doc.key_spans, base.doc.value_spans)
    return frozenset(path for table in tables for path, span in table.items() if span in spans)


def drops(doc: Document) -> list[Finding]:
    """Every leaf of `doc` whose change nothing notices (call inside `without_node`)."""
    base = baseline(doc)
    hidden = shadowed(doc.data)
    told = diagnosed(base)
    found = []
    for path, value in leaves(doc.data):
        if path[:1] != ("environments",) and hidden(path):
            continue
        if any(path[:n] in told for n in range(1, len(path) + 1)):
            continue
        finding = outcome(base, path, value, told)
        if finding is not None:
            found.append(finding)
    return found


NAMED = frozenset(
    {"compute", "models", "pipelines", "steps", "notebooks", "serving", "alerts", "drift"}
    | {"receivers", "groups", "environments"}
)
"""Sections keyed by names the user chooses."""


def generic(path: PathKey) -> str:
    """The pointer of `path` with chosen names and list indexes as `*`, naming one field
    across stacks whose names are drawn."""
    parts = [
        "*" if isinstance(part, int) or (index and path[index - 1] in NAMED) else part
        for index, part in enumerate(path)
    ]
    return json_pointer(tuple(parts))
