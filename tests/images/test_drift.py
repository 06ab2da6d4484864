"""The drift image's program (images/drift/drift.py), run as its CronJob runs it: the real
evidently on small real datasets (parquet and a folder of csv files), its metrics received by
a stand-in Pushgateway on this machine. It runs in .venv-drift, installed from the image's own
requirements.txt by `make install`, so what is tested is what the image holds."""

from __future__ import annotations

import csv
import os
import random
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from mlstack.targets.kubernetes.drift import JOB

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-drift" / "bin" / "python"
PROGRAM = ROOT / "images" / "drift" / "drift.py"
THRESHOLD = 0.3


def _python() -> Path:
    if not PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{PYTHON} is missing: `make install` creates it")
        pytest.skip("the drift image's environment is not installed here (make install)")
    return PYTHON


class _Pushgateway(BaseHTTPRequestHandler):
    received: list[tuple[str, str, str]] = []

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append((self.command, self.path, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def pushgateway() -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
    server = HTTPServer(("127.0.0.1", 0), _Pushgateway)
    received: list[tuple[str, str, str]] = []
    _Pushgateway.received = received
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()


def _rows(n: int, shift: float, seed: int) -> list[dict[str, object]]:
    """Transactions-like rows; `shift` moves the numeric columns' distributions."""
    rng = random.Random(seed)
    return [
        {
            "amount": round(rng.gauss(50 + 40 * shift, 10), 2),
            "age_days": round(rng.gauss(300 + 400 * shift, 60), 1),
            "channel": rng.choice(["web", "app", "pos"]),
        }
        for _ in range(n)
    ]


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _parquet(csv_path: Path) -> Path:
    """The same rows as parquet, written by the image's own pandas/pyarrow."""
    target = csv_path.with_suffix(".parquet")
    code = "import sys, pandas as p; p.read_csv(sys.argv[1]).to_parquet(sys.argv[2])"
    subprocess.run([_python(), "-c", code, csv_path, target], check=True)
    return target


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_python(), PROGRAM, *args], capture_output=True, text=True, timeout=300, check=False
    )


def _args(reference: Path, current: Path, url: str) -> list[str]:
    return [
        "--serving=fraud-api",
        "--namespace=fraud",
        f"--reference={reference}",
        f"--current={current}",
        f"--threshold={THRESHOLD}",
        f"--pushgateway={url}",
        f"--job={JOB}",
    ]


def _gauges(body: str) -> dict[str, float]:
    return {
        line.split()[0]: float(line.split()[1])
        for line in body.splitlines()
        if line and not line.startswith("#")
    }


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    return _parquet(_csv(tmp_path / "reference.csv", _rows(600, 0, seed=1)))


@pytest.mark.parametrize(("shift", "drifted"), [(0.0, False), (1.0, True)])
def test_score_is_pushed_and_crosses_the_threshold_only_on_drift(
    tmp_path: Path,
    reference: Path,
    pushgateway: tuple[str, list[tuple[str, str, str]]],
    shift: float,
    drifted: bool,
) -> None:
    # current: a folder of csv files, as a serving's request log would be
    current = tmp_path / "inference-log"
    _csv(current / "part-0.csv", _rows(300, shift, seed=2))
    _csv(current / "part-1.csv", _rows(300, shift, seed=3))
    url, received = pushgateway
    result = _run(*_args(reference, current, url))
    assert result.returncode == 0, result.stderr
    [(method, path, body)] = received
    assert (method, path) == ("PUT", f"/metrics/job/{JOB}/namespace/fraud/serving/fraud-api")
    gauges = _gauges(body)
    score = gauges["mlstack_drift_score"]
    assert (score > THRESHOLD) is drifted, score
    assert score == pytest.approx(2 / 3 if drifted else 0.0)  # both numeric columns of 3
    assert gauges["mlstack_drift_detected"] == float(drifted)
    assert gauges["mlstack_drift_last_run_timestamp_seconds"] > 1.7e9


def test_a_run_that_cannot_read_its_data_fails_and_pushes_nothing(
    tmp_path: Path, reference: Path, pushgateway: tuple[str, list[tuple[str, str, str]]]
) -> None:
    url, received = pushgateway
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _run(*_args(reference, empty, url))
    assert result.returncode != 0 and "no .parquet or .csv files" in result.stderr
    assert received == []
