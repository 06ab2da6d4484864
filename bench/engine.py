"""Compare the Terraform synthesis engines: archived cdktf and its continuation CDK Terrain
(`cdktn`), on the same generated stack, in one run.

    python bench/engine.py 300          # needs cdktf beside mlstack's cdktn: pip install cdktf

Each engine runs in a process of its own (jsii loads one kernel per process), `--rounds`
times, alternating, so a busy machine slows both alike; the figures are the best round of
each. The Terraform files of every environment must be byte-identical between the engines:
that is what "drop-in" means here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

ROUND = """
import hashlib, json, sys, time
if sys.argv[1] == "cdktf":
    import cdktf
    sys.modules["cdktn"] = cdktf  # synth.py imports cdktn; the API is the same
from pathlib import Path
from mlstack.pipeline import check
from mlstack.targets import terraform
plans = check(Path(sys.argv[2])).plans
start = time.perf_counter()
files = {}
for plan in plans:
    for artifact in terraform.compile_plan(plan):
        files[f"{plan.environment}/{artifact.path}"] = hashlib.sha256(artifact.content).hexdigest()
print(json.dumps({"seconds": time.perf_counter() - start, "files": files}))
"""


def _round(engine: str, stack: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", ROUND, engine, str(stack)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", type=int, nargs="?", default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stack = Path(folder) / "mlstack.yaml"
        stack.write_text(generate(args.models))
        best: dict[str, float] = {}
        digests: dict[str, str] = {}
        for _ in range(args.rounds):
            for engine in ("cdktf", "cdktn"):
                found = _round(engine, stack)
                seconds = float(found["seconds"])  # type: ignore[arg-type]
                best[engine] = min(best.get(engine, seconds), seconds)
                digest = hashlib.sha256(json.dumps(found["files"], sort_keys=True).encode())
                digests[engine] = digest.hexdigest()
    same = digests["cdktf"] == digests["cdktn"]
    print(f"N = {args.models}, best of {args.rounds} rounds, Terraform target only:")
    for engine, seconds in best.items():
        print(f"  {engine:6} {seconds:7.2f} s")
    print(f"  cdktn / cdktf = {best['cdktn'] / best['cdktf']:.2f}")
    print(f"  output byte-identical: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
