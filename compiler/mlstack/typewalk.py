"""Find the model behind an error location, to say which keys would have been right.

Pydantic reports `extra_forbidden` without the allowed names; walking the annotations along
the error's `loc` (field aliases, dict values, list items, union tags) finds the model.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

from pydantic import BaseModel, Tag


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete alternatives behind Annotated/Optional/Union, tags kept as (tag, type)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extras = typing.get_args(annotation)
        tags = [e.tag for e in extras if isinstance(e, Tag)]
        return [(tags[0], t) for t in _unwrap(inner)] if tags else _unwrap(inner)
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    if annotation is type(None):
        return []
    return [annotation]


def _literal_values(model: type[BaseModel], field: str) -> tuple[Any, ...]:
    info = model.model_fields.get(field)
    if info is None:
        return ()
    for alternative in _unwrap(info.annotation):
        if typing.get_origin(alternative) is Literal:
            return typing.get_args(alternative)
    return ()


def _field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _tagged(candidates: list[Any], element: str | int) -> list[Any]:
    """The alternatives of a union whose tag (or discriminator value) is `element`."""
    found = []
    for candidate in candidates:
        tag, kind = candidate if isinstance(candidate, tuple) else (None, candidate)
        if (
            isinstance(kind, type)
            and issubclass(kind, BaseModel)
            and (
                element == tag
                or any(element in _literal_values(kind, f) for f in kind.model_fields)
            )
        ):
            found.append(kind)
    return found


def _step(candidates: list[Any], element: str | int) -> list[Any]:
    if len(candidates) > 1 and (tagged := _tagged(candidates, element)):
        # A union's tag step comes first: KServeServing's own field `kserve` is a step into
        # it only once the union is narrowed to that alternative.
        return tagged
    following: list[Any] = []
    for candidate in candidates:
        tag, kind = candidate if isinstance(candidate, tuple) else (None, candidate)
        origin: Any = typing.get_origin(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            annotation = _field(kind, str(element))
            if annotation is not None:
                following.extend(_unwrap(annotation))
            elif element == tag or any(
                element in _literal_values(kind, f) for f in kind.model_fields
            ):
                following.append(kind)
        elif origin is dict:
            following.extend(_unwrap(typing.get_args(kind)[1]))
        elif origin is list:
            following.extend(_unwrap(typing.get_args(kind)[0]))
    return following


def model_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model that validated the mapping at `loc` (a pydantic error location)."""
    candidates: list[Any] = [root]
    for element in loc:
        narrowed = _step(candidates, element)
        if not narrowed:
            return None
        candidates = narrowed
    models = [c[1] if isinstance(c, tuple) else c for c in candidates]
    found = [m for m in models if isinstance(m, type) and issubclass(m, BaseModel)]
    return found[0] if len(found) == 1 else None


def keys_of(model: type[BaseModel]) -> list[str]:
    return sorted(info.alias or name for name, info in model.model_fields.items())


def _shape(alternative: Any) -> str:
    kind = alternative[1] if isinstance(alternative, tuple) else alternative
    origin: Any = typing.get_origin(kind)
    if kind is Any:
        return "any"
    if origin is dict or (isinstance(kind, type) and issubclass(kind, (BaseModel, dict))):
        return "mapping"
    if origin in (list, tuple) or kind is list or kind is tuple:
        return "list"
    return "scalar"


def keys_taking(model: type[BaseModel], value: Any) -> list[str]:
    """The keys of `model` whose field takes a value of this shape (mapping, list or
    scalar): a list under an unknown key is not a misspelt scalar field."""
    wanted = (
        "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else "scalar"
    )
    return sorted(
        info.alias or name
        for name, info in model.model_fields.items()
        if any(_shape(a) in (wanted, "any") for a in _unwrap(info.annotation))
    )
