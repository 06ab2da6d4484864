"""`platform.kubernetes.patches` -> the `patches` of the environment's kustomization.yaml.

Only the compiled objects say what a target may name, so this is the one check a target
makes: a patch that selects no generated object is reported (E0901) and the compile stops,
where kustomize would apply it to nothing and say nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mlstack.diagnostics import Diagnostic, InputError
from mlstack.plan import Plan
from mlstack.spec.hatches import Patch, PatchTarget
from mlstack.suggest import did_you_mean
from mlstack.targets import yaml_out


@dataclass(frozen=True)
class ObjectId:
    """What a kustomize target selects on."""

    api_version: str
    kind: str
    name: str
    namespace: str | None

    @classmethod
    def of(cls, obj: dict[str, Any]) -> ObjectId:
        metadata = obj["metadata"]
        return cls(obj["apiVersion"], obj["kind"], metadata["name"], metadata.get("namespace"))

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    def selected_by(self, target: PatchTarget) -> bool:
        wanted = (target.kind, target.name, target.group, target.version, target.namespace)
        found = (self.kind, self.name, self.group, self.version, self.namespace)
        return all(w is None or w == f for w, f in zip(wanted, found, strict=True))


def _text(document: Any) -> str:
    """The patch as kustomize reads it: YAML quoted like every other file mlstack writes."""
    return yaml_out.dump(document).decode()


def _entry(patch: Patch, matched: ObjectId) -> dict[str, Any]:
    """A strategic-merge patch is written as the whole partial object (apiVersion, kind,
    name), so kustomize reads it the same with or without the target."""
    target = patch.target.model_dump(exclude_none=True)
    if isinstance(patch.patch, list):
        operations = [op.model_dump(by_alias=True, exclude_unset=True) for op in patch.patch]
        return {"patch": _text(operations), "target": target}
    body = dict(patch.patch)
    metadata = {**body.pop("metadata", {}), "name": matched.name}
    if matched.namespace is not None:
        metadata["namespace"] = matched.namespace
    document = {"apiVersion": matched.api_version, "kind": matched.kind, "metadata": metadata}
    return {"patch": _text({**body, **document}), "target": target}


def _unmatched(plan: Plan, index: int, patch: Patch, objects: list[ObjectId]) -> Diagnostic:
    target = patch.target
    same_kind = [o.name for o in objects if o.kind == target.kind]
    wrong = "name" if same_kind else "kind"
    if same_kind:
        hint = did_you_mean(target.name, same_kind) or (
            f"this environment's {target.kind} objects: {', '.join(sorted(same_kind))}"
        )
    else:
        kinds = sorted({o.kind for o in objects})
        hint = did_you_mean(target.kind, kinds) or (
            f"this environment generates no {target.kind}; see out/{plan.stack}/"
            f"{plan.environment}/kubernetes/ for what it does"
        )
    return Diagnostic(
        "E0901",
        f"patch {index + 1} of environment '{plan.environment}' targets "
        f"{target.kind} '{target.name}', which this environment does not generate",
        plan.span(("platform", "kubernetes", "patches", index, "target", wrong)),
        hint,
    )


def kustomization_patches(plan: Plan, generated: Iterable[ObjectId]) -> dict[str, Any]:
    """The `patches` field (absent without patches); raises InputError when one targets
    nothing, before kustomization.yaml is written."""
    objects = list(generated)
    entries = []
    problems = []
    for index, patch in enumerate(plan.spec.platform.kubernetes.patches):
        matched = [o for o in objects if o.selected_by(patch.target)]
        if matched:
            entries.append(_entry(patch, matched[0]))
        else:
            problems.append(_unmatched(plan, index, patch, objects))
    if problems:
        raise InputError(problems)
    return {"patches": entries} if entries else {}
