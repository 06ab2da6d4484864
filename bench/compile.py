"""Whole-process benchmark of `mlstack validate` and `mlstack compile` in one run, beside the
floor: serializing the very same output objects with PyYAML's C dumper and `json.dumps`.

    .venv/bin/python bench/compile.py                  # reference, N = 10, 100, 1000
    .venv/bin/python bench/compile.py --large          # ... and N = 5000 (~20 min more)
    .venv/bin/python bench/compile.py --sizes 100 --runs 1

Per stack, every figure from child processes of this script (start-up, imports and Node
included):
- validate: best of 3;
- compile: cold (`--no-cache`, default `--jobs`), also with `--jobs 1`, with one worker per
  CPU, and without the Terraform target (bench/no_terraform.py drops it from
  `mlstack.build.TARGETS`); warm (an unchanged re-compile served by the compile cache);
- peak memory of the whole process tree (mlstack, its workers and their Node processes),
  sampled every 50 ms from /proc: the sum of PSS (shared pages split between the processes
  that share them, so forked workers are not counted twice) and the sum of RSS;
- the floor: the compiled tree read back (not timed), then every object dumped once with
  yaml.CSafeDumper (sorted keys) and once with json.dumps in this process.
Nothing here asserts on time; targets are printed as met / NOT MET.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from validate import (
    find_mlstack,
    find_reference,
    machine,
    revision,
    usable_cpus,
    write_stack,
)

NO_TERRAFORM = Path(__file__).resolve().parent / "no_terraform.py"
CPUS = usable_cpus()


@dataclass(frozen=True)
class Sample:
    seconds: float
    pss_mb: float
    rss_mb: float


def _tree(pid: int) -> Iterator[int]:
    yield pid
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                children = handle.read().split()
        except OSError:
            continue
        for child in children:
            yield from _tree(int(child))


def _memory(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of the process tree in MB."""
    pss = rss = 0
    for member in _tree(pid):
        try:
            with open(f"/proc/{member}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            continue
    return pss / 1024, rss / 1024


def run(command: list[str], env: dict[str, str] | None = None) -> Sample:
    """Wall time and sampled peak memory of one child; a non-zero exit stops the benchmark."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True
    )
    peak = [0.0, 0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            pss, rss = _memory(child.pid)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = child.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"exit {child.returncode}: {' '.join(command)}\n{errors}")
    return Sample(seconds, peak[0], peak[1])


def best(command: list[str], runs: int, env: dict[str, str] | None = None) -> Sample:
    samples = [run(command, env) for _ in range(runs)]
    return Sample(
        min(s.seconds for s in samples),
        max(s.pss_mb for s in samples),
        max(s.rss_mb for s in samples),
    )


def floor(tree: Path) -> tuple[int, float, float]:
    """(objects, seconds with CSafeDumper, seconds with json.dumps) for the compiled tree."""
    objects = [
        doc
        for path in sorted(tree.rglob("kubernetes/*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader)
    ]
    objects += [json.loads(p.read_bytes()) for p in sorted(tree.rglob("terraform/main.tf.json"))]
    start = time.perf_counter()
    for obj in objects:
        yaml.dump(obj, Dumper=yaml.CSafeDumper, sort_keys=True)
    dumped = time.perf_counter() - start
    start = time.perf_counter()
    for obj in objects:
        json.dumps(obj, sort_keys=True, indent=2)
    return len(objects), dumped, time.perf_counter() - start


@dataclass(frozen=True)
class Row:
    label: str
    objects: int
    validate: Sample
    cold: Sample
    serial: Sample
    parallel: Sample
    no_terraform: Sample
    warm: Sample
    yaml_s: float
    json_s: float


def bench(label: str, path: Path, work: Path, runs: int, mlstack: Path) -> Row:
    cache = work / f"cache-{label}"
    env = {**os.environ, "MLSTACK_CACHE_DIR": str(cache), "CI": "true"}
    out = work / f"out-{label}"
    compile_cmd = [str(mlstack), "compile", str(path), "-o", str(out)]
    validate = best([str(mlstack), "validate", str(path)], 3, env)
    cold = best([*compile_cmd, "--no-cache"], runs, env)
    serial = best([*compile_cmd, "--no-cache", "--jobs", "1"], runs, env)
    parallel = best([*compile_cmd, "--no-cache", "--jobs", str(CPUS)], runs, env)
    no_tf_cmd = [sys.executable, str(NO_TERRAFORM), "compile", str(path), "--no-cache"]
    no_terraform = best([*no_tf_cmd, "-o", str(work / "no-tf")], runs, env)
    run(compile_cmd, env)  # fills the cache
    warm = best(compile_cmd, max(runs, 2), env)
    count, yaml_s, json_s = floor(out)
    return Row(label, count, validate, cold, serial, parallel, no_terraform, warm, yaml_s, json_s)


def table(rows: list[Row]) -> str:
    lines = [
        f"| stack | objects | validate s | compile s | --jobs 1 s | --jobs {CPUS} s "
        "| no Terraform s | warm s | peak PSS / RSS MB | --jobs 1 PSS MB "
        f"| --jobs {CPUS} PSS MB | warm PSS MB | CSafeDumper s | json.dumps s "
        "| compile / CSafeDumper |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.label} | {r.objects} | {r.validate.seconds:.3f} | {r.cold.seconds:.2f} "
            f"| {r.serial.seconds:.2f} | {r.parallel.seconds:.2f} "
            f"| {r.no_terraform.seconds:.2f} | {r.warm.seconds:.2f} "
            f"| {r.cold.pss_mb:.0f} / {r.cold.rss_mb:.0f} | {r.serial.pss_mb:.0f} "
            f"| {r.parallel.pss_mb:.0f} | {r.warm.pss_mb:.0f} "
            f"| {r.yaml_s:.2f} | {r.json_s:.2f} "
            f"| {r.cold.seconds / r.yaml_s:.1f}x |"
        )
    return "\n".join(lines)


def _serial(row: Row) -> Sample:
    return row.serial


def _parallel(row: Row) -> Sample:
    return row.parallel


def targets(rows: list[Row]) -> list[str]:
    by = {r.label: r for r in rows}
    found = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    reference = by["reference"]
    found.append(
        f"validate reference <= 0.25 s: {reference.validate.seconds:.3f} s "
        f"{verdict(reference.validate.seconds <= 0.25)}"
    )
    found.append(
        f"unchanged re-compile of the reference <= 0.5 s: {reference.warm.seconds:.3f} s "
        f"{verdict(reference.warm.seconds <= 0.5)}"
    )
    for n in ("1000", "5000"):
        if n in by:
            row = by[n]
            ratio = row.cold.seconds / row.yaml_s
            found.append(f"compile N={n} <= 5x CSafeDumper: {ratio:.1f}x {verdict(ratio <= 5)}")
    if "1000" in by:
        found.append(
            f"validate N=1000 <= 1 s: {by['1000'].validate.seconds:.3f} s "
            f"{verdict(by['1000'].validate.seconds <= 1)}"
        )
    if "1000" in by and "5000" in by:
        large, small = by["5000"], by["1000"]
        # Growth is measured at a fixed worker count: the default picks fewer workers for
        # the larger stack (memory budget), which is a policy change, not growth.
        for name, pick in (("--jobs 1", _serial), (f"--jobs {CPUS}", _parallel)):
            growth = pick(large).seconds / pick(small).seconds
            found.append(
                f"t(5000) / t(1000) <= 5.5 at {name}: {growth:.2f} {verdict(growth <= 5.5)}"
            )
        found.append(
            f"t(5000) / t(1000) with the default --jobs: "
            f"{large.cold.seconds / small.cold.seconds:.2f} (the default may use fewer "
            "workers for the larger stack, to stay within its memory budget)"
        )
        peak = by["5000"].cold.pss_mb
        found.append(
            f"peak memory (PSS, Python + Node) at 5000 <= 1 GB: {peak:.0f} MB "
            f"{verdict(peak <= 1024)}"
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000])
    parser.add_argument("--large", action="store_true", help="add N = 5000")
    parser.add_argument("--runs", type=int, default=0, help="timed runs (default by size)")
    args = parser.parse_args(argv)
    sizes = [*args.sizes, *([5000] if args.large and 5000 not in args.sizes else [])]
    mlstack = find_mlstack()
    print(machine())
    print(f"mlstack: {mlstack} (git {revision()})")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        inputs = [("reference", find_reference(None))]
        for n in sizes:
            path = work / f"stack-{n}.yaml"
            write_stack(n, path)
            inputs.append((str(n), path))
        for label, path in inputs:
            n = int(label) if label.isdigit() else 0
            runs = args.runs or (3 if n <= 100 else 2 if n <= 1000 else 1)
            rows.append(bench(label, path, work, runs, mlstack))
            print(f"  measured {label}", file=sys.stderr, flush=True)
    print(table(rows))
    print()
    for line in targets(rows):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
