"""`features`: the feature store and its feature groups."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from mlstack.spec.base import Named, SpecModel
from mlstack.spec.types import Duration, Name

FeatureType = Literal["int", "float", "string", "bool", "timestamp"]

FeatureName = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,63}$")]


class FeatureGroup(Named):
    """A feature group (Feast feature view, SageMaker feature group, Vertex feature view)."""

    record_id: FeatureName
    """Column that identifies a record (the entity key)."""
    event_time: FeatureName
    """Column with the event timestamp."""
    features: Annotated[dict[FeatureName, FeatureType], Field(min_length=1)]
    """Features keyed by column name: int, float, string, bool or timestamp."""
    online: bool = True
    """Serve from the online store."""
    offline: bool = True
    """Keep history in the offline store."""
    ttl: Duration | None = None
    """How long a feature value stays valid online."""

    @model_validator(mode="after")
    def _keys_apart(self) -> FeatureGroup:
        for field in ("record_id", "event_time"):
            if getattr(self, field) in self.features:
                raise PydanticCustomError(
                    "E0112",
                    "'{column}' is the {role} and cannot also be a feature",
                    {
                        "column": getattr(self, field),
                        "role": field.replace("_", " "),
                        "hint": "remove it from features",
                    },
                )
        return self


class Features(SpecModel):
    """The feature store."""

    store: Literal["feast", "sagemaker", "vertex"]
    """feast (in the cluster, any cloud), sagemaker (aws) or vertex (gcp)."""
    groups: dict[Name, FeatureGroup] = {}
    """Feature groups keyed by name."""
