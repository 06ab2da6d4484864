"""The cluster add-ons mlstack can install (`gitops.addons`) and which of them a stack uses.

`data/addons.json` is the one place each add-on's charts (or upstream git paths, for operators
that ship no chart), pinned versions, namespace and values are written: resolve reads it to
decide and check, the add-ons target renders Argo CD Applications from it, and
tests/test_docs_addons.py checks that docs/kubernetes.md's table says the same. Each entry's
`release` is the operator's minor release the pins install; where the stack declares that
operator's release (`platform.kubernetes.versions`, `versionsKey`), the two must agree, so the
installed operator is the one the output is written for.

Which add-ons a stack uses is decided in resolve/addons.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

PLATFORM = "argocd/platform"
"""Where an environment's add-ons are compiled (targets/addons.py); publish merges them
into DEPLOY_FOLDER (gitops/platform.py)."""
DEPLOY_FOLDER = "platform"
"""The deploy branch's folder of the platform app-of-apps."""


@dataclass(frozen=True)
class Source:
    """One Argo CD source: a Helm chart (`chart`) or a folder of an upstream git repository
    (`path`), at a pinned `target_revision`."""

    repo_url: str
    target_revision: str
    chart: str | None = None
    path: str | None = None
    values: str = ""
    """Helm values as JSON text (frozen data; empty: the chart's defaults)."""


@dataclass(frozen=True)
class Addon:
    name: str
    installs: str
    namespace: str
    release: str
    upstream: str
    sources: tuple[Source, ...]
    requires: tuple[str, ...] = ()
    versions_key: str | None = None
    """The `platform.kubernetes.versions` field declaring this operator's release."""


def _source(raw: dict[str, Any]) -> Source:
    values = raw.get("values")
    return Source(
        repo_url=raw["repoURL"],
        target_revision=raw["targetRevision"],
        chart=raw.get("chart"),
        path=raw.get("path"),
        values=json.dumps(values, sort_keys=True) if values else "",
    )


@cache
def table() -> dict[str, Addon]:
    """Every add-on by name, in the data file's order (dependencies first)."""
    raw: dict[str, Any] = json.loads(files("mlstack").joinpath("data/addons.json").read_text())
    return {
        name: Addon(
            name=name,
            installs=entry["installs"],
            namespace=entry["namespace"],
            release=entry["release"],
            upstream=entry["upstream"],
            sources=tuple(_source(s) for s in entry["sources"]),
            requires=tuple(entry.get("requires", ())),
            versions_key=entry.get("versionsKey"),
        )
        for name, entry in raw.items()
    }


def names() -> tuple[str, ...]:
    return tuple(table())
