"""load -> parse -> resolve for one file, as the commands use it (no I/O besides reading)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from mlstack.diagnostics import Diagnostic, InputError, unique_sorted
from mlstack.load import Document, Limits, load, loads
from mlstack.parse import parse
from mlstack.plan import Plan
from mlstack.resolve import isolation, resolve

STACK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Checked:
    """One file's outcome: its plans when valid, its diagnostics either way."""

    file: str
    lines: tuple[str, ...]
    plans: tuple[Plan, ...]
    diagnostics: tuple[Diagnostic, ...]
    sha256: str = ""
    """Of the input bytes, for the lock file."""

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def _lines(raw: bytes) -> tuple[str, ...]:
    """The file's lines for showing a diagnostic, whatever its encoding."""
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    return tuple(raw.decode(encoding, errors="replace").splitlines())


def check(path: Path, limits: Limits = Limits()) -> Checked:
    """Check a file on disk."""
    try:
        with path.open("rb") as handle:
            # Bounded: an oversized file is rejected by load, and its head is enough to show.
            raw = handle.read(limits.max_bytes + 1)
    except OSError:
        raw = b""
    try:
        doc = load(path, limits)
    except InputError as error:
        return Checked(str(path), _lines(raw), (), tuple(error.diagnostics))
    return check_document(doc, raw)


def check_bytes(
    raw: bytes, display: str, limits: Limits = Limits(), source_file: str | None = None
) -> Checked:
    """Check content that is not on disk (a file at another git revision), named `display`
    (`source_file`: its path in that repository)."""
    try:
        doc = loads(raw, display, limits, source_file)
    except InputError as error:
        return Checked(display, _lines(raw), (), tuple(error.diagnostics))
    return check_document(doc, raw)


def check_document(doc: Document, raw: bytes = b"") -> Checked:
    """Check a loaded document (`raw`: the bytes it came from, for the lock file's hash);
    tests give it documents changed in memory, whose spans still point at the file."""
    stack, diagnostics, hidden = parse(doc)
    plans, diagnostics = resolve(doc, stack, hidden, diagnostics)
    if not any(d.is_error for d in diagnostics):
        diagnostics += isolation.check(plans)
    diagnostics = unique_sorted(diagnostics)
    if any(d.is_error for d in diagnostics):
        plans = []
    digest = hashlib.sha256(raw).hexdigest()
    return Checked(doc.file, doc.lines, tuple(plans), tuple(diagnostics), digest)


def check_files(paths: list[Path], limits: Limits = Limits()) -> list[Checked]:
    """Check files compiled together: each on its own, then what their environments may not
    share between files (resolve/isolation.py); a file with such a clash has no plans."""
    results = [check(path, limits) for path in paths]
    clashes = isolation.check([p for r in results for p in r.plans], across=True)
    out = []
    for result in results:
        mine = [d for d in clashes if d.span is not None and d.span.file == result.file]
        diagnostics = tuple(unique_sorted([*result.diagnostics, *mine]))
        out.append(replace(result, plans=(), diagnostics=diagnostics) if mine else result)
    return out


def stack_files(paths: list[Path]) -> Iterator[Path]:
    """Files as given; directories searched recursively for *.yaml / *.yml, sorted."""
    for path in paths:
        if path.is_dir():
            found = (
                p
                for p in path.rglob("*")
                if p.suffix in STACK_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            yield from sorted(found)
        else:
            yield path
