"""The loader: spans, YAML 1.2 scalars, merge keys, and every rejection with its position."""

from __future__ import annotations

import tracemalloc

import pytest

from mlstack.diagnostics import InputError, Span
from mlstack.load import Limits, loads


def _error(raw: bytes, limits: Limits = Limits()) -> tuple[str, int, int]:
    with pytest.raises(InputError) as caught:
        loads(raw, "f.yaml", limits)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.span is not None
    return diagnostic.code, diagnostic.span.line, diagnostic.span.col


def test_spans_point_at_keys_and_values() -> None:
    doc = loads(b"a:\n  bb: [1, x]\n  c: {d: 'e'}\n", "f.yaml")
    assert doc.key_spans[("a", "bb")] == Span("f.yaml", 2, 3, 5)
    assert doc.value_spans[("a", "bb", 1)] == Span("f.yaml", 2, 11, 12)
    assert doc.value_spans[("a", "c", "d")] == Span("f.yaml", 3, 10, 13)


def test_yaml_12_scalars() -> None:
    doc = loads(
        b"a: yes\nb: on\nc: 0o17\nd: 1e3\ne: '3'\nf: 2024-01-01\ng: ~\nh: !!str 5\ni: 012\n",
        "f.yaml",
    )
    assert doc.data == {
        "a": "yes", "b": "on", "c": 15, "d": 1000.0, "e": "3", "f": "2024-01-01", "g": None,
        "h": "5", "i": 12,
    }  # fmt: skip


def test_merge_keys_and_aliases_expand_with_explicit_keys_winning() -> None:
    doc = loads(b"base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\ne: *b\n", "f.yaml")
    assert doc.data["d"] == {"x": 1, "y": 3}
    assert doc.data["e"] == {"x": 1, "y": 2}
    assert doc.value_spans[("d", "y")].line == 4
    assert doc.value_spans[("d", "x")].line == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", ("E0001", 1, 1)),
        (b"# only a comment\n", ("E0001", 1, 1)),
        (b"a: 1\nb: \xff\n", ("E0002", 2, 4)),
        (b"a:\n\tb: 1\n", ("E0003", 2, 1)),
        (b"a: 1\nb: [1, 2\nc: 3\n", ("E0004", 2, 4)),
        (b"a: 1\nb: 2\na: 3\n", ("E0005", 3, 1)),
        (b"a: 1\n---\nb: 2\n", ("E0006", 2, 1)),
        (b"- a\n", ("E0010", 1, 1)),
        (b"? [a]\n: 1\n", ("E0012", 1, 3)),
        (b"a: !Ref x\n", ("E0013", 1, 4)),
    ],
)
def test_rejections_are_positioned(raw: bytes, expected: tuple[str, int, int]) -> None:
    assert _error(raw) == expected


def test_size_limit_and_flag() -> None:
    raw = b"a: " + b"x" * 100 + b"\n"
    assert _error(raw, Limits(max_bytes=50))[0] == "E0008"
    assert loads(raw, "f.yaml", Limits(max_bytes=200)).data["a"] == "x" * 100


def test_deep_nesting_is_rejected_without_recursion() -> None:
    depth = 100_000
    code, line, _ = _error(b"a: " + b"[" * depth + b"]" * depth + b"\n")
    assert (code, line) == ("E0009", 1)


def test_billion_laughs_fails_fast_and_small() -> None:
    rows = [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        refs = ",".join([f"*{previous}"] * 9).encode()
        rows.append(f"{name}: &{name} [".encode() + refs + b"]")
    tracemalloc.start()
    code, _, _ = _error(b"\n".join(rows) + b"\n")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert code == "E0007"
    # The expansion stops at the alias budget: memory stays small although the document
    # would expand to 9**9 strings. (Its time is a benchmark figure, not a test.)
    assert peak < 100 * 2**20
