"""What every check needs: the merged document (for spans), the stack, and a diagnostics sink."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlstack.diagnostics import Diagnostic, Severity
from mlstack.load import Document, PathKey
from mlstack.spec import Stack


@dataclass
class Context:
    doc: Document
    stack: Stack
    environment: str
    broken: frozenset[PathKey] = frozenset()
    """Named things set aside for field errors (see `salvage`): references to them are
    not reported again."""
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def env_note(self) -> str:
        """Suffix naming the environment, for problems that exist only after an overlay."""
        return "" if self.environment == "default" else f" in environment '{self.environment}'"

    def error(
        self, code: str, message: str, path: PathKey, hint: str | None = None, *, key: bool = False
    ) -> None:
        self.diagnostics.append(Diagnostic(code, message, self.doc.span(path, key=key), hint))

    def warn(
        self, code: str, message: str, path: PathKey, hint: str | None = None, *, key: bool = False
    ) -> None:
        self.diagnostics.append(
            Diagnostic(code, message, self.doc.span(path, key=key), hint, Severity.WARNING)
        )
