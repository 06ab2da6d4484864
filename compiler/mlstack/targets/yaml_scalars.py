"""How `yaml_out` writes one scalar: the project's quoting rule, and libyaml's choice of style.

The fast writer in `yaml_out` must produce the bytes PyYAML's C dumper (libyaml) writes, so
the style of each string is decided here the way libyaml's `yaml_emitter_analyze_scalar` and
`yaml_emitter_select_scalar_style` decide it (src/emitter.c). Only strings of printable ASCII
and line feeds are handled: past that alphabet libyaml escapes and measures in ways not worth
copying, and generated manifests never leave it, so such strings send the whole document back
to PyYAML instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache

import yaml

from mlstack.load import plain_scalar

_YAML11_WORDS = re.compile(r"(?i)^(y|n|yes|no|on|off|true|false|null|~)$")
_HANDLED = re.compile(r"[\x20-\x7e\n]*")
# A plain scalar may not start with an indicator, nor hold `: ` or ` #`, nor end with `:`.
_INDICATOR_START = re.compile(r"---|\.\.\.|[#,\[\]{}&*!|>'\"%@`]|[?:-](?: |$)")
_INDICATOR_INSIDE = re.compile(r": | #|:$")
_SPACE = re.compile(" ")
_resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = (
    yaml.resolver.Resolver().resolve
)
"""PyYAML's YAML 1.1 tag for a scalar; `(True, False)` asks about the bare (plain) form."""
_STR = "tag:yaml.org,2002:str"
_FLOAT = "tag:yaml.org,2002:float"

_SIMPLE_KEY = 128
"""Longest key (in bytes; the handled alphabet is ASCII) libyaml writes as a simple key."""

LITERAL = "|"
"""First character of `scalar`'s answer when the string goes out as a literal block."""


def requested_style(value: str) -> str | None:
    """The style asked of the dumper: strings a YAML 1.2 or 1.1 reader would take for a number,
    boolean or null are double-quoted (PyYAML only guards against 1.1), and multi-line strings
    go out as literal blocks so scripts and configs stay readable in review."""
    if not isinstance(plain_scalar(value), str) or _YAML11_WORDS.match(value):
        return '"'
    return LITERAL if "\n" in value else None


@lru_cache(maxsize=1 << 16)
def scalar(value: str) -> str | None:
    """`value` as libyaml writes it in block context, or None when it is outside the alphabet
    handled here. A literal block comes back as its header only (`|-`, `|2+`, ...): its body
    depends on the indentation of the place it is written at."""
    if not _HANDLED.fullmatch(value):
        return None
    style = requested_style(value)
    if style == LITERAL:
        # libyaml refuses a block scalar with a trailing space or a space before a line break.
        if value.endswith(" ") or " \n" in value:
            return double_quoted(value)
        return _literal_header(value)
    if style is None:
        if _plain_allowed(value):
            return value
        return "'" + value.replace("'", "''") + "'"
    return double_quoted(value)


@lru_cache(maxsize=1 << 14)
def simple_key(value: str) -> str | None:
    """`value` written as a mapping key, or None when libyaml would not write it as `key:`
    (a multi-line or over-long key takes the explicit `? key` form) or `scalar` cannot say."""
    if "\n" in value or len(value) > _SIMPLE_KEY:
        return None
    return scalar(value)


def folded(text: str, column: int, indent: int, width: int) -> str | None:
    """`text`, a scalar as `scalar` writes it, starting at `column`, with its lines broken
    where libyaml breaks them: at a lone space (not in a run of spaces, and for quoted text not
    the first or last character) once the line has passed `width`, continuing at `indent`.
    Double-quoted text goes back to PyYAML (None): there libyaml also escapes a space that
    would start a continuation line."""
    if text[0] == '"':
        return None
    edge = 1 if text[0] == "'" else 0
    lines: list[str] = []
    start = 0
    for space in _SPACE.finditer(text):
        at = space.start()
        if (
            column + at - start > width
            and edge < at < len(text) - 1 - edge
            and text[at - 1] != " "
            and text[at + 1] != " "
        ):
            lines.append(text[start:at])
            start, column = at + 1, indent
    lines.append(text[start:])
    return ("\n" + " " * indent).join(lines)


def double_quoted(value: str) -> str:
    """Double-quoted form; within the handled alphabet only these three need escaping."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _plain_allowed(value: str) -> bool:
    """libyaml writes a one-line string bare unless an indicator or an outer space would
    change how it reads, or PyYAML's YAML 1.1 resolver would read it as something else."""
    if value[0] == " " or value[-1] == " ":
        return False
    if _INDICATOR_START.match(value) or _INDICATOR_INSIDE.search(value):
        return False
    return bool(_resolve(yaml.ScalarNode, value, (True, False)) == _STR)


def _literal_header(value: str) -> str:
    """`|`, an indentation digit when the text starts with a space or line break (it could
    not be told from indentation otherwise), then the chomping indicator libyaml picks."""
    indent = "2" if value[0] in " \n" else ""
    if not value.endswith("\n"):
        chomp = "-"
    elif value == "\n" or value.endswith("\n\n"):
        chomp = "+"
    else:
        chomp = ""
    return LITERAL + indent + chomp


def float_text(value: float) -> str | None:
    """PyYAML's representation of a float, when its resolver reads it back as a float (it
    always does for finite values; anything else goes to PyYAML to decide)."""
    if math.isnan(value):
        text = ".nan"
    elif math.isinf(value):
        text = ".inf" if value > 0 else "-.inf"
    else:
        text = repr(value).lower()
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
    return text if _resolve(yaml.ScalarNode, text, (True, False)) == _FLOAT else None
