"""Every way of compiling gives the committed out/ byte for byte: worker processes, the
compile cache (cold, warm, corrupt, foreign) and every batch size of the jsii crossings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlstack.build import (
    MEMORY_BUDGET_MB,
    Options,
    build,
    default_jobs,
    estimated_peak_mb,
    planned,
)
from mlstack.compile_cache import Cache, key
from mlstack.pipeline import check
from mlstack.targets import node_runtime, terraform
from mlstack.targets.kubernetes import BUILDERS
from mlstack.targets.kubernetes import synth as kubernetes_synth
from mlstack.targets.kubernetes.meta import full_object
from mlstack.targets.terraform import synth as terraform_synth
from mlstack.targets.terraform.blocks import Block
from tests.helpers import ROOT, SPECS

OUT = ROOT / "out"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _compile(
    out: Path, *flags: str, cache: Path | None = None, temp: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLSTACK_CACHE_DIR": str(cache)} if cache else dict(os.environ)
    if temp is not None:
        env["TMPDIR"] = str(temp)
    result = subprocess.run(
        [sys.executable, "-m", "mlstack", "compile", "specs", "-o", str(out), *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_worker_processes_give_the_committed_output_and_leave_no_temporary_files(
    tmp_path: Path,
) -> None:
    """Each worker stops its Node before leaving, so jsii removes the runtime it extracted."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    _compile(tmp_path / "out", "--no-cache", "--jobs", "2", temp=temp)
    assert _tree(tmp_path / "out") == _tree(OUT)
    assert list(temp.iterdir()) == []


