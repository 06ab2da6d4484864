"""Deterministic YAML for generated files: sorted keys, block style, and quoting that keeps
every string a string for YAML 1.1 and 1.2 readers alike.

PyYAML (C dumper, ~9x faster than ruamel's) quotes by YAML 1.1 rules, so a string such as
`035e2982` or `yes` could be written bare and read back as a float or a boolean by a
YAML 1.2 reader; those are forced into double quotes here.

PyYAML's output is the contract (golden files hold its bytes), but most of its time goes to
its pure-Python representer building a node per value. Generated manifests are plain JSON-like
data, so `_fast` writes them directly, choosing each string's style as libyaml does
(`yaml_scalars`); whatever it cannot reproduce with certainty goes to `_pyyaml` whole.
"""

from __future__ import annotations

from typing import Any

import yaml

from mlstack.targets.yaml_scalars import (
    LITERAL,
    float_text,
    folded,
    requested_style,
    scalar,
    simple_key,
)

_WIDTH = 1000
"""Line width given to PyYAML; past it libyaml folds quoted and plain scalars at spaces."""


class _Dumper(yaml.CSafeDumper):
    pass


def _string(dumper: _Dumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=requested_style(value))


_Dumper.add_representer(str, _string)


def dump(document: Any) -> bytes:
    text = _fast(document)
    return (_pyyaml(document) if text is None else text).encode()


def _pyyaml(document: Any) -> str:
    """The reference: what every output of `dump` must equal byte for byte."""
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=_WIDTH,
    )


class _Unsure(Exception):
    """Raised where `_fast` cannot be sure of PyYAML's output; the document goes to PyYAML."""


def _fast(document: Any) -> str | None:
    """The document as `_pyyaml` writes it, for a non-empty dict root, or None when any part
    of it is outside what this writer reproduces exactly."""
    if type(document) is not dict or not document:
        return None
    out: list[str] = []
    writer = _Writer(out)
    try:
        writer.enter(document)
        writer.mapping(document, 0, "")
    except _Unsure:
        return None
    # libyaml ends a document whose last block scalar keeps trailing line breaks with `...`.
    if writer.open_ended:
        out.append("...\n")
    return "".join(out)


class _Writer:
    """Block-style writer mirroring libyaml's layout: mapping values indented by 2, sequences
    under a key not indented (`key:\\n- item`), nested collections after `- ` on its line."""

    def __init__(self, out: list[str]) -> None:
        self.out = out
        self.seen: set[int] = set()
        self.open_ended = False

    def enter(self, collection: dict[Any, Any] | list[Any]) -> None:
        """PyYAML writes a collection met twice as an anchor and an alias; never guess those."""
        if id(collection) in self.seen:
            raise _Unsure
        self.seen.add(id(collection))

    def mapping(self, mapping: dict[Any, Any], indent: int, lead: str) -> None:
        """Keys at `indent`, the first one after `lead` (what is already on its line)."""
        try:
            keys = sorted(mapping)
        except TypeError:
            raise _Unsure from None
        pad = " " * indent
        for key in keys:
            text = simple_key(key) if type(key) is str else None
            if text is None:
                raise _Unsure
            self.out.append(f"{lead}{text}:")
            lead = pad
            value = mapping[key]
            if type(value) is dict and value:
                self.enter(value)
                self.out.append("\n")
                self.mapping(value, indent + 2, pad + "  ")
            elif type(value) is list and value:
                self.enter(value)
                self.out.append("\n")
                self.sequence(value, indent, pad)
            else:
                self.leaf(value, indent, indent + len(text) + 2)

    def sequence(self, items: list[Any], indent: int, lead: str) -> None:
        """Dashes at `indent`, the first one after `lead`."""
        pad = " " * indent
        for item in items:
            self.out.append(f"{lead}-")
            lead = pad
            if type(item) is dict and item:
                self.enter(item)
                self.mapping(item, indent + 2, " ")
            elif type(item) is list and item:
                self.enter(item)
                self.sequence(item, indent + 2, " ")
            else:
                self.leaf(item, indent, indent + 2)

    def leaf(self, value: Any, indent: int, column: int) -> None:
        """A scalar or empty collection after a key or dash at `indent`, starting at `column`."""
        kind = type(value)
        text: str | None = None
        if kind is str:
            text = scalar(value)
            if text is not None and text.startswith(LITERAL):
                self.literal(value, text, indent + 2)
                return
            if text is not None and column + len(text) > _WIDTH:
                text = folded(text, column, indent + 2, _WIDTH)
        elif kind is bool:
            text = "true" if value else "false"
        elif kind is int:
            text = str(value)
        elif kind is float:
            text = float_text(value)
        elif value is None:
            text = "null"
        elif kind is dict or kind is list:
            self.enter(value)
            text = "{}" if kind is dict else "[]"
        if text is None:
            raise _Unsure
        self.out.append(f" {text}\n")

    def literal(self, value: str, header: str, indent: int) -> None:
        """Body lines at `indent`, blank lines left empty; a body that does not end in a line
        break still ends its line, as libyaml breaks before whatever comes next."""
        pad = " " * indent
        body = "\n".join(pad + line if line else "" for line in value.split("\n"))
        self.out.append(f" {header}\n{body}" + ("" if value.endswith("\n") else "\n"))
        self.open_ended = header.endswith("+")
