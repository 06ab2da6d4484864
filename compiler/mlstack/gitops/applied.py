"""The deployed objects as the tools will see them: kustomize patches applied to the objects
they target, override.tf.json merged into main.tf.json.

`mlstack diff` compares these, so an escape hatch shows as a change of the object it
changes (where it lives in kustomization.yaml or override.tf.json is not what a reviewer
asks about). Strategic-merge patches are applied as JSON merge patches (RFC 7386): the
same result except inside lists kustomize merges by key (containers by name), which a
patch of mlstack's objects rarely touches, and the unified diff shows the patch itself.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

import yaml

from mlstack.gitops.deploy_inputs import KUSTOMIZATION
from mlstack.targets import yaml_out

OVERRIDE = "override.tf.json"
MAIN = "main.tf.json"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def _pointer(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def _step(node: Any, part: str) -> Any:
    return node[int(part)] if isinstance(node, list) else node[part]


def _put(document: Any, path: str, value: Any, *, insert: bool) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent = document
    for part in parts[:-1]:
        parent = _step(parent, part)
    last = parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if insert:
            parent.insert(index, value)
        else:
            parent[index] = value
    else:
        parent[last] = value
    return document


def _take(document: Any, path: str) -> Any:
    parts = _pointer(path)
    parent = document
    for part in parts[:-1]:
        parent = _step(parent, part)
    return parent.pop(int(parts[-1]) if isinstance(parent, list) else parts[-1])


def json_patch(document: Any, operations: list[dict[str, Any]]) -> Any:
    """RFC 6902 (test is kustomize's to enforce; here it changes nothing)."""
    result = copy.deepcopy(document)
    for operation in operations:
        op, path = operation["op"], operation["path"]
        if op == "remove":
            _take(result, path)
        elif op in ("add", "replace"):
            result = _put(result, path, copy.deepcopy(operation["value"]), insert=op == "add")
        elif op == "move":
            result = _put(result, path, _take(result, operation["from"]), insert=True)
        elif op == "copy":
            value = copy.deepcopy(_value(result, operation["from"]))
            result = _put(result, path, value, insert=True)
    return result


def _value(document: Any, path: str) -> Any:
    node = document
    for part in _pointer(path):
        node = _step(node, part)
    return node


def _selects(target: Mapping[str, Any], obj: Mapping[str, Any]) -> bool:
    metadata = obj.get("metadata") or {}
    group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
    found = {
        "kind": obj.get("kind"),
        "name": metadata.get("name"),
        "namespace": metadata.get("namespace"),
        "group": group,
        "version": version,
    }
    return all(found.get(key) == value for key, value in target.items())


def _patched(content: bytes, patches: list[dict[str, Any]]) -> bytes:
    try:
        obj = yaml.safe_load(content)
    except yaml.YAMLError:
        return content
    if not isinstance(obj, dict):
        return content
    changed = False
    for entry in patches:
        if not _selects(entry.get("target") or {}, obj):
            continue
        patch = yaml.safe_load(entry["patch"])
        obj = json_patch(obj, patch) if isinstance(patch, list) else merge_patch(obj, patch)
        changed = True
    return yaml_out.dump(obj) if changed else content


def _overridden(main: bytes, override: bytes) -> bytes:
    """Terraform's override merge: each argument of an override block replaces the
    block's own (nested blocks whole)."""
    document = json.loads(main)
    for section, blocks in json.loads(override).items():
        if section in ("resource", "data"):
            for kind, named in blocks.items():
                for name, body in named.items():
                    target = document.setdefault(section, {}).setdefault(kind, {})
                    target[name] = {**target.get(name, {}), **body}
        else:
            document[section] = merge_patch(document.get(section), blocks)
    return json.dumps(document, indent=2, sort_keys=True).encode()


def applied(tree: Mapping[str, bytes]) -> dict[str, bytes]:
    """`tree` with every environment's patches and overrides applied (and the override
    files folded into main.tf.json)."""
    result = dict(tree)
    for path, content in tree.items():
        folder = PurePosixPath(path).parent
        if folder.name == "kubernetes" and path.endswith(KUSTOMIZATION):
            patches = (yaml.safe_load(content) or {}).get("patches") or []
            for name in tree:
                if PurePosixPath(name).parent == folder and not name.endswith(KUSTOMIZATION):
                    result[name] = _patched(tree[name], patches) if patches else tree[name]
        elif path.endswith(f"terraform/{OVERRIDE}"):
            main = (folder / MAIN).as_posix()
            if main in tree:
                result[main] = _overridden(tree[main], content)
            del result[path]
    return result
