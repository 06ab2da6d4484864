"""Whole-process benchmark of `mlstack compile`, beside the floor of serializing the very
same output objects with PyYAML's C dumper and `json.dumps`.

    .venv/bin/python bench/compile.py            # reference stack, N = 100, 1000
    .venv/bin/python bench/compile.py --sizes 10 100 1000 5000

The compile is timed as a child process (start-up, imports, Node/jsii start included), best
of 3 after a warm-up that must exit 0 and gives the peak RSS (see bench/validate.py for how
RSS is read). The floor reads the compiled tree back (not timed), then times dumping every
object once with yaml.CSafeDumper and once with json.dumps in this process. Nothing here
asserts on time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from validate import (  # a sibling script, not a package
    find_mlstack,
    find_reference,
    has_gnu_time,
    machine,
    measure,
    revision,
    write_stack,
)


def floor(tree: Path) -> tuple[int, float, float]:
    """(objects, seconds with CSafeDumper, seconds with json.dumps) for the compiled tree."""
    objects = [
        doc
        for path in sorted(tree.rglob("kubernetes/*.yaml"))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000])
    args = parser.parse_args(argv)
    mlstack = find_mlstack()
    gnu_time = has_gnu_time()
    print(machine())
    print(f"mlstack: {mlstack} (git {revision()})")
    print(
        "| stack | N | objects | compile s | peak RSS MB | CSafeDumper s | json.dumps s | compile / CSafeDumper |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        inputs: list[tuple[str, str, Path]] = [("reference", "-", find_reference(None))]
        for n in args.sizes:
            path = Path(work) / f"stack-{n}.yaml"
            write_stack(n, path)
            inputs.append(("generated", str(n), path))
        for label, n, path in inputs:
            out = Path(work) / f"out-{label}-{n}"
            timing = measure(
                [str(mlstack), "compile", str(path), "-o", str(out)], 3, f"compile {path}", gnu_time
            )
            count, dumped, as_json = floor(out)
            print(
                f"| {label} | {n} | {count} | {timing.best_s:.3f} | {timing.peak_rss_mb:.0f} | "
                f"{dumped:.3f} | {as_json:.3f} | {timing.best_s / dumped:.1f}x |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
