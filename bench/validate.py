"""Whole-process benchmark of `mlstack validate`, against a bare YAML parse as the baseline.

    .venv/bin/python bench/validate.py            # reference stack, N = 10, 100, 1000
    .venv/bin/python bench/validate.py --large    # ... and N = 5000

Every time is the wall time of a child process from spawn to exit, so interpreter start-up
and imports count: that is what a user or a CI job waits for. Each command runs once as a
warm-up (OS caches; it must exit 0, and it is where peak RSS is read), then 5 times (3 for
N >= 1000) and the best time is reported. Every timed run must exit 0 as well.

Peak RSS: Linux charges a child, at exec, with the peak RSS of the process it was forked
from (vfork included), so `os.wait4(pid).ru_maxrss` of a child of this script is never below
this script's own peak. The warm-up therefore runs under GNU `/usr/bin/time -f %M`, whose
own tiny footprint is what its child inherits, which gives the child's own peak. Without GNU
time the wait4 figure is reported as an upper bound ("<=").

The baseline is `python -c "import yaml; yaml.load(open(F), Loader=yaml.CSafeLoader)"` on
the same file (libyaml + PyYAML's constructor, no validation), plus `python -c pass` for bare
interpreter start-up and `python -c "from mlstack.cli import main"` for import cost.

Nothing here asserts on time: the targets are printed as met / NOT MET. What does fail the
run (exit 1, loudly) is a stack that does not validate with exit 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE_CANDIDATES = (
    ROOT / "specs" / "fraud" / "mlstack.yaml",
    Path("/work/shared/design/reference-stack.yaml"),
)
SIZES = (10, 100, 1000)
LARGE = 5000
TARGET_REFERENCE_S = 0.25
TARGET_1000_S = 1.0
PARSE = "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)"
GNU_TIME = "/usr/bin/time"


class BenchError(Exception):
    """A command the benchmark relies on failed: the figures would mean nothing."""


@dataclass(frozen=True)
class Timing:
    best_s: float
    peak_rss_mb: float
    rss_exact: bool
    """False when peak_rss_mb is wait4's upper bound (no GNU time)."""

    def rss(self) -> str:
        return f"{'' if self.rss_exact else '<='}{self.peak_rss_mb:.0f}"


@dataclass(frozen=True)
class Row:
    label: str
    models: int | None
    size_bytes: int
    validate: Timing
    baseline: Timing

    @property
    def ratio(self) -> float:
        return self.validate.best_s / self.baseline.best_s


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_mb: float
    exit_code: int
    output: str


def _rss_mb(maxrss: int) -> float:
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def has_gnu_time() -> bool:
    if not Path(GNU_TIME).exists():
        return False
    with tempfile.NamedTemporaryFile("r") as report:
        probe = [GNU_TIME, "-f", "%M", "-o", report.name, "true"]
        done = subprocess.run(probe, capture_output=True, check=False)
        return done.returncode == 0 and report.read().strip().isdigit()


def run_once(command: list[str], *, warm_up: bool = False, gnu_time: bool = False) -> Run:
    """One child process: wall time, peak RSS, exit code, and (warm-up only) its output."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as report:
        wrapped = [GNU_TIME, "-f", "%M", "-o", report.name, *command] if gnu_time else command
        sink = out if warm_up else subprocess.DEVNULL
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        rss = _rss_mb(usage.ru_maxrss)
        if gnu_time:  # last line: "%M" in KiB (a "Command exited ..." line may precede it)
            lines = report.read().split()
            rss = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else rss
        out.seek(0)
        output = out.read().decode("utf-8", errors="replace")
    return Run(seconds, rss, proc.returncode, output)


def measure(command: list[str], runs: int, what: str, gnu_time: bool) -> Timing:
    """One warm-up (must exit 0; peak RSS), then the best of `runs` (each must exit 0)."""
    shown = " ".join(command)
    first = run_once(command, warm_up=True, gnu_time=gnu_time)
    if first.exit_code != 0:
        raise BenchError(f"{what} exited {first.exit_code}:\n  $ {shown}\n{first.output.rstrip()}")
    best = float("inf")
    bound = first.rss_mb
    for _ in range(runs):
        run = run_once(command)
        if run.exit_code != 0:
            raise BenchError(f"{what} exited {run.exit_code} on a timed run:\n  $ {shown}")
        best = min(best, run.seconds)
        bound = max(bound, run.rss_mb)
    return Timing(best, first.rss_mb if gnu_time else bound, rss_exact=gnu_time)


def runs_for(models: int | None) -> int:
    return 3 if models is not None and models >= 1000 else 5


def find_mlstack() -> Path:
    beside = Path(sys.executable).parent / "mlstack"
    if beside.exists():
        return beside
    found = shutil.which("mlstack")
    if found is None:
        raise BenchError("the mlstack console script is not installed (pip install -e '.[dev]')")
    return Path(found)


def find_reference(given: Path | None) -> Path:
    if given is not None:
        return given
    for candidate in REFERENCE_CANDIDATES:
        if candidate.exists():
            return candidate
    raise BenchError("no reference stack: pass --reference PATH")


def check_baseline() -> None:
    probe = [sys.executable, "-c", "import yaml; yaml.CSafeLoader"]
    done = subprocess.run(probe, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(
            f"{sys.executable} cannot import PyYAML with libyaml (yaml.CSafeLoader) for the "
            f"baseline:\n{done.stderr.rstrip()}\n  fix: {sys.executable} -m pip install pyyaml"
        )


def write_stack(n: int, path: Path) -> None:
    """Generate in a child process, so this process stays small (see Peak RSS above)."""
    command = [sys.executable, str(HERE / "generate.py"), str(n), "-o", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"generate.py {n} exited {done.returncode}:\n{done.stderr.rstrip()}")


def bench_file(label: str, models: int | None, path: Path, mlstack: Path, gnu_time: bool) -> Row:
    runs = runs_for(models)
    validate = measure(
        [str(mlstack), "validate", str(path)], runs, f"mlstack validate {path}", gnu_time
    )
    baseline = measure(
        [sys.executable, "-c", PARSE, str(path)], runs, f"yaml parse of {path}", gnu_time
    )
    return Row(label, models, path.stat().st_size, validate, baseline)


def usable_cpus() -> int:
    """As mlstack.build.usable_cpus (the bench may run without mlstack importable)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = usable_cpus()
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC | nproc {usable} | {cpu} | "
        f"Python {platform.python_version()} ({sys.executable}) | {platform.platform()}"
    )