def test_cold_and_warm_cache_give_the_committed_output(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _compile(tmp_path / "cold", cache=cache)
    entries = sorted(cache.glob("*.jsonl"))
    assert len(entries) == sum(len(check(spec).plans) for spec in SPECS)
    _compile(tmp_path / "warm", cache=cache)
    assert _tree(tmp_path / "cold") == _tree(OUT)
    assert _tree(tmp_path / "warm") == _tree(OUT)


def test_a_warm_cache_does_not_start_node(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _compile(tmp_path / "cold", cache=cache)
    probe = (
        "import sys; from mlstack.cli import cli\n"
        "try:\n"
        f"    cli.main(['compile', 'specs', '-o', {str(tmp_path / 'warm')!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('jsii', 'cdk8s', 'cdktf', 'cdktn') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MLSTACK_CACHE_DIR": str(cache)},
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert _tree(tmp_path / "warm") == _tree(OUT)


@pytest.mark.parametrize(
    "damage",
    ["edited file", "unsafe path", "other key", "other format", "truncated", "no end", "not json"],
)
def test_a_damaged_cache_entry_is_ignored_and_rewritten(tmp_path: Path, damage: str) -> None:
    cache_folder = tmp_path / "cache"
    plan = check(SPECS[0]).plans[0]
    cache = Cache(cache_folder)
    build(planned([check(SPECS[0])]), Options(jobs=1, cache=cache))
    path = cache_folder / f"{key(plan)}.jsonl"
    good = path.read_bytes()
    header, first, *rest = [json.loads(line) for line in good.splitlines()]
    if damage == "edited file":
        first["text"] += "# injected\n"
    elif damage == "unsafe path":
        first["path"] = "../../escape.yaml"
    elif damage == "other key":
        header["key"] = "0" * 64
    elif damage == "other format":
        header["format"] = "something-else/9"
    elif damage == "no end":
        rest.pop()
    path.write_text("".join(json.dumps(item) + "\n" for item in [header, first, *rest]))
    if damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "not json":
        path.write_bytes(b"\x00\xff garbage")
    assert cache.get(key(plan)) is None
    rebuilt = build(planned([check(SPECS[0])]), Options(jobs=1, cache=cache))
    assert rebuilt == build(planned([check(SPECS[0])]), Options(jobs=1))
    assert path.read_bytes() == good


def test_an_entry_is_read_file_by_file(tmp_path: Path) -> None:
    """The files come from the entry as they are asked for, not all at once."""
    cache = Cache(tmp_path)
    plan = check(SPECS[0]).plans[0]
    build(planned([check(SPECS[0])]), Options(jobs=1, cache=cache))
    files = cache.get(key(plan))
    assert files is not None and not isinstance(files, list | tuple)
    first = next(files)
    assert first.path and first.content
    assert len(list(files)) == len(cache.entry_path(key(plan)).read_bytes().splitlines()) - 3


def test_a_changed_environment_misses_and_the_others_hit(tmp_path: Path) -> None:
    """Changing one environment's overlay changes that environment's key only."""
    stack = tmp_path / "mlstack.yaml"
    text = (ROOT / "specs" / "fraud" / "mlstack.yaml").read_text()
    stack.write_text(text)
    before = {p.environment: key(p) for p in check(stack).plans}
    old = "replicas: {min: 4, max: 40}"
    assert text.count(old) == 1
    stack.write_text(text.replace(old, "replicas: {min: 4, max: 41}"))
    after = {p.environment: key(p) for p in check(stack).plans}
    assert after["prod"] != before["prod"]
    assert after["staging"] == before["staging"]
    # Objects name spec entries, not lines: a comment recompiles nothing.
    stack.write_text("# a comment moves every line\n" + text)
    assert {p.environment: key(p) for p in check(stack).plans}["staging"] == before["staging"]


def _objects() -> list[list[dict[str, object]]]:
    return [
        [full_object(plan, m) for builder in BUILDERS for m in builder(plan)]
        for spec in SPECS
        for plan in check(spec).plans
    ]


def test_every_kubernetes_batch_size_gives_the_same_objects() -> None:
    for objects in _objects():
        whole = list(kubernetes_synth.synthesize(objects))
        assert list(kubernetes_synth.synthesize(objects, limit=1)) == whole
        assert list(kubernetes_synth.synthesize(objects, limit=20_000)) == whole
        assert whole == objects


def test_kubernetes_batches_split_on_size_and_on_include_id_clashes() -> None:
    first = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    other_group = {"apiVersion": "other/v1", "kind": "configmap", "metadata": {"name": "a"}}
    assert [len(b) for b in kubernetes_synth.batches([first, other_group], 10**6)] == [1, 1]
    assert [len(b) for b in kubernetes_synth.batches([first, first | {"data": {}}], 1)] == [
        1,
        1,
    ]
    many = [first | {"metadata": {"name": f"n{i}"}} for i in range(10)]
    assert [len(b) for b in kubernetes_synth.batches(many, 10**6)] == [10]


def test_every_terraform_batch_size_gives_the_same_document() -> None:
    for spec in SPECS:
        for plan in check(spec).plans:
            cloud = plan.spec.platform.cloud
            if cloud is None:
                continue
            blocks = [
                item
                for builder in terraform.BUILDERS[cloud.provider]
                for item in builder(plan)
                if isinstance(item, Block)
            ]
            settings = {"terraform": {"backend": {"local": {}}}}
            text = terraform_synth.synthesize(settings, list(blocks))
            assert terraform_synth.synthesize(settings, list(blocks), limit=1) == text
            assert terraform_synth.synthesize(settings, list(blocks), limit=7) == text
            whole = json.loads(text)
            dumped = json.dumps(whole, indent=2, sort_keys=True, ensure_ascii=False)
            assert text == f"{dumped}\n".encode()
            addresses = {
                (kind, block_type, name)
                for kind in ("resource", "data")
                for block_type, named in whole.get(kind, {}).items()
                for name in named
            }
            assert addresses == {(b.kind, b.type, b.name) for b in blocks}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["output", "provider", "terraform"]), json_values, max_size=3),
    st.dictionaries(
        st.tuples(st.sampled_from(["data", "resource"]), st.text(max_size=3), st.text(max_size=3)),
        json_values,
        max_size=6,
    ),
)
def test_terraform_text_is_written_as_json_dumps_writes_the_whole_document(
    sections: dict[str, Any], blocks: dict[tuple[str, str, str], Any]
) -> None:
    """The text is written entry by entry; it must equal what one json.dumps gives."""
    document: dict[str, Any] = dict(sections)
    for (kind, block_type, name), body in blocks.items():
        document.setdefault(kind, {}).setdefault(block_type, {})[name] = body
    entries = sorted(
        [((k,), v) for k, v in sections.items()] + list(blocks.items()), key=lambda e: e[0]
    )
    expected = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    assert terraform_synth.json_file(entries) == f"{expected}\n".encode()


