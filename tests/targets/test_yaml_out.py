"""`yaml_out.dump` writes exactly what PyYAML's C dumper writes: on every generated manifest
in out/ (nearly all through the fast writer, not the PyYAML fallback) and on random JSON-like
documents full of strings that sit on the edges of YAML's quoting rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mlstack.targets import yaml_out
from tests.helpers import ROOT

GOLDEN = sorted(
    path
    for folder in ("kubernetes", "argocd")
    for path in (ROOT / "out").glob(f"*/*/{folder}/*.yaml")
)
"""Manifests written by `yaml_out.dump` (terraform/ holds YAML from another writer)."""


def _golden(path: Path) -> tuple[bytes, Any]:
    raw = path.read_bytes()
    return raw, yaml.load(raw, Loader=yaml.CSafeLoader)


def test_golden_manifests_are_written_unchanged() -> None:
    assert len(GOLDEN) > 100
    mismatches = []
    for path in GOLDEN:
        raw, document = _golden(path)
        if yaml_out.dump(document) != raw:
            mismatches.append(path)
    assert mismatches == []


def test_golden_manifests_take_the_fast_path() -> None:
    fast = 0
    for path in GOLDEN:
        raw, document = _golden(path)
        text = yaml_out._fast(document)
        if text is not None:
            fast += 1
            assert text.encode() == raw == yaml_out._pyyaml(document).encode(), path
    assert GOLDEN and fast >= 0.95 * len(GOLDEN)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"a": {"b": [1, {"c": None, "d": [[], {}]}]}},
            "a:\n  b:\n  - 1\n  - c: null\n    d:\n    - []\n    - {}\n",
        ),
        ({"s": ["- x", "yes", "1e3", "1_000", "12:30", "a: b", "it's", ""]}, None),
        ({"x": "line\n  indented\n\n", "y": " lead\nx", "z": "tail \nx"}, None),
        ({"f": [0.5, 1e17, -1e-05, float("inf"), float("nan")], "b": True}, None),
    ],
)
def test_examples_match_pyyaml(document: dict[str, Any], expected: str | None) -> None:
    text = yaml_out._fast(document)
    assert text == yaml_out._pyyaml(document)
    assert expected is None or text == expected


def test_shared_collections_fall_back_to_anchors() -> None:
    labels = {"app": "x"}
    document = {"a": labels, "b": labels}
    assert yaml_out._fast(document) is None
    assert yaml_out.dump(document) == yaml_out._pyyaml(document).encode()
    assert b"&id001" in yaml_out.dump(document)


def test_long_lines_are_folded_as_libyaml_folds_them() -> None:
    words = " ".join(["word"] * 300)
    document = {"a": {"b": [words, f"'{words}  x"]}, "c": words + "."}
    text = yaml_out._pyyaml(document)
    assert yaml_out._fast(document) == text
    assert max(len(line) for line in text.splitlines()) < 1010
    assert text.count("\n") > 5, "five lines unfolded: a, b, two items, c"


def test_long_double_quoted_lines_fall_back() -> None:
    document = {"k": "word " * 300 + "\nend"}
    assert yaml_out._fast(document) is None
    assert yaml_out.dump(document) == yaml_out._pyyaml(document).encode()
    assert b"\\n" in yaml_out.dump(document)


_TRICKY = [
    *["", " ", "~", "null", "Null", "NULL", "yes", "No", "ON", "off", "y", "N", "yEs", "true"],
    *["1e3", "0x1F", "0o17", "0b101", ".5", "5.", "+1", "-0", "1_000", "12:30", "190:20:30"],
    *[".inf", "-.Inf", ".NaN", "2024-01-01", "2001-12-14t21:59:43.10-05:00", "<<", "="],
    *["---", "...", "--- x", "- a", "-a", "? x", "?x", ":x", "x:", "a: b", "a #b", "a#b", "#"],
    *["'q'", '"d"', "back\\slash", "yes\n", "a\n", "a\n\n", "\n", "\n\n", " x\ny", "x \ny"],
]


@pytest.mark.parametrize("value", _TRICKY)
def test_tricky_strings_take_the_fast_path(value: str) -> None:
    for document in ({"k": value}, {value: [value, {"k": value}]}):
        if "\n" in value and value in document:
            continue
        assert yaml_out._fast(document) == yaml_out._pyyaml(document)


_HANDLED = st.characters(min_codepoint=0x20, max_codepoint=0x7E, include_characters="\n")
_SHORT_STRINGS = st.one_of(
    st.sampled_from(_TRICKY),
    st.text(_HANDLED, max_size=12),
    st.text(st.sampled_from(" :#'\"-?|>\nab1.eE+_x"), max_size=8),
    st.lists(st.sampled_from(_TRICKY), max_size=3).map("\n".join),
)
_LONG_LINES = st.lists(
    st.sampled_from(["ab", " ", "  ", "'", ": ", " #", "x", "-", "yes"]), min_size=1, max_size=600
).map("".join)
"""One-line strings up to past the width, where libyaml folds plain and single-quoted text."""
_HANDLED_STRINGS = _SHORT_STRINGS | _LONG_LINES
"""Strings the fast writer handles itself: printable ASCII and line feeds."""
_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs"),
    include_characters=":#'\"-?[]{},&*!|>%@`~\n\t\r \x85\u2028",
)
_ANY_STRINGS = st.one_of(
    _HANDLED_STRINGS,
    st.text(_ALPHABET, max_size=12),
    st.integers(960, 1010).map(lambda n: ("ab \n" * n)[:n]),
    st.integers(120, 135).map(lambda n: "k" * n),
)
"""Also strings that send a document to PyYAML: tabs, non-ASCII, long double-quoted lines,
keys too long to be simple keys."""


def _documents(
    strings: st.SearchStrategy[str], keys: st.SearchStrategy[str]
) -> st.SearchStrategy[dict[str, Any]]:
    scalars = st.one_of(strings, st.none(), st.booleans(), st.integers(), st.floats())
    values = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=12,
    )
    return st.dictionaries(keys, values, min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(_documents(_HANDLED_STRINGS, _SHORT_STRINGS.map(lambda s: s.replace("\n", " "))))
def test_random_documents_take_the_fast_path(document: dict[str, Any]) -> None:
    assert yaml_out._fast(document) == yaml_out._pyyaml(document)


@settings(max_examples=300, deadline=None)
@given(_documents(_ANY_STRINGS, _ANY_STRINGS))
def test_random_documents_match_pyyaml(document: dict[str, Any]) -> None:
    assert yaml_out.dump(document) == yaml_out._pyyaml(document).encode()
