"""The producer runs in a thread, ahead of the caller; failures and early stops cross back."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from mlstack.targets.prefetch import prefetched


def test_items_arrive_in_order() -> None:
    assert list(prefetched(iter(range(100)), depth=3)) == list(range(100))


def test_the_next_item_is_produced_while_the_caller_holds_one() -> None:
    second = threading.Event()

    def produce() -> Iterator[int]:
        yield 0
        second.set()
        yield 1

    ready = prefetched(produce())
    assert next(ready) == 0
    assert second.wait(timeout=10), "the producer did not run ahead of the caller"
    assert list(ready) == [1]


def test_a_producer_failure_is_raised_in_the_caller_after_the_items_before_it() -> None:
    def produce() -> Iterator[int]:
        yield 1
        raise ValueError("broken batch")

    seen = []
    with pytest.raises(ValueError, match="broken batch"):
        for item in prefetched(produce()):
            seen.append(item)
    assert seen == [1]


def test_a_caller_that_stops_early_stops_the_producer() -> None:
    produced: list[int] = []
    closed = threading.Event()

    def produce() -> Iterator[int]:
        try:
            for item in range(1000):
                produced.append(item)
                yield item
        finally:
            closed.set()

    ready = prefetched(produce(), depth=1)
    assert next(ready) == 0
    ready.close()
    assert closed.wait(timeout=10)
    # One item in the caller's hands, one in the queue, one waiting to be handed over.
    assert len(produced) <= 3
