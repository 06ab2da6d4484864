"""The one type every user-facing problem travels in, from any stage to the renderer.

Stages never print or raise for bad input: they return diagnostics, so a run can report every
independent mistake at once, and the CLI decides the format (text, json, GitHub annotations).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True, slots=True)
class Span:
    """A 1-based position in a source file; `end_col` is exclusive and on the same line.
    Slotted: a large stack keeps a span for every node it has (~1M at 5,000 models)."""

    file: str
    line: int
    col: int
    end_col: int = 0

    @property
    def width(self) -> int:
        return max(1, self.end_col - self.col)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem. `redact` hides the value at the span: it may be a credential."""

    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR
    redact: bool = False

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        if self.span is None:
            return ("", 0, 0, self.code, self.message)
        return (self.span.file, self.span.line, self.span.col, self.code, self.message)


def unique_sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Drop repeats (the same base mistake seen again in every environment) and order by place."""
    seen: dict[tuple[object, ...], Diagnostic] = {}
    for diagnostic in diagnostics:
        key = (diagnostic.code, diagnostic.span, diagnostic.message)
        seen.setdefault(key, diagnostic)
    return sorted(seen.values(), key=Diagnostic.sort_key)


class InputError(Exception):
    """Raised only at a stage boundary to carry diagnostics that stop the pipeline."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s)")
        self.diagnostics = diagnostics

    def __reduce__(self) -> tuple[type[InputError], tuple[list[Diagnostic]]]:
        """A compile worker raises it in its own process: it must cross back whole."""
        return (InputError, (self.diagnostics,))
