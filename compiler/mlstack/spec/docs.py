"""Field descriptions from the attribute docstrings, read only when someone asks for them.

Pydantic's `use_attribute_docstrings` parses every model's source at import, about 60 ms of
each `mlstack validate`; the descriptions are needed only for the JSON Schema, the reference
and a few hints, so they are parsed here on first use instead.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
from functools import cache
from typing import Any

from pydantic import BaseModel


@cache
def field_docs(model: type[BaseModel]) -> dict[str, str]:
    """Field name -> description, for `model` and the models it inherits from."""
    found: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls is BaseModel:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for statement, following in itertools.pairwise(body):
            if (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                found[statement.target.id] = inspect.cleandoc(following.value.value)
    for name, info in model.model_fields.items():
        if info.description:
            found.setdefault(name, info.description)
    return found


def add_descriptions(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """`json_schema_extra` hook: put each field's description into the model's schema."""
    docs = field_docs(model)
    properties = schema.get("properties", {})
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key in properties and name in docs:
            properties[key].setdefault("description", docs[name])
