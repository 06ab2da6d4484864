"""`mlstack diff`: what a change does to the deployed objects, in words a reviewer reads.

Trees are compared file by file, then object by object (kind and name), then field by
field; well-known fields get plain words ("replicas 2 → 4", "canary traffic 10% → 50%").
The unified diff follows for the details. Kustomize patches and Terraform overrides are
applied first (gitops/applied.py), so an escape hatch shows on the object it changes. Files that are not manifests or Terraform
(NOTES.md, JSON, `.env` files), and files that do not parse, are compared as text only.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from mlstack.gitops.applied import applied
from mlstack.gitops.deploy_inputs import kustomizations, missing_inputs

Tree = Mapping[str, bytes]
"""File path (STACK/ENV/…) -> content."""

_WORDS: dict[str, str] = {
    "spec.replicas": "replicas",
    "spec.predictor.minReplicas": "min replicas",
    "spec.predictor.maxReplicas": "max replicas",
    "spec.minReplicas": "min replicas",
    "spec.maxReplicas": "max replicas",
    "spec.predictor.canaryTrafficPercent": "canary traffic",
    # The Splitter of a KServe serving's InferenceGraph (targets/kubernetes/kserve.py).
    "spec.nodes.root.steps[0].weight": "primary traffic",
    "spec.nodes.root.steps[1].weight": "canary traffic",
    "spec.predictor.model.storageUri": "model",
    "spec.storageUri": "model",
    "spec.schedule": "schedule",
}


@dataclass(frozen=True)
class Change:
    kind: str
    name: str
    status: str  # added | removed | changed
    fields: tuple[str, ...] = ()


@dataclass
class EnvironmentDiff:
    environment: str
    changes: list[Change] = field(default_factory=list)
    unified: list[str] = field(default_factory=list)


def _objects(content: bytes | None) -> dict[tuple[str, str], Any]:
    if not content:
        return {}
    found = {}
    for document in yaml.safe_load_all(content):
        if isinstance(document, dict) and "kind" in document:
            name = document.get("metadata", {}).get("name") or document.get("kind")
            found[(str(document["kind"]), str(name))] = document
    return found


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for key in sorted(value):
            yield from _flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


def _show(value: Any) -> str:
    return (
        "∅"
        if value is None
        else value
        if isinstance(value, str)
        else json.dumps(value, sort_keys=True)
    )


def _describe(path: str, old: Any, new: Any) -> str:
    if path.endswith(".image") or path == "image":
        old_tag = str(old).rsplit(":", 1)[-1] if old else None
        new_tag = str(new).rsplit(":", 1)[-1] if new else None
        if old and new and str(old).rsplit(":", 1)[0] == str(new).rsplit(":", 1)[0]:
            return f"image tag {old_tag} → {new_tag} ({path})"
    words = _WORDS.get(path, path)
    if path.endswith(("canaryTrafficPercent", "].weight")):
        return f"{words} {_show(old)}% → {_show(new)}%"
    return f"{words} {_show(old)} → {_show(new)}"


def field_changes(old: Any, new: Any) -> tuple[str, ...]:
    """Plain-words changes between two versions of one object (metadata source lines aside)."""
    before = dict(_flatten(old))
    after = dict(_flatten(new))
    out = []
    for path in sorted(before.keys() | after.keys()):
        if path.endswith("mlstack.dev/source") or before.get(path) == after.get(path):
            continue
        out.append(_describe(path, before.get(path), after.get(path)))
    return tuple(out)


def _terraform(content: bytes | None) -> dict[tuple[str, str], Any]:
    if not content:
        return {}
    document = json.loads(content)
    return {
        (kind, name): body
        for kind, items in document.get("resource", {}).items()
        for name, body in items.items()
    }


def _read(path: str, content: bytes | None) -> dict[tuple[str, str], Any]:
    """The objects of a manifest or Terraform file; none for anything else (NOTES.md, JSON,
    `.env` files) or for a file that does not parse (a hand edit in the deploy repo): those
    are compared as text, in the unified diff only."""
    try:
        if path.endswith(".tf.json"):
            return _terraform(content)
        if path.endswith((".yaml", ".yml")):
            return _objects(content)
    except (yaml.YAMLError, ValueError, AttributeError):
        pass
    return {}


def compare(old: Tree, new: Tree) -> dict[str, EnvironmentDiff]:
    """Per `STACK/ENV`: object changes and the unified diff of every changed file. The deploy
    side's files that `new` reads (the Azure client ids) are publish's to keep, not changes.
    Both sides are compared with their patches and overrides applied."""
    old, new = applied(old), applied(new)
    result: dict[str, EnvironmentDiff] = {}
    deploy_side = missing_inputs(kustomizations(new), new)
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path), new.get(path)
        if (
            before == after
            or path.endswith(("mlstack.lock.json", "kustomization.yaml"))
            or path in deploy_side
        ):
            continue
        environment = "/".join(path.split("/")[:2])
        entry = result.setdefault(environment, EnvironmentDiff(environment))
        objects_before, objects_after = _read(path, before), _read(path, after)
        for key in sorted(objects_before.keys() | objects_after.keys()):
            kind, name = key
            if key not in objects_before:
                entry.changes.append(Change(kind, name, "added"))
            elif key not in objects_after:
                entry.changes.append(Change(kind, name, "removed"))
            elif fields := field_changes(objects_before[key], objects_after[key]):
                entry.changes.append(Change(kind, name, "changed", fields))
        entry.unified.extend(
            difflib.unified_diff(
                (before or b"").decode(errors="replace").splitlines(),
                (after or b"").decode(errors="replace").splitlines(),
                f"a/{path}" if before is not None else "/dev/null",
                f"b/{path}" if after is not None else "/dev/null",
                lineterm="",
            )
        )
    return result


def _summary_lines(entry: EnvironmentDiff) -> list[str]:
    lines = []
    for status in ("added", "changed", "removed"):
        for change in (c for c in entry.changes if c.status == status):
            lines.append(f"{status} {change.kind} {change.name}")
            lines.extend(f"    {words}" for words in change.fields)
    return lines


def render_text(diffs: Mapping[str, EnvironmentDiff]) -> str:
    if not diffs:
        return "no changes"
    out = []
    for environment, entry in diffs.items():
        out.append(f"== {environment}: {_counts(entry)}")
        out.extend(_summary_lines(entry))
    for entry in diffs.values():
        out.extend(entry.unified)
    return "\n".join(out)


def _counts(entry: EnvironmentDiff) -> str:
    counts = {s: sum(c.status == s for c in entry.changes) for s in ("added", "changed", "removed")}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "files changed"


def render_markdown(diffs: Mapping[str, EnvironmentDiff]) -> str:
    """A PR comment: a summary per environment, the diff folded away."""
    if not diffs:
        return "### mlstack diff\n\nNo changes to the deployed objects.\n"
    out = ["### mlstack diff", ""]
    for environment, entry in diffs.items():
        out.append(f"**{environment}**: {_counts(entry)}")
        out.append("")
        for status in ("added", "changed", "removed"):
            for change in (c for c in entry.changes if c.status == status):
                detail = "; ".join(change.fields)
                out.append(
                    f"- {status} `{change.kind}/{change.name}`" + (f": {detail}" if detail else "")
                )
        out.append("")
        out.append("<details><summary>diff</summary>")
        out.append("")
        out.append("```diff")
        out.extend(entry.unified)
        out.append("```")
        out.append("</details>")
        out.append("")
    return "\n".join(out)


def terraform_changed(old: Tree, new: Tree, applied_by_ci: set[str]) -> list[str]:
    """`STACK/ENV` of the environments in `applied_by_ci` whose `terraform/` differs: what
    the workflow plans on a pull request and applies on merge."""

    def folder(tree: Tree, environment: str) -> dict[str, bytes]:
        prefix = f"{environment}/terraform/"
        return {path: content for path, content in tree.items() if path.startswith(prefix)}

    environments = {"/".join(path.split("/")[:2]) for path in new if "/terraform/" in path}
    return sorted(
        environment
        for environment in environments & applied_by_ci
        if folder(old, environment) != folder(new, environment)
    )
