"""The base every spec model shares: frozen, strict, no unknown keys, camelCase on the wire."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from mlstack.spec.docs import add_descriptions
from mlstack.spec.types import Quantity


class SpecModel(BaseModel):
    """Strict so that YAML's `"2"` is not an int and `yes` is not a bool; frozen between stages."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        alias_generator=to_camel,
        populate_by_name=True,
        json_schema_extra=add_descriptions,
        regex_engine="python-re",
        defer_build=True,
    )


class Named(SpecModel):
    """Anything keyed by name can be left out of an environment."""

    enabled: bool = True
    """Set to false to leave this out of an environment (anything that refers to it must go too)."""


class Range(SpecModel):
    """A min/max pair, checked so that min <= max."""

    min: Annotated[int, Field(ge=0)]
    """Lower bound."""
    max: Annotated[int, Field(ge=1)]
    """Upper bound (at least min)."""

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise PydanticCustomError(
                "E0109",
                "min ({min}) is greater than max ({max})",
                {"min": self.min, "max": self.max, "hint": "swap them, or raise max"},
            )
        return self


class Resources(SpecModel):
    """What one pod requests; limits equal requests so scheduling matches reality."""

    cpu: Quantity | None = None
    """CPU cores, as a Kubernetes quantity: '2', '500m'."""
    memory: Quantity | None = None
    """Memory, as a Kubernetes quantity: '4Gi', '512Mi'."""
    gpu: Annotated[int, Field(ge=0)] = 0
    """GPUs (nvidia.com/gpu); must fit the pool's accelerator count."""
