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
from collections.abc import Iterator
from functools import cache
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, TextIO

import mlstack
from mlstack.leftovers import remove_stale
from mlstack.plan import Plan
from mlstack.targets import Artifact

FORMAT = "mlstack-compile-cache/2"
KEEP = 200
"""Entries kept (most recently used first): a few stacks' history of environments."""

_LIBRARIES = ("cdk8s", "cdktn", "constructs", "jsii", "PyYAML", "pydantic")


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
    # Sources are FILE#POINTER: which paths are written matters, not on which line.
    digest.update(plan.source_file.encode())
    digest.update(json.dumps([list(path) for path in plan.spans]).encode())
    return digest.hexdigest()


def _safe_path(path: Any) -> bool:
    """Relative, inside the environment's folder: a foreign entry cannot write elsewhere."""
    if not isinstance(path, str) or not path or "\\" in path:
        return False
    parts = PurePosixPath(path).parts
    return not PurePosixPath(path).is_absolute() and ".." not in parts and "." not in parts


class Cache:
    """One file per entry, `KEY.jsonl`, one JSON object per line: a header
    `{format, key}`, then `{path, sha256, text}` per file, then `{end: COUNT}`. Lines, so an
    entry is written and read file by file: a large environment is never held whole."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def entry_path(self, entry_key: str) -> Path:
        return self.folder / f"{entry_key}.jsonl"

    def get(self, entry_key: str) -> Iterator[Artifact] | None:
        """The entry's files, or None when it is missing or anything in it is unexpected.
        The whole entry is checked before the first file is handed out, then read again
        from the same open file as the caller asks for files."""
        try:
            stream = self.entry_path(entry_key).open("rb")
        except OSError:
            return None
        try:
            if not _valid(stream, entry_key):
                stream.close()
                return None
            os.utime(stream.fileno())
            stream.seek(0)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeError):
            stream.close()
            return None
        return _artifacts(stream)

    def writer(self, entry_key: str) -> Entry:
        """An entry filled file by file as the environment is compiled; it appears only on
        `Entry.commit`."""
        return Entry(self, entry_key)

    def prune(self) -> None:
        """Keep the KEEP most recently used entries; drop entries of the earlier format and
        the temporary files of writers that were killed."""
        remove_stale(self.folder, ".entry-")
        for earlier in self.folder.glob("*.json"):
            earlier.unlink(missing_ok=True)
        entries = sorted(
            self.folder.glob("*.jsonl"), key=lambda p: p.stat().st_mtime_ns, reverse=True
        )
        for stale in entries[KEEP:]:
            stale.unlink(missing_ok=True)


def _valid(stream: BinaryIO, entry_key: str) -> bool:
    header = json.loads(stream.readline())
    if header != {"format": FORMAT, "key": entry_key}:
        return False
    for count, line in enumerate(stream):
        item = json.loads(line)
        if set(item) == {"end"}:
            return bool(item["end"] == count and not stream.read())
        content = item["text"].encode()
        if not _safe_path(item["path"]) or hashlib.sha256(content).hexdigest() != item["sha256"]:
            return False
    return False


def _artifacts(stream: BinaryIO) -> Iterator[Artifact]:
    with stream:
        stream.readline()
        for line in stream:
            item = json.loads(line)
            if "end" in item:
                return
            yield Artifact(item["path"], item["text"].encode())


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
        except OSError:
            self.abort()
        self._line({"format": FORMAT, "key": entry_key})

    def _line(self, item: dict[str, Any]) -> None:
        if self.stream is None:
            return
        try:
            self.stream.write(json.dumps(item, ensure_ascii=False) + "\n")
        except OSError:
            self.abort()

    def add(self, artifact: Artifact, sha256: str) -> None:
        """`sha256` of the content, already computed for the lock file."""
        try:
            text = artifact.content.decode()
        except UnicodeDecodeError:
            self.abort()
            return
        self.count += 1
        self._line({"path": artifact.path, "sha256": sha256, "text": text})

    def commit(self) -> None:
        self._line({"end": self.count})
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
