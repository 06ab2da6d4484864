"""What a serving's pods carry besides what mlstack derives: environment, labels,
annotations, tolerations and a priority class, in Kubernetes' own terms.

These are the settings people most often reached into `out/` for; as fields they are
checked (a reserved label, a literal credential in `env`), merged per environment like the
rest, and rendered by every in-cluster runtime the same way (targets/kubernetes/pods.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from mlstack.spec.base import SpecModel
from mlstack.spec.tracking import SecretKeyRef
from mlstack.spec.types import LabelKey, LabelValue

RESERVED_PREFIXES = ("app.kubernetes.io/", "mlstack.dev/")
"""Label keys mlstack sets itself: selectors and the source annotation depend on them."""


def _not_reserved(value: dict[str, str]) -> dict[str, str]:
    for key in value:
        if key.startswith(RESERVED_PREFIXES):
            raise PydanticCustomError(
                "E0121",
                "'{key}' is a key mlstack sets itself",
                {
                    "key": key,
                    "hint": "selectors and `mlstack explain` rely on app.kubernetes.io/ and "
                    "mlstack.dev/ keys: use a prefix of your own (team.acme.example/tier)",
                },
            )
    return value


class SecretEnv(SpecModel):
    """An environment variable read from a key of a Kubernetes Secret."""

    secret_key_ref: SecretKeyRef
    """The Secret and key: `{secretKeyRef: {name: s-api, key: key}}`."""


EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
Env = dict[EnvName, str | SecretEnv]
"""`NAME: value` or `NAME: {secretKeyRef: {name, key}}`; set after mlstack's own variables,
so a name mlstack also sets (MLFLOW_TRACKING_URI) is the spec's value."""

Labels = Annotated[dict[LabelKey, LabelValue], AfterValidator(_not_reserved)]
Annotations = Annotated[dict[LabelKey, str], AfterValidator(_not_reserved)]


class Toleration(SpecModel):
    """A Kubernetes toleration, beside the ones of the serving's pool."""

    key: str | None = None
    """Taint key; none with operator Exists tolerates every taint."""
    operator: Literal["Equal", "Exists"] = "Equal"
    """Equal (key and value match) or Exists (the key alone)."""
    value: str | None = None
    """Taint value, with operator Equal."""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    """The effect tolerated; none tolerates all of them."""
    toleration_seconds: Annotated[int, Field(ge=0)] | None = None
    """How long a NoExecute taint is tolerated before eviction."""

    @model_validator(mode="after")
    def _consistent(self) -> Toleration:
        if self.operator == "Exists" and self.value is not None:
            raise PydanticCustomError(
                "E0114",
                "a toleration with operator Exists takes no value",
                {"at": "value", "hint": "remove value, or write operator: Equal"},
            )
        return self


PriorityClassName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
