"""Diagnostics out: compiler-style text, JSON for tools, GitHub Actions annotations."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from mlstack.diagnostics import Diagnostic

Sources = Mapping[str, Sequence[str]]


def _source_lines(diagnostic: Diagnostic, sources: Sources) -> list[str]:
    span = diagnostic.span
    if span is None or span.file not in sources:
        return [f"{'':>5} = hint: {diagnostic.hint}"] if diagnostic.hint else []
    lines = sources[span.file]
    if not 0 < span.line <= len(lines):
        return [f"{'':>5} = hint: {diagnostic.hint}"] if diagnostic.hint else []
    text = lines[span.line - 1]
    width = min(span.width, max(1, len(text) - span.col + 1))
    if diagnostic.redact:
        # Hide exactly the value; the rest of the line still helps to find it. A value whose
        # end is not on this line (a block scalar) hides the whole rest of the line.
        hidden = width if span.width > 1 else len(text)
        text = text[: span.col - 1] + "*" * 8 + text[span.col - 1 + hidden :]
        width = 8
    caret = " " * (span.col - 1) + "^" * width
    out = [f"{span.line:>5} | {text}".rstrip(), f"{'':>5} | {caret}"]
    if diagnostic.hint:
        out[-1] += f" {diagnostic.hint}"
    return out


def text(diagnostics: Sequence[Diagnostic], sources: Sources) -> str:
    """FILE:LINE:COL: error[CODE]: message, the source line, a caret and the hint."""
    blocks = []
    for diagnostic in diagnostics:
        where = f"{diagnostic.span}: " if diagnostic.span else ""
        head = f"{where}{diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}"
        blocks.append("\n".join([head, *_source_lines(diagnostic, sources)]))
    return "\n".join(blocks)


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    parts = [f"{errors} error{'s' * (errors != 1)}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return ", ".join(parts)


def as_json(diagnostics: Sequence[Diagnostic], sources: Sources) -> str:
    del sources
    return json.dumps(
        [
            {
                "code": d.code,
                "severity": str(d.severity),
                "message": d.message,
                "hint": d.hint,
                "file": d.span.file if d.span else None,
                "line": d.span.line if d.span else None,
                "column": d.span.col if d.span else None,
                "endColumn": d.span.end_col if d.span else None,
            }
            for d in diagnostics
        ],
        indent=2,
    )


def _escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github(diagnostics: Sequence[Diagnostic], sources: Sources) -> str:
    """`::error file=…,line=…,col=…,title=…::message` lines, shown inline on the PR diff."""
    del sources
    lines = []
    for d in diagnostics:
        props = [f"title={_escape(f'mlstack {d.code}', prop=True)}"]
        if d.span:
            props = [
                f"file={_escape(d.span.file, prop=True)}",
                f"line={d.span.line}",
                f"col={d.span.col}",
                f"endColumn={d.span.end_col}",
                *props,
            ]
        message = d.message + (f"\n{d.hint}" if d.hint else "")
        level = "error" if d.is_error else "warning"
        lines.append(f"::{level} {','.join(props)}::{_escape(message)}")
    return "\n".join(lines)


FORMATS: dict[str, Callable[[Sequence[Diagnostic], Sources], str]] = {
    "text": text,
    "json": as_json,
    "github": github,
}
