"""Deterministic YAML for generated files: sorted keys, block style, and quoting that keeps
every string a string for YAML 1.1 and 1.2 readers alike.

PyYAML (C dumper, ~9x faster than ruamel's) quotes by YAML 1.1 rules, so a string such as
`035e2982` or `yes` could be written bare and read back as a float or a boolean by a
YAML 1.2 reader; those are forced into double quotes here.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from mlstack.load import plain_scalar

_YAML11_WORDS = re.compile(r"(?i)^(y|n|yes|no|on|off|true|false|null|~)$")


class _Dumper(yaml.CSafeDumper):
    pass


def _string(dumper: _Dumper, value: str) -> yaml.Node:
    ambiguous = not isinstance(plain_scalar(value), str) or bool(_YAML11_WORDS.match(value))
    style = '"' if ambiguous else ("|" if "\n" in value else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def dump(document: Any) -> bytes:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=1000,
    ).encode()
