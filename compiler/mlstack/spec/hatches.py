"""Escape hatches: what mlstack does not model, said in each tool's own terms.

A kustomize patch and a Terraform override file are what a reviewer of either tool already
reads, and they are re-applied on every compile, so an edit made through them survives where a
hand edit of `out/` would not. Their targets are checked at compile time (only the compiled
objects and blocks say what exists), so a patch that matches nothing is an error, never a
silent no-op.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from mlstack.spec.base import SpecModel

_OBJECT_NAME = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"


class PatchTarget(SpecModel):
    """Which generated object a patch applies to, as kustomize selects it."""

    kind: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9]*$")]
    """Kind of the object, e.g. InferenceService, Deployment."""
    name: Annotated[str, Field(pattern=_OBJECT_NAME)]
    """Name of the object as mlstack generates it (see out/STACK/ENV/kubernetes/)."""
    group: str | None = None
    """API group, e.g. serving.kserve.io; needed only where two kinds share a name."""
    version: str | None = None
    """API version within the group, e.g. v1beta1."""
    namespace: str | None = None
    """Namespace; every generated object is in the stack's namespace."""


class JsonPatchOperation(SpecModel):
    """One RFC 6902 operation."""

    model_config = ConfigDict(alias_generator=None)

    op: Literal["add", "remove", "replace", "move", "copy", "test"]
    """What to do at `path`."""
    path: Annotated[str, Field(pattern=r"^(/.*)?$")]
    """JSON pointer into the object, e.g. /spec/predictor/minReplicas."""
    value: Any = None
    """The value to add, replace or test."""
    from_: Annotated[str, Field(pattern=r"^(/.*)?$")] | None = Field(None, alias="from")
    """Source pointer of move and copy."""

    @model_validator(mode="after")
    def _operands(self) -> JsonPatchOperation:
        if self.op in ("move", "copy") and self.from_ is None:
            raise PydanticCustomError(
                "E0120",
                "operation '{op}' needs 'from'",
                {"op": self.op, "hint": "write the pointer to copy or move from: from: /spec/x"},
            )
        if self.op in ("add", "replace", "test") and "value" not in self.model_fields_set:
            raise PydanticCustomError(
                "E0120",
                "operation '{op}' needs 'value'",
                {"op": self.op, "hint": "write the value to set: value: ..."},
            )
        return self


def _patch_kind(value: object) -> str:
    """Chosen by shape, so a mistake in an operation is reported once, not also as "expected
    a mapping" for the other kind."""
    return "json6902" if isinstance(value, list) else "merge"


class Patch(SpecModel):
    """A kustomize patch of one generated object, applied after everything mlstack writes."""

    target: PatchTarget
    """The object to patch; one that the environment does not generate is an error."""
    patch: Annotated[
        Annotated[dict[str, Any], Tag("merge")]
        | Annotated[list[JsonPatchOperation], Field(min_length=1), Tag("json6902")],
        Discriminator(_patch_kind),
    ]
    """A strategic-merge patch (an object: the fields to change) or a list of JSON 6902
    operations ([{op: add, path: /spec/x, value: 1}])."""


TerraformOverrides = dict[str, Any]
"""An object in Terraform's JSON syntax, written as terraform/override.tf.json."""
