"""Keep checking past field errors: drop the broken named things, check what is left.

A typo in one serving's memory must not hide an unknown model in another: when the only
field errors sit inside named things (a pool, a model, a serving, an alert, ...), those
things are set aside and the cross-layer checks run on the rest. References to a thing set
aside are not reported (its own error already was), so nothing cascades.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from mlstack.load import PathKey
from mlstack.parse import data_path
from mlstack.spec import Stack

_TOP = ("compute", "models", "pipelines", "notebooks", "serving")
_NESTED = (("monitoring", "alerts"), ("monitoring", "drift"), ("features", "groups"))


def named_prefix(path: PathKey) -> PathKey | None:
    """(section, name) or (section, map, name) of the named thing `path` lies in."""
    if len(path) >= 2 and path[0] in _TOP:
        return path[:2]
    if len(path) >= 3 and path[:2] in _NESTED:
        return path[:3]
    return None


def salvage(data: dict[str, Any]) -> tuple[Stack | None, frozenset[PathKey]]:
    """The stack without its broken named things, and which ones were set aside."""
    trimmed = copy.deepcopy(data)
    broken: set[PathKey] = set()
    for _ in range(3):
        try:
            return Stack.model_validate(trimmed), frozenset(broken)
        except ValidationError as error:
            prefixes = {named_prefix(data_path(trimmed, tuple(e["loc"]))) for e in error.errors()}
            if None in prefixes:
                return None, frozenset()
            for prefix in prefixes:
                assert prefix is not None
                parent: Any = trimmed
                for element in prefix[:-1]:
                    parent = parent[element]
                parent.pop(prefix[-1], None)
                broken.add(prefix)
    return None, frozenset()
