"""Environment overlays: deep-merge a partial stack over the base, keeping every span.

Maps merge by key; scalars and lists replace. The named maps (pools, models, servings, ...)
may only gain values, never names: a new name in an overlay is almost always a typo that
would otherwise deploy a second serving, so it is an error with a did-you-mean hint.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from mlstack.diagnostics import Diagnostic, Span
from mlstack.load import Document, PathKey
from mlstack.parse import describe
from mlstack.suggest import did_you_mean

NAMED_MAPS = (
    "compute", "models", "pipelines", "pipelines/*/steps", "notebooks", "features/groups",
    "serving", "monitoring/alerts", "monitoring/drift",
)  # fmt: skip
FIXED = {("apiVersion",), ("kind",), ("environments",), ("metadata", "name")}


def _is_named_map(path: PathKey) -> bool:
    text = "/".join(str(p) for p in path)
    return any(fnmatch.fnmatchcase(text, pattern) for pattern in NAMED_MAPS)


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
                hint = did_you_mean(key, base)
                self.diagnostics.append(
                    Diagnostic(
                        "E0501",
                        f"environment '{self.environment}' changes {describe(child)}, "
                        "which the base does not define",
                        self.doc.span((*self.prefix, *child), key=True),
                        hint
                        or "define it in the base (with enabled: false if it should "
                        "exist only in some environments)",
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
    overlay = doc.data.get("environments", {}).get(environment) or {}
    merger = _Merger(doc, environment)
    merged = merger.merge(base, overlay, ()) if isinstance(overlay, dict) else base
    cut = len(merger.prefix)

    def remap(table: Any) -> dict[PathKey, Span]:
        kept = {
            p: s
            for p, s in table.items()
            if p[:1] != ("environments",)
            and not any(p[:n] in merger.replaced for n in range(1, len(p) + 1))
        }
        kept.update(
            {p[cut:]: s for p, s in table.items() if p[:cut] == merger.prefix and len(p) > cut}
        )
        return kept

    merged_doc = Document(doc.file, doc.lines, merged, remap(doc.key_spans), remap(doc.value_spans))
    return merged_doc, merger.diagnostics
