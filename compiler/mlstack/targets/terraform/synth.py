"""The one module that imports the Terraform synthesis engine: blocks in, Terraform JSON out.

The engine is CDK Terrain (`cdktn`), the maintained continuation of cdktf (archived upstream
on 2025-12-10, last release 0.21) with the same constructs API; it stays behind `synthesize`
and this one import, so switching engines is one line. `bench/engine.py` compares the two on
a generated stack: byte-identical output, cdktn 0.72x the time of cdktf at N = 300.
Blocks cross into Node in batches: each batch is one `TerraformStack` (in an `App` of its
own) holding its blocks as one escape-hatch override per block kind, read back with one
`to_terraform()` call. Blocks go in sorted by address, so each batch's blocks come back in
order and are written as text at once: no document of the whole stack is ever built.
One construct per block costs ~7 jsii calls (~1 ms) per block; one stack holding every
block grows faster than linearly (a 67k-block stack: 9.8 s against 7.5 s in batches), so
batches keep it linear. The engine's `//` metadata is dropped so output only changes with input.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from typing import Any

from mlstack.targets.node_runtime import configure
from mlstack.targets.terraform.blocks import Block

configure()

import cdktn as engine  # noqa: E402  (after configure(): jsii reads JSII_NODE when it starts)

from mlstack.targets.jsii_kernel import release  # noqa: E402

_STRING = encode_basestring
"""JSON string literal as `json.dumps(..., ensure_ascii=False)` writes it (C-accelerated)."""

_CONSTANTS = {None: "null", True: "true", False: "false"}

BLOCK_KINDS = frozenset({"resource", "data"})

BATCH_BLOCKS = 500
"""Blocks per stack: per-batch overhead (a new App and stack, ~1 ms) is nothing at this
size, synthesis time per block is flat up to several thousand blocks, and each batch's
copies in jsii messages stay small."""


def _strip_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_strip_metadata(v) for v in value]
    return value


def _synthesize_batch(sections: dict[str, Any]) -> dict[str, Any]:
    app = engine.App(skip_validation=True)
    stack = engine.TerraformStack(app, "main")
    for key, value in sections.items():
        stack.add_override(key, value)
    document: dict[str, Any] = _strip_metadata(stack.to_terraform())
    release(app, stack)
    return document


def _synthesized(blocks: list[Block], limit: int) -> Iterator[tuple[tuple[str, ...], Any]]:
    """((kind, type, name), body) as the engine writes each block, in sorted order. `blocks`
    is sorted here and emptied batch by batch, so bodies already synthesized are freed
    while later batches run (a large stack's blocks and its output are not held together)."""
    blocks.sort(key=lambda b: (b.kind, b.type, b.name), reverse=True)
    while blocks:
        sections: dict[str, Any] = {}
        for _ in range(min(limit, len(blocks))):
            block = blocks.pop()
            sections.setdefault(block.kind, {}).setdefault(block.type, {})[block.name] = block.body
        document = _synthesize_batch(sections)
        if unexpected := document.keys() - BLOCK_KINDS:
            raise AssertionError(f"the engine added {sorted(unexpected)} to a batch of blocks")
        for kind in sorted(document):
            for block_type, named in sorted(document[kind].items()):
                for name, body in sorted(named.items()):
                    yield (kind, block_type, name), body


def _float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _pretty(value: Any, depth: int, out: list[str]) -> None:
    """Append what `json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)` gives,
    as if nested `depth` objects deep. json's own indenting encoder makes a reference cycle
    of closures per call, which the CLI (run without the cyclic GC) never frees: ~200 MB for
    one environment of 68k blocks."""
    if isinstance(value, str):
        out.append(_STRING(value))
    elif value is None or value is True or value is False:
        out.append(_CONSTANTS[value])
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, dict | list | tuple):
        if not value:
            out.append("{}" if isinstance(value, dict) else "[]")
            return
        inner = "\n" + "  " * (depth + 1)
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        separator = opening + inner
        if isinstance(value, dict):
            for key in sorted(value):
                if not isinstance(key, str):
                    raise TypeError(f"Terraform JSON keys are strings, not {key!r}")
                out += (separator, _STRING(key), ": ")
                _pretty(value[key], depth + 1, out)
                separator = "," + inner
        else:
            for item in value:
                out.append(separator)
                _pretty(item, depth + 1, out)
                separator = "," + inner
        out.append("\n" + "  " * depth + closing)
    else:
        raise TypeError(f"not JSON: {type(value).__name__}")


def json_file(entries: Iterable[tuple[tuple[str, ...], Any]]) -> bytes:
    """The text `json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)` gives
    for the document holding each value at its path, plus a final newline, UTF-8: written
    from entries in sorted path order (no path a prefix of another) without the whole
    document ever being built, and encoded piece by piece, so the text is never held twice
    more in memory (tens of MB per copy at 5,000 models)."""
    out = [b"{"]
    keys: list[str] = []
    filled = [False]
    """Whether each open object (the root first) has a member yet."""

    def member(key: str) -> None:
        indent = "  " * (len(keys) + 1)
        out.append(f"{',' if filled[-1] else ''}\n{indent}{_STRING(key)}: ".encode())
        filled[-1] = True

    for path, value in entries:
        *parents, leaf = path
        common = 0
        while common < min(len(keys), len(parents)) and keys[common] == parents[common]:
            common += 1
        while len(keys) > common:
            out.append(f"\n{'  ' * len(keys)}}}".encode())
            keys.pop()
            filled.pop()
        for key in parents[common:]:
            member(key)
            out.append(b"{")
            keys.append(key)
            filled.append(False)
        member(leaf)
        # Joined per entry: millions of small pieces held to the end cost ~4x the text.
        parts: list[str] = []
        _pretty(value, len(keys) + 1, parts)
        out.append("".join(parts).encode())
    while keys:
        out.append(f"\n{'  ' * len(keys)}}}".encode())
        keys.pop()
    out.append(b"\n}\n" if filled[0] else b"}\n")
    return b"".join(out)


def synthesize(settings: dict[str, Any], blocks: list[Block], limit: int = BATCH_BLOCKS) -> bytes:
    """The Terraform JSON file (sorted keys, 2-space indentation). `settings` holds the
    `terraform`, `provider` and `output` sections; `blocks` the rest, and is emptied."""
    if clash := settings.keys() & BLOCK_KINDS:
        raise AssertionError(f"settings cannot hold {sorted(clash)}")
    head = _synthesize_batch(dict(settings))
    entries = heapq.merge(
        sorted(((section,), value) for section, value in head.items()),
        _synthesized(blocks, limit),
        key=lambda entry: entry[0],
    )
    return json_file(entries)
