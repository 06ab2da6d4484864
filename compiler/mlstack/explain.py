"""`mlstack explain`: from a generated object's `mlstack.dev/source: FILE#POINTER` back to the
line a person edits.

Objects never carry a line number: it would change with every edit above it, and KServe copies
annotations into each Knative revision, so every unrelated edit would restart every model.
FILE is the spec's path from its repository root, so it is looked up from the root of the
repository holding the current folder (or the current folder outside one).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlstack.diagnostics import InputError, Span
from mlstack.load import PathKey, load

ANNOTATION = "mlstack.dev/source"


@dataclass(frozen=True)
class Found:
    source: str
    span: Span | None
    """None when the pointer names nothing in the file (it changed since the compile)."""
    line: str = ""


def repository_root(folder: Path) -> Path:
    """The root of the git repository holding `folder`, else `folder` itself."""
    resolved = folder.resolve()
    return next((p for p in (resolved, *resolved.parents) if (p / ".git").exists()), resolved)


def sources(argument: str) -> list[str]:
    """`FILE#POINTER` as given, or every source annotation of a generated manifest file."""
    if "#" in argument:
        return [argument]
    found: list[str] = []
    for document in yaml.safe_load_all(Path(argument).read_text("utf-8")):
        annotations = ((document or {}).get("metadata") or {}).get("annotations") or {}
        if ANNOTATION in annotations and annotations[ANNOTATION] not in found:
            found.append(annotations[ANNOTATION])
    return found


def path_of(data: Any, pointer: str) -> PathKey | None:
    """The spec path an RFC 6901 pointer names in `data`, list indices as ints."""
    path: list[str | int] = []
    for raw in pointer.split("/")[1:] if pointer else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(data, dict) and part in data:
            path.append(part)
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            path.append(int(part))
            data = data[int(part)]
        else:
            return None
    return tuple(path)


def explain(source: str, spec: Path | None, cwd: Path) -> Found:
    """Where `source` points: in `spec` when given, else FILE from the repository root."""
    file, _, pointer = source.partition("#")
    target = spec or repository_root(cwd) / file
    if target.resolve().is_relative_to(cwd.resolve()):
        target = target.resolve().relative_to(cwd.resolve())  # shown as the user would type it
    try:
        doc = load(target)
    except InputError:
        return Found(source, None)
    path = path_of(doc.data, pointer)
    if path is None:
        return Found(source, None)
    span = doc.span(path, key=True)
    line = doc.lines[span.line - 1] if 0 < span.line <= len(doc.lines) else ""
    return Found(source, span, line)


def explain_all(arguments: tuple[str, ...], spec: Path | None, cwd: Path) -> Iterator[Found]:
    for argument in arguments:
        for source in sources(argument):
            yield explain(source, spec, cwd)
