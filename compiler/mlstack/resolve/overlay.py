"""Environment overlays: deep-merge a partial stack over the base, keeping every span.

Maps merge by key; scalars and lists replace. The named maps (pools, models, servings, ...)
may only gain values, never names: a new name in an overlay is almost always a typo that
would otherwise deploy a second serving, so it is an error with a did-you-mean hint.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from mlstack.diagnostics import Diagnostic, Span
from mlstack.load import Document, PathKey
from mlstack.parse import describe
from mlstack.spec.stack import Overlay
from mlstack.suggest import did_you_mean

NAMED_MAPS = (
    "compute", "models", "pipelines", "pipelines/*/steps", "notebooks", "features/groups",
    "serving", "monitoring/alerts", "monitoring/drift",
)  # fmt: skip
FIXED = {("metadata", "name")}
SECTIONS = frozenset(info.alias or name for name, info in Overlay.model_fields.items())
"""Top-level keys an overlay may hold; others are reported once, by the Overlay model."""


def _is_named_map(path: PathKey) -> bool:
    text = "/".join(str(p) for p in path)
    return any(fnmatch.fnmatchcase(text, pattern) for pattern in NAMED_MAPS)


class OverlaySpans(Mapping[PathKey, Span]):
    """The spans an environment sees: the overlay's where it set a value, the base's elsewhere.

    Looked up, not copied: the tables hold a span for every node, and copying them for each
    environment cost more than the rest of resolve on large stacks."""

    def __init__(
        self, table: Mapping[PathKey, Span], prefix: PathKey, replaced: frozenset[PathKey]
    ) -> None:
        self.table = table
        self.prefix = prefix
        self.replaced = replaced

    def __getitem__(self, path: PathKey) -> Span:
        span = self.table.get((*self.prefix, *path))
        if span is not None:
            return span
        if path[:1] == ("environments",) or any(
            path[:n] in self.replaced for n in range(1, len(path) + 1)
        ):
            raise KeyError(path)
        return self.table[path]

    def __iter__(self) -> Iterator[PathKey]:
        cut = len(self.prefix)
        # A dict, not a set: iteration follows the file, the same in every process.
        seen = dict.fromkeys(p[cut:] for p in self.table if p[:cut] == self.prefix and len(p) > cut)
        yield from seen
        yield from (p for p in self.table if p not in seen and p in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Merger:
    def __init__(self, doc: Document, environment: str) -> None:
        self.doc = doc
        self.environment = environment
        self.prefix: PathKey = ("environments", environment)
        self.replaced: set[PathKey] = set()
        self.diagnostics: list[Diagnostic] = []

    def merge(self, base: Any, overlay: Any, path: PathKey) -> Any:
        if path in FIXED:
            self.diagnostics.append(
                Diagnostic(
                    "E0502",
                    f"environment '{self.environment}' cannot change '{'.'.join(map(str, path))}'",
                    self.doc.span((*self.prefix, *path), key=True),
                    "an environment varies a stack; it cannot rename or re-type it",
                )
            )
            return base
        if not (isinstance(base, dict) and isinstance(overlay, dict)):
            self.replaced.add(path)
            return overlay
        merged = dict(base)
        for key, value in overlay.items():
            child = (*path, key)
            if key not in base and _is_named_map(path):
                add = (
                    "define it in the base with `enabled: false` and set `enabled: true` "
                    "in the environments that have it"
                )
                guess = did_you_mean(key, base)
                self.diagnostics.append(
                    Diagnostic(
                        "E0501",
                        f"environment '{self.environment}' changes {describe(child)}, "
                        "which the base does not define",
                        self.doc.span((*self.prefix, *child), key=True),
                        f"{guess} To add it here only, {add}" if guess else f"to add it, {add}",
                    )
                )
                continue
            merged[key] = self.merge(base.get(key), value, child) if key in base else value
            if key not in base:
                self.replaced.add(child)
        return merged


def merge_environment(doc: Document, environment: str) -> tuple[Document, list[Diagnostic]]:
    """The document as environment `environment` sees it (spans point into the overlay)."""
    base = {k: v for k, v in doc.data.items() if k != "environments"}
    environments = doc.data.get("environments")
    overlay = environments.get(environment) if isinstance(environments, dict) else None
    if isinstance(overlay, dict):
        # Wrong sections or shapes are the Overlay model's to report, once; merging them
        # too would report them again from every environment's merged stack.
        overlay = {k: v for k, v in overlay.items() if k in SECTIONS and isinstance(v, dict)}
    merger = _Merger(doc, environment)
    merged = merger.merge(base, overlay, ()) if isinstance(overlay, dict) else base
    replaced = frozenset(merger.replaced)
    merged_doc = Document(
        doc.file,
        doc.lines,
        merged,
        OverlaySpans(doc.key_spans, merger.prefix, replaced),
        OverlaySpans(doc.value_spans, merger.prefix, replaced),
        doc.source_file,
    )
    return merged_doc, merger.diagnostics
