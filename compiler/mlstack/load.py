"""Stage 1: file bytes -> `Document` (plain data + where every key and value came from).

Built on ruamel.yaml's safe event stream rather than its constructor: events come from
libyaml without recursion (a 100,000-deep flow list crashes recursive composers), so this
module alone decides what is allowed: YAML 1.2 scalars only (`yes` stays a string), duplicate
keys rejected, aliases expanded against a budget (billion laughs stops in milliseconds),
nesting bounded, and a span kept for every key and value for the diagnostics downstream.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from mlstack.diagnostics import Diagnostic, InputError, Span

PathKey = tuple[str | int, ...]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or broken file from costing more than a normal one."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = 64
    max_alias_nodes: int = 100_000


@dataclass(frozen=True)
class Document:
    """A loaded file: data as plain Python values, and spans addressed by path."""

    file: str
    lines: tuple[str, ...]
    data: dict[str, Any]
    key_spans: Mapping[PathKey, Span] = field(default_factory=dict)
    value_spans: Mapping[PathKey, Span] = field(default_factory=dict)
    source_file: str = ""
    """The file as generated objects name it (`mlstack.dev/source`): its path from the root
    of the git repository that holds it, else its file name; never the working folder."""

    def span(self, path: PathKey, *, key: bool = False) -> Span:
        """The best span for `path`: its key or value, else the nearest ancestor's key."""
        table = self.key_spans if key else self.value_spans
        if path in table:
            return table[path]
        for cut in range(len(path), 0, -1):
            prefix = path[:cut]
            if prefix in self.key_spans:
                return self.key_spans[prefix]
            if prefix in self.value_spans:
                return self.value_spans[prefix]
        return Span(self.file, 1, 1, 1)


_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_TAG = "tag:yaml.org,2002:"