def revision() -> str:
    """The commit measured, with `-dirty` when the work tree has uncommitted changes."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"


def table(rows: list[Row]) -> str:
    head = ("stack", "N", "file size", "validate s", "peak RSS MB", "yaml parse s", "ratio")
    body = [
        (
            r.label,
            "-" if r.models is None else str(r.models),
            _size(r.size_bytes),
            f"{r.validate.best_s:.3f}",
            r.validate.rss(),
            f"{r.baseline.best_s:.3f}",
            f"{r.ratio:.1f}x",
        )
        for r in rows
    ]
    widths = [max(len(c) for c in column) for column in zip(head, *body, strict=True)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for cells in body:
        padded = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        lines.append("| " + " | ".join(padded) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help=f"also N = {LARGE}")
    parser.add_argument("--reference", type=Path, help="reference stack (default: see README)")
    parser.add_argument("--keep", type=Path, help="write the generated stacks here and keep them")
    args = parser.parse_args(argv)
    sizes = (*SIZES, LARGE) if args.large else SIZES
    try:
        mlstack = find_mlstack()
        reference = find_reference(args.reference)
        check_baseline()
        gnu_time = has_gnu_time()
        print(machine())
        print(f"mlstack: {mlstack} (git {revision()})")
        print(f"reference: {reference}")
        print(
            "best of 5 runs (3 for N >= 1000) after one warm-up; wall time of the whole process;"
            f" peak RSS {'from GNU time' if gnu_time else 'upper bound from wait4'}",
            flush=True,
        )
        print()
        with tempfile.TemporaryDirectory(prefix="mlstack-bench-") as scratch:
            out_dir = args.keep or Path(scratch)
            out_dir.mkdir(parents=True, exist_ok=True)
            rows = [bench_file("reference", None, reference, mlstack, gnu_time)]
            for n in sizes:
                path = out_dir / f"stack-{n}.yaml"
                write_stack(n, path)
                rows.append(bench_file("generated", n, path, mlstack, gnu_time))
            startup = measure([sys.executable, "-c", "pass"], 5, "python -c pass", gnu_time)
            imports = measure(
                [sys.executable, "-c", "from mlstack.cli import main"], 5, "import", gnu_time
            )
    except BenchError as error:
        print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
        return 1
    print(table(rows))
    print()
    print(
        f"start-up: python -c pass {startup.best_s:.3f} s ({startup.rss()} MB); "
        f"python -c 'from mlstack.cli import main' {imports.best_s:.3f} s ({imports.rss()} MB)"
    )
    ref = rows[0].validate.best_s
    at_1000 = next(r.validate.best_s for r in rows if r.models == 1000)
    print(
        f"targets: reference <= {TARGET_REFERENCE_S} s: {ref:.3f} s "
        f"{'met' if ref <= TARGET_REFERENCE_S else 'NOT MET'}; "
        f"1,000 models <= {TARGET_1000_S:g} s: {at_1000:.3f} s "
        f"{'met' if at_1000 <= TARGET_1000_S else 'NOT MET'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
