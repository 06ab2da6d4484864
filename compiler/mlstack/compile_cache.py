"""Incremental compile: an environment whose resolved plan and compiler are unchanged reuses
its previous output without starting Node.

The key hashes everything a target reads from the `Plan` (the merged spec, generated names,
workloads and grants, and the line of every spec path, which `mlstack.dev/source` shows)
together with the compiler: its version, a digest of its own source and data files (an edited
checkout must not reuse output of the code before the edit) and the versions of the
libraries that shape the bytes. Entries are verified on read, every file against its
sha256, and anything unexpected (a truncated, edited or foreign entry) is a miss, never
trusted: the environment is compiled again and the entry rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

import mlstack
from mlstack.plan import Plan
from mlstack.targets import Artifact

FORMAT = "mlstack-compile-cache/1"
KEEP = 200
"""Entries kept (most recently used first): a few stacks' history of environments."""

_LIBRARIES = ("cdk8s", "cdktf", "constructs", "jsii", "PyYAML", "pydantic")


def default_folder() -> Path:
    """`MLSTACK_CACHE_DIR`, else `$XDG_CACHE_HOME/mlstack/compile` (`~/.cache/...`)."""
    if folder := os.environ.get("MLSTACK_CACHE_DIR"):
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlstack" / "compile"


@cache
def compiler_digest() -> str:
    """Version, own files and library versions: what else decides the output bytes."""
    digest = hashlib.sha256(f"{FORMAT}\n{mlstack.__version__}\n".encode())
    for name in _LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}\n".encode())
    package = Path(mlstack.__file__).parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(package).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def key(plan: Plan) -> str:
    digest = hashlib.sha256(compiler_digest().encode())
    names = (plan.stack, plan.environment, plan.file, plan.namespace, sorted(plan.labels.items()))
    digest.update(repr((names, plan.workloads)).encode())
    digest.update(plan.spec.model_dump_json().encode())
    lines = [[list(path), span.file, span.line] for path, span in plan.spans.items()]
    digest.update(json.dumps(lines).encode())
    return digest.hexdigest()


def _safe_path(path: Any) -> bool:
    """Relative, inside the environment's folder: a foreign entry cannot write elsewhere."""
    if not isinstance(path, str) or not path or "\\" in path:
        return False
    parts = PurePosixPath(path).parts
    return not PurePosixPath(path).is_absolute() and ".." not in parts and "." not in parts


class Cache:
    """One JSON file per entry, `KEY.json`: {format, key, files: {path: {sha256, text}}}."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def entry_path(self, entry_key: str) -> Path:
        return self.folder / f"{entry_key}.json"

    def get(self, entry_key: str) -> list[Artifact] | None:
        entry = self.entry_path(entry_key)
        try:
            data = json.loads(entry.read_bytes())
            if data["format"] != FORMAT or data["key"] != entry_key:
                return None
            artifacts = []
            for path, item in data["files"].items():
                content = item["text"].encode()
                if not _safe_path(path) or hashlib.sha256(content).hexdigest() != item["sha256"]:
                    return None
                artifacts.append(Artifact(path, content))
            os.utime(entry)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeError):
            return None
        return artifacts

    def writer(self, entry_key: str) -> Entry:
        """An entry filled file by file as the environment is compiled, so a large
        environment is never held whole for the cache; it appears only on `Entry.commit`."""
        return Entry(self, entry_key)

    def prune(self) -> None:
        entries = sorted(
            self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True
        )
        for stale in entries[KEEP:]:
            stale.unlink(missing_ok=True)


class Entry:
    """One entry being written to a temporary file. Best effort: a cache that cannot be
    written only costs the next compile time, so an OSError stops the writing silently and
    `commit` then leaves no entry."""

    def __init__(self, cache: Cache, entry_key: str) -> None:
        self.cache = cache
        self.key = entry_key
        self.count = 0
        self.stream: TextIO | None = None
        self.temporary: Path | None = None
        try:
            cache.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=cache.folder, prefix=".entry-")
            self.temporary = Path(temporary)
            self.stream = os.fdopen(handle, "w", encoding="utf-8")
            self._write(f'{{"format": {json.dumps(FORMAT)}, "key": "{entry_key}", "files": {{')
        except OSError:
            self.abort()

    def _write(self, text: str) -> None:
        if self.stream is None:
            return
        try:
            self.stream.write(text)
        except OSError:
            self.abort()

    def add(self, artifact: Artifact, sha256: str) -> None:
        """`sha256` of the content, already computed for the lock file."""
        try:
            item = {"sha256": sha256, "text": artifact.content.decode()}
        except UnicodeDecodeError:
            self.abort()
            return
        separator = ", " if self.count else ""
        self.count += 1
        self._write(
            f"{separator}{json.dumps(artifact.path)}: {json.dumps(item, ensure_ascii=False)}"
        )

    def commit(self) -> None:
        self._write("}}\n")
        if self.stream is None:
            return
        assert self.temporary is not None
        try:
            self.stream.close()
            self.stream = None
            os.replace(self.temporary, self.cache.entry_path(self.key))
            self.cache.prune()
        except OSError:
            self.abort()

    def abort(self) -> None:
        """Drop what was written: a compile that failed or a cache that cannot be written."""
        if self.stream is not None:
            with contextlib.suppress(OSError):
                self.stream.close()
            self.stream = None
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)
