"""Run a producer one step ahead of its consumer, in a thread.

The Kubernetes target's producer (build a batch, then wait on Node while cdk8s reads and
synthesizes it: a jsii call blocks on a pipe without the GIL) and its consumer (write each
object as YAML, hash it, write the file) take turns otherwise. Side by side they use both
cores with one Node: 13 % less time at N = 1,000 with --jobs 1, for one batch more in
memory; worker processes would need a Node and a copy of the stack each.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar, cast

T = TypeVar("T")

_DONE = object()
"""Handed over after the last item."""


class _Failed:
    """The producer's exception, handed over for the caller to raise."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(items: Iterable[T], depth: int = 1) -> Generator[T, None, None]:
    """`items`, produced in a thread at most `depth` items ahead of the caller. An exception
    in the producer is raised in the caller after the items before it; closing the
    generator early stops the producer at its next item and waits for it."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand(item):
                    return
        except BaseException as error:  # raised again in the caller
            hand(_Failed(error))
            return
        hand(_DONE)

    thread = threading.Thread(target=produce, name="mlstack-prefetch", daemon=True)
    thread.start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            yield cast(T, item)
    finally:
        stop.set()
        thread.join()