def plain_scalar(text: str) -> Any:
    """YAML 1.2 core schema resolution: no `yes`/`on` booleans, no sexagesimals, no dates."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.fullmatch(text):
        return int(text)
    if _OCT.fullmatch(text):
        return int(text[2:], 8)
    if _HEX.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.fullmatch(text):
        return math.nan
    return text


def _tagged_scalar(tag: str, text: str) -> Any:
    """Honour the standard explicit tags; raise ValueError for anything else."""
    if tag in ("!", _TAG + "str"):
        return text
    resolved = plain_scalar(text)
    expected = {
        _TAG + "int": int,
        _TAG + "float": float,
        _TAG + "bool": bool,
        _TAG + "null": type(None),
    }.get(tag)
    if expected is None:
        raise ValueError(f"the tag '{tag}' is not supported")
    if expected is float and type(resolved) is int:
        return float(resolved)
    if type(resolved) is not expected:
        raise ValueError(f"'{tag}' does not fit this value")
    return resolved


def _problem(code: str, message: str, span: Span, hint: str | None = None) -> InputError:
    """A load failure: one diagnostic, and nothing after it can be trusted."""
    return InputError([Diagnostic(code, message, span, hint)])


def _span(file: str, event: Event) -> Span:
    start, end = event.start_mark, event.end_mark
    end_col = end.column + 1 if end.line == start.line else start.column + 2
    return Span(file, start.line + 1, start.column + 1, end_col)


@dataclass
class _Frame:
    """One open mapping or sequence while the event stream is walked."""

    path: PathKey
    value: dict[str, Any] | list[Any]
    anchor: str | None
    first_record: int
    pending_key: str | None = None
    pending_key_span: Span | None = None
    merges: list[tuple[dict[str, Any], list[tuple[PathKey, Span | None, Span]]]] = field(
        default_factory=list
    )
    merge_pending: bool = False


class _Builder:
    """Turns events into plain data, recording (path, key span, value span) for every node."""

    def __init__(self, file: str, limits: Limits) -> None:
        self.file = file
        self.limits = limits
        self.stack: list[_Frame] = []
        self.records: list[tuple[PathKey, Span | None, Span]] = []
        self.anchors: dict[str, tuple[Any, list[tuple[PathKey, Span | None, Span]]]] = {}
        self.alias_nodes = 0
        self.root: Any = None
        self.root_span: Span | None = None
        self.documents = 0

    def fail(self, code: str, message: str, span: Span, hint: str | None = None) -> InputError:
        return _problem(code, message, span, hint)

    # -- placing a finished value ---------------------------------------------------------
    def _slot(self, span: Span) -> tuple[PathKey, Span | None]:
        """Path for the next value, or raise when a key is expected but a collection came."""
        if not self.stack:
            return (), None
        top = self.stack[-1]
        if isinstance(top.value, list):
            return (*top.path, len(top.value)), None
        if top.pending_key is None:
            raise self.fail(
                "E0012",
                "mapping keys must be plain strings, not lists or mappings",
                span,
                "write the key as a string",
            )
        return (*top.path, top.pending_key), top.pending_key_span

    def _place(self, value: Any, span: Span, anchor: str | None, first_record: int) -> None:
        if not self.stack:
            self.root, self.root_span = value, span
        else:
            top = self.stack[-1]
            if isinstance(top.value, list):
                top.value.append(value)
            elif top.merge_pending:
                self._add_merge(top, value, span, first_record)
            else:
                assert top.pending_key is not None
                top.value[top.pending_key] = value
                top.pending_key = None
        if anchor is not None:
            self._remember(anchor, value, first_record)

    def _remember(self, anchor: str, value: Any, first_record: int) -> None:
        base = self.records[first_record][0] if first_record < len(self.records) else ()
        cut = len(base)
        relative = [(p[cut:], k, v) for p, k, v in self.records[first_record:]]
        self.anchors[anchor] = (value, relative)

    def _add_merge(self, top: _Frame, value: Any, span: Span, first_record: int) -> None:
        top.merge_pending = False
        top.pending_key = None
        cut = len(top.path) + 1
        records = [(p[cut:], k, v) for p, k, v in self.records[first_record:]]
        del self.records[first_record:]
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, dict) for item in items):
            raise self.fail(
                "E0013",
                "a '<<' merge key needs a mapping or a list of mappings",
                span,
                "merge an anchored mapping: '<<: *defaults'",
            )
        for index, item in enumerate(items):
            prefix: PathKey = (index,) if isinstance(value, list) else ()
            own = [(p[len(prefix) :], k, v) for p, k, v in records if p[: len(prefix)] == prefix]
            top.merges.append((item, [r for r in own if r[0]]))

    # -- events ---------------------------------------------------------------------------
    def scalar(self, event: ScalarEvent) -> None:
        span = _span(self.file, event)
        top = self.stack[-1] if self.stack else None
        if isinstance(top, _Frame) and isinstance(top.value, dict) and top.pending_key is None:
            self._key(top, event, span)
            return
        if event.tag is not None and not (not event.style and event.tag == "!"):
            try:
                value = _tagged_scalar(str(event.tag), event.value)
            except ValueError as error:
                raise self.fail("E0013", str(error), span, "remove the tag") from None
        elif not event.style:
            value = plain_scalar(event.value)
        else:
            value = event.value
        path, key_span = self._slot(span)
        first = len(self.records)
        if not (top is not None and top.merge_pending):
            self.records.append((path, key_span, span))
        self._place(value, span, event.anchor, first)

    def _key(self, top: _Frame, event: ScalarEvent, span: Span) -> None:
        key = event.value
        if key == "<<" and not event.style:
            top.merge_pending = True
            top.pending_key = key
            return
        assert isinstance(top.value, dict)
        if key in top.value:
            first = next(
                (k for p, k, _ in self.records if p == (*top.path, key) and k is not None), None
            )
            where = f" (first defined at line {first.line})" if first else ""
            raise self.fail(
                "E0005",
                f"duplicate key '{key}'{where}",
                span,
                "each key may appear once; environments are the way to vary a value",
            )
        top.pending_key, top.pending_key_span = key, span

    def start(self, event: MappingStartEvent | SequenceStartEvent) -> None:
        span = _span(self.file, event)
        if len(self.stack) >= self.limits.max_depth:
            raise self.fail(
                "E0009",
                f"nesting is deeper than {self.limits.max_depth} levels",
                span,
                "a stack never needs this depth; is the file generated wrongly?",
            )
        top = self.stack[-1] if self.stack else None
        path, key_span = self._slot(span)
        first = len(self.records)
        if not (top is not None and top.merge_pending):
            self.records.append((path, key_span, span))
        if top is not None and top.merge_pending:
            first = len(self.records)
        value: dict[str, Any] | list[Any] = {} if isinstance(event, MappingStartEvent) else []
        self.stack.append(_Frame(path, value, event.anchor, first))
        self.stack[-1].pending_key_span = span

    def end(self) -> None:
        frame = self.stack.pop()
        value = frame.value
        if isinstance(value, dict) and frame.merges:
            value = self._apply_merges(frame, value)
        span = frame.pending_key_span or Span(self.file, 1, 1, 1)
        self._place(value, span, frame.anchor, frame.first_record)

    def _apply_merges(self, frame: _Frame, explicit: dict[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for item, records in frame.merges:
            for key, val in item.items():
                if key in merged or key in explicit:
                    continue
                merged[key] = copy.deepcopy(val)
                self._graft((*frame.path, key), [r for r in records if r[0][0] == key], 1)
        merged.update(explicit)
        return merged

    def alias(self, event: AliasEvent) -> None:
        span = _span(self.file, event)
        name = event.anchor
        if name not in self.anchors:
            raise self.fail(
                "E0004",
                f"alias '*{name}' has no anchor before it",
                span,
                f"define '&{name}' on an earlier value, or remove the '*'",
            )
        value, relative = self.anchors[name]
        top = self.stack[-1] if self.stack else None
        if top is not None and top.merge_pending:
            first = len(self.records)
            self.records.extend(((*top.path, "<<", *p), k, v) for p, k, v in relative[1:])
            self._place(copy.deepcopy(value), span, None, first)
            return
        path, key_span = self._slot(span)
        self.records.append((path, key_span, span))
        first = len(self.records)
        self._graft(path, relative[1:], 0)
        self._place(copy.deepcopy(value), span, None, first - 1)

    def _graft(
        self, path: PathKey, relative: list[tuple[PathKey, Span | None, Span]], cut: int
    ) -> None:
        self.alias_nodes += len(relative) + 1
        if self.alias_nodes > self.limits.max_alias_nodes:
            raise self.fail(
                "E0007",
                f"aliases expand to more than {self.limits.max_alias_nodes} nodes",
                self.records[-1][2] if self.records else Span(self.file, 1, 1, 1),
                "this looks like an alias bomb; expand the anchors by hand if it is not",
            )
        self.records.extend(((*path, *p[cut:]), k, v) for p, k, v in relative)


def _decode(raw: bytes, file: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _problem(
            "E0002",
            "the file is UTF-16; stack files are UTF-8",
            Span(file, 1, 1, 1),
            "save the file as UTF-8 (most editors: File > Save with Encoding)",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise _problem(
            "E0002",
            "the file is not valid UTF-8",
            Span(file, line, col, col + 1),
            "save the file as UTF-8",
        ) from None


_OPENED_AT = ("while scanning a quoted scalar", "while parsing a flow")


def _syntax_error(error: MarkedYAMLError | YAMLError, file: str, lines: list[str]) -> InputError:
    context = str(getattr(error, "context", None) or "")
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    opened = getattr(error, "context_mark", None)
    if context.startswith(_OPENED_AT) and opened is not None:
        # An unclosed quote or bracket is reported where the file ends; where it opened is
        # where the mistake is.
        mark = opened
    line = mark.line + 1 if mark is not None else 1
    col = mark.column + 1 if mark is not None else 1
    if lines and line > len(lines):
        # "Unexpected end of file" is reported past the last line; show the last line's end.
        line, col = len(lines), len(lines[-1]) + 1
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    if "\t" in indent or ("\t" in str(getattr(error, "problem", "")) and "\t" in text):
        col = text.index("\t") + 1
        return _problem(
            "E0003",
            "tabs cannot be used for indentation in YAML",
            Span(file, line, col, col + 1),
            "indent with spaces (two per level)",
        )
    problem = str(getattr(error, "problem", None) or error).strip()
    hint = "check the indentation and quoting around this line"
    if context.startswith(_OPENED_AT):
        problem = f"{problem} ({context.removeprefix('while ')} that starts here)"
        hint = "close the quote or bracket that opens here"
    elif "cannot start any token" in problem:
        hint = 'quote values that start with @, `, % or a tab: owner: "@team"'
    elif "unexpected ':'" in problem:
        hint = "inside { } or [ ], quote values that contain ':' such as URIs: \"s3://bucket/path\""
    return _problem("E0004", f"YAML syntax error: {problem}", Span(file, line, col, col + 1), hint)


_PARSER = YAML(typ="safe")


def repository_path(path: Path) -> str:
    """`path` relative to the root of the git repository holding it (the nearest parent
    with a `.git` entry, a folder or a worktree's file), else its file name."""
    resolved = path.resolve()
    for parent in resolved.parents:
        if (parent / ".git").exists():
            return resolved.relative_to(parent).as_posix()
    return resolved.name


def loads(
    raw: bytes, file: str, limits: Limits = Limits(), source_file: str | None = None
) -> Document:
    """Load one stack file's bytes; raise InputError with diagnostics when it is unusable.
    `source_file` is its repository path (default: the file name of `file`)."""
    if len(raw) > limits.max_bytes:
        raise _too_large(file, len(raw), limits)
    text = _decode(raw, file)
    lines = text.splitlines()
    builder = _Builder(file, limits)
    try:
        for event in _PARSER.parse(text):
            if isinstance(event, ScalarEvent):
                builder.scalar(event)
            elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                builder.start(event)
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                builder.end()
            elif isinstance(event, AliasEvent):
                builder.alias(event)
            elif isinstance(event, DocumentStartEvent):
                builder.documents += 1
                if builder.documents > 1:
                    raise builder.fail(
                        "E0006",
                        "the file holds more than one YAML document",
                        _span(file, event),
                        "one stack per file: split it, or remove the '---' line",
                    )
    except (MarkedYAMLError, YAMLError) as error:
        raise _syntax_error(error, file, lines) from None
    if builder.root is None or builder.root == "":
        raise _problem(
            "E0001",
            "the file is empty",
            Span(file, 1, 1, 1),
            "start from 'mlstack init', or see docs/reference.md",
        )
    if not isinstance(builder.root, dict):
        raise _problem(
            "E0010",
            "a stack file must be a mapping at the top level",
            builder.root_span or Span(file, 1, 1, 1),
            "start with 'apiVersion: mlstack/v1alpha1'",
        )
    key_spans: dict[PathKey, Span] = {}
    value_spans: dict[PathKey, Span] = {}
    for path, key_span, value_span in builder.records:
        if key_span is not None:
            key_spans[path] = key_span
        value_spans[path] = value_span
    source = source_file if source_file is not None else Path(file).name
    return Document(file, tuple(lines), builder.root, key_spans, value_spans, source)


def _too_large(file: str, size: int, limits: Limits) -> InputError:
    return _problem(
        "E0008",
        f"the file is {size:,} bytes, over the limit of {limits.max_bytes:,}",
        Span(file, 1, 1, 1),
        "pass --max-bytes to raise the limit",
    )


def load(path: Path, limits: Limits = Limits()) -> Document:
    """Read and load a file; unreadable files become diagnostics too."""
    display = str(path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _too_large(display, size, limits)
        raw = path.read_bytes()
    except OSError as error:
        raise _problem(
            "E0011", f"cannot read the file: {error.strerror}", Span(display, 1, 1, 1)
        ) from None
    return loads(raw, display, limits, repository_path(path))
