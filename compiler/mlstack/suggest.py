"""'Did you mean' for names and keys: close spellings, and the same word in another case."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def _normal(word: str) -> str:
    return word.replace("_", "").replace("-", "").lower()


def closest(word: str, choices: Iterable[str]) -> str | None:
    options = sorted(set(choices))
    same = [c for c in options if _normal(c) == _normal(word)]
    if same:
        return same[0]
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    guess = closest(word, choices)
    return f"did you mean '{guess}'?" if guess else None