def test_default_jobs_use_the_cpus_while_the_memory_budget_allows() -> None:
    # Units per environment: the bench's N = 1,000 stack has 2,032, N = 5,000 has 10,151.
    assert default_jobs([400, 400], cpus=8) == 1
    assert default_jobs([2032, 2032], cpus=2) == 2
    assert default_jobs([2032] * 8, cpus=8) == 3
    assert default_jobs([10151, 10151], cpus=2) == 1
    assert estimated_peak_mb(2, 10151) > MEMORY_BUDGET_MB >= estimated_peak_mb(1, 10151)


def _crash_compile(spec: Path, out: Path, point: str | None) -> int:
    """`mlstack compile` killed with SIGKILL at `point` (None: not killed); its return code."""
    env = {**os.environ, "MLSTACK_TEST_CRASH_AT": point or ""}
    return subprocess.run(
        [sys.executable, "-m", "mlstack", "compile", str(spec), "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        check=False,
        env=env,
    ).returncode


@pytest.mark.parametrize(
    "point", ["compile-before-swap", "swap-after-old-rename", "swap-after-new-rename"]
)
def test_a_compile_killed_anywhere_in_the_swap_leaves_the_old_or_the_new_tree(
    tmp_path: Path, point: str
) -> None:
    spec = tmp_path / "mlstack.yaml"
    text = (ROOT / "specs" / "fraud" / "mlstack.yaml").read_text()
    spec.write_text(text)
    out = tmp_path / "out"
    assert _crash_compile(spec, out, None) == 0
    old = _tree(out / "fraud")
    spec.write_text(text.replace("replicas: {min: 4, max: 40}", "replicas: {min: 4, max: 41}"))
    assert _crash_compile(spec, out, point) == -9
    left = {p.name: _tree(p) for p in out.iterdir()}
    # The next run settles what was left before anything else: killed right after that,
    # `out/fraud` is one whole tree, old or new, and no `.fraud.old` remains.
    assert _crash_compile(spec, out, "compile-before-swap") == -9
    new = _tree(out / ".fraud.new")
    assert _tree(out / "fraud") in (old, new) and old != new
    assert sorted(p.name for p in out.iterdir()) == [".fraud.new", "fraud"]
    assert _crash_compile(spec, out, None) == 0
    assert _tree(out / "fraud") == new
    assert sorted(p.name for p in out.iterdir()) == ["fraud"]
    # Right after the first kill: a whole tree in place, or the old one kept aside.
    assert left.get("fraud", left.get(".fraud.old")) in (old, new)
    assert left.get(".fraud.old", old) == old


def test_temporary_files_of_a_killed_compile_are_removed_by_a_later_run(tmp_path: Path) -> None:
    """Cache entries being written and cdk8s batch folders of a killed process: removed by
    the next compile once they are stale (a recent one may be a concurrent compile's)."""
    cache, temp = tmp_path / "cache", tmp_path / "tmp"
    temp.mkdir()
    (cache / ".entry-killed").parent.mkdir(parents=True)
    (cache / ".entry-killed").write_text('{"format": "half')
    (temp / "mlstack-cdk8s-killed").mkdir()
    (temp / "mlstack-cdk8s-killed" / "batch-0.json").write_text("[")
    jsii = temp / "tmpkilled"  # jsii's own extraction of its runtime, at every start
    for name, content in node_runtime._files().items():
        if not name.startswith("bin/mlstack"):
            (jsii / name).parent.mkdir(parents=True, exist_ok=True)
            (jsii / name).write_bytes(content)
    (temp / "tmpsomeone-else").mkdir()
    for stale in (
        cache / ".entry-killed",
        temp / "mlstack-cdk8s-killed",
        jsii,
        temp / "tmpsomeone-else",
    ):
        os.utime(stale, (0, 0))
    _compile(tmp_path / "out", cache=cache, temp=temp)
    assert not (cache / ".entry-killed").exists()
    assert [p.name for p in temp.iterdir()] == ["tmpsomeone-else"]
