"""The cdk8s pass: objects go into cdk8s in batches and come back as cdk8s synthesizes them.

Every Python -> Node call through jsii costs ~0.17 ms, and an object handed over as an
`ApiObject` plus JSON patches costs several calls (~0.7 ms). So objects cross in batches
instead: each batch is written as one multi-document file (JSON documents, which cdk8s's
YAML 1.1 reader reads exactly) and loaded by one `cdk8s.Include` into a Chart of its own,
read back with one `to_json`. Per-batch charts keep synthesis linear: one chart's
`to_json` grows faster than linearly with its object count (19 s for 54k objects in one
chart, 28 s for the whole Include + synth in charts of ~4k), and batch files stay far below
the 10 MiB that cdk8s's file loader buffers.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from mlstack.leftovers import remove_stale
from mlstack.targets.node_runtime import configure

configure()

import cdk8s  # noqa: E402  (after configure(): jsii reads JSII_NODE when it starts)

from mlstack.targets.jsii_kernel import release  # noqa: E402
from mlstack.targets.prefetch import prefetched  # noqa: E402

BATCH_BYTES = 1_000_000
"""Serialized size of one batch (~2,000 objects): big enough that the per-batch cost (cdk8s
starts a Node child to read the file, ~40 ms) is small, small enough that Node's memory per
batch stays low; far below cdk8s's 10 MiB read limit."""


_ENCODER = json.JSONEncoder(ensure_ascii=True, allow_nan=False)
"""One encoder: `json.dumps` with options builds a new one per call, each a reference cycle
that the CLI (which runs without the cyclic GC) would never free."""


def _construct_id(body: dict[str, Any]) -> str:
    """The id `cdk8s.Include` gives an object: two equal ids cannot share a chart."""
    metadata = body.get("metadata", {})
    parts = (metadata.get("name"), str(body.get("kind", "")).lower(), metadata.get("namespace"))
    return "-".join(part for part in parts if part)


def batches(objects: Iterable[dict[str, Any]], limit: int) -> Iterator[list[str]]:
    """Serialized objects grouped in input order, each group at most `limit` bytes (or one
    object) and free of Include id clashes."""
    batch: list[str] = []
    ids: set[str] = set()
    size = 0
    for body in objects:
        text = _ENCODER.encode(body)
        construct_id = _construct_id(body)
        if batch and (size + len(text) > limit or construct_id in ids):
            yield batch
            batch, ids, size = [], set(), 0
        batch.append(text)
        ids.add(construct_id)
        size += len(text) + 5
    if batch:
        yield batch


def _synthesized(
    objects: Iterable[dict[str, Any]], limit: int, folder: Path
) -> Iterator[list[Any]]:
    """Each batch as cdk8s synthesizes it (runs in the prefetch thread: every jsii call of
    the Kubernetes target happens on that thread)."""
    for index, batch in enumerate(batches(objects, limit)):
        path = folder / f"batch-{index}.json"
        path.write_text("\n---\n".join(batch) + "\n", encoding="ascii")
        app = cdk8s.App()
        chart = cdk8s.Chart(app, "mlstack", disable_resource_name_hashes=True)
        include = cdk8s.Include(chart, "objects", url=str(path))
        synthesized: list[Any] = chart.to_json()
        release(app, chart, include)
        path.unlink()
        if len(synthesized) != len(batch):
            raise AssertionError(f"cdk8s returned {len(synthesized)} of {len(batch)} objects")
        yield synthesized


def synthesize(
    objects: Iterable[dict[str, Any]], limit: int = BATCH_BYTES
) -> Iterator[dict[str, Any]]:
    """The objects as cdk8s synthesizes them, in input order, a batch at a time: only a few
    batches of objects are held at once, in Python and in Node. The next batch is built and
    synthesized in a thread while the caller writes out the previous one."""
    remove_stale(Path(tempfile.gettempdir()), "mlstack-cdk8s-")
    with (
        tempfile.TemporaryDirectory(prefix="mlstack-cdk8s-") as folder,
        closing(prefetched(_synthesized(objects, limit, Path(folder)))) as ready,
    ):
        for synthesized in ready:
            yield from synthesized
