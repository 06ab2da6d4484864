"""jsii's runtime is extracted once into the cache and starts its kernel with our heap limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlstack.targets import node_runtime
from tests.helpers import ROOT


def test_the_runtime_folder_is_made_once_and_remade_when_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLSTACK_CACHE_DIR", str(tmp_path))
    files = node_runtime._files()
    folder = node_runtime._runtime(files)
    assert folder.parent == tmp_path / "runtime"
    assert (folder / "bin" / "mlstack-runtime.js").read_text() == node_runtime.STARTER
    assert (folder / "lib" / "program.js").is_file()
    starter = folder / "bin" / "mlstack-runtime.js"
    before = starter.stat().st_mtime_ns
    assert node_runtime._runtime(files) == folder
    assert starter.stat().st_mtime_ns == before
    (folder / "lib" / "program.js").write_bytes(b"truncated")
    assert node_runtime._runtime(files) == folder
    assert (folder / "lib" / "program.js").read_bytes() == files["lib/program.js"]
    assert sorted(p.name for p in (tmp_path / "runtime").iterdir()) == [folder.name]


def test_a_runtime_file_of_the_right_size_but_other_content_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache is writable by anything running as the user: content is checked, not size."""
    monkeypatch.setenv("MLSTACK_CACHE_DIR", str(tmp_path))
    files = node_runtime._files()
    folder = node_runtime._runtime(files)
    starter = folder / "bin" / "mlstack-runtime.js"
    evil = b"require('child_process').execSync('touch /tmp/owned');//"
    starter.write_bytes(evil.ljust(len(node_runtime.STARTER.encode()), b"/"))
    assert starter.stat().st_size == len(node_runtime.STARTER.encode())
    assert node_runtime._runtime(files) == folder
    assert starter.read_text() == node_runtime.STARTER


def test_temporary_folders_of_a_killed_setup_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLSTACK_CACHE_DIR", str(tmp_path))
    stale, recent = tmp_path / "runtime" / ".runtime-stale", tmp_path / "runtime" / ".runtime-now"
    for leftover in (stale, recent):
        (leftover / "lib").mkdir(parents=True)
    os.utime(stale, (0, 0))
    node_runtime._runtime(node_runtime._files())
    assert not stale.exists() and recent.exists()


def test_the_kernel_runs_with_the_heap_limit(tmp_path: Path) -> None:
    """Start jsii (importing the synth module loads cdk8s) and read the kernel's command line."""
    probe = (
        "import os\n"
        "from mlstack.targets.kubernetes import synth\n"
        "def tree(pid):\n"
        "    for task in os.listdir(f'/proc/{pid}/task'):\n"
        "        for child in open(f'/proc/{pid}/task/{task}/children').read().split():\n"
        "            yield int(child)\n"
        "            yield from tree(int(child))\n"
        "for pid in tree(os.getpid()):\n"
        "    print(open(f'/proc/{pid}/cmdline').read().replace(chr(0), ' '))\n"
    )
    env = {**os.environ, "MLSTACK_CACHE_DIR": str(tmp_path)}
    env.pop("JSII_RUNTIME", None)
    env.pop("MLSTACK_NODE_HEAP_MB", None)
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    )
    (kernel,) = [line for line in result.stdout.splitlines() if "program.js" in line]
    assert f"--max-old-space-size={node_runtime.HEAP_MB}" in kernel
    assert "4069" not in kernel
    assert str(tmp_path / "runtime") in kernel
