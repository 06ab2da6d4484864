"""The drift job of `monitoring.drift.S`: Evidently's DataDriftPreset on a reference and a
current dataset, its score pushed to the Prometheus Pushgateway.

A CronJob's pod is gone before the next scrape, so the result is pushed (grouping key
`job/mlstack-drift/namespace/NS/serving/S`, the labels the alerts and dashboards select on).
The arguments are the contract of mlstack's targets/kubernetes/drift.py; datasets are parquet
or csv, one file or a folder of them, at s3://, gs://, azureblob://ACCOUNT/CONTAINER/PATH or a
local path (a pvc:// location is mounted and passed as one). Credentials are the pod's: its
workload identity, or the storage Secret's environment variables, which the fsspec backends
read themselves. Any failure exits non-zero, so a run that measured nothing is a failed Job.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

import fsspec
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

SUFFIXES = (".parquet", ".csv")
DRIFTED_COLUMNS = "DriftedColumnsCount"
"""The preset's metric whose `share` is the share of drifted columns (evidently 0.7)."""


def filesystem(uri: str) -> tuple[Any, str]:
    """(fsspec filesystem, path in it). azureblob://ACCOUNT/CONTAINER/PATH is mlstack's own
    scheme: adlfs names the account as an option; anon=False makes it authenticate with
    DefaultAzureCredential (workload identity, or AZURE_* variables)."""
    if uri.startswith("azureblob://"):
        account, _, path = uri.removeprefix("azureblob://").partition("/")
        return fsspec.filesystem("abfs", account_name=account, anon=False), path
    fs, path = fsspec.core.url_to_fs(uri)
    return fs, path


def read(uri: str) -> pd.DataFrame:
    """One dataset: a parquet or csv file, or every such file under a folder, in name order."""
    fs, path = filesystem(uri)
    files = sorted(f for f in fs.find(path) if f.endswith(SUFFIXES)) if fs.isdir(path) else [path]
    if not files:
        raise ValueError(f"{uri}: no .parquet or .csv files")
    frames = []
    for name in files:
        if not name.endswith(SUFFIXES):
            raise ValueError(f"{name}: not a .parquet or .csv file")
        with fs.open(name, "rb") as stream:
            frames.append(
                pd.read_parquet(stream) if name.endswith(".parquet") else pd.read_csv(stream)
            )
    return pd.concat(frames, ignore_index=True)


def drift_score(reference: pd.DataFrame, current: pd.DataFrame) -> float:
    """Share of the reference's columns that drifted in current (0..1)."""
    columns = [c for c in reference.columns if c in current.columns]
    if not columns:
        raise ValueError("reference and current share no columns")
    snapshot = Report([DataDriftPreset()]).run(
        current_data=current[columns], reference_data=reference[columns]
    )
    for metric in snapshot.dict()["metrics"]:
        if metric["config"]["type"].endswith(f":{DRIFTED_COLUMNS}"):
            return float(metric["value"]["share"])
    raise RuntimeError(f"evidently reported no {DRIFTED_COLUMNS} metric")


def push(args: argparse.Namespace, score: float) -> None:
    registry = CollectorRegistry()
    gauges = {
        "mlstack_drift_score": ("Share of drifted columns, 0..1", score),
        "mlstack_drift_detected": (
            "1 when the score is above the threshold",
            score > args.threshold,
        ),
        "mlstack_drift_last_run_timestamp_seconds": ("When the check last ran", time.time()),
    }
    for name, (documentation, value) in gauges.items():
        Gauge(name, documentation, registry=registry).set(float(value))
    push_to_gateway(
        args.pushgateway,
        job=args.job,
        registry=registry,
        grouping_key={"namespace": args.namespace, "serving": args.serving},
    )


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mlstack-drift", description=__doc__)
    parser.add_argument("--serving", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--current")
    parser.add_argument("--threshold", type=float, required=True)
    parser.add_argument("--pushgateway", required=True)
    parser.add_argument("--job", default="mlstack-drift")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    if args.current is None:
        print(
            "mlstack-drift: no --current: set monitoring.drift.S.current to where the "
            "serving's requests are logged",
            file=sys.stderr,
        )
        return 2
    score = drift_score(read(args.reference), read(args.current))
    push(args, score)
    print(f"serving {args.serving}: drift score {score:.3f} (threshold {args.threshold:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
