"""'Did you mean' for names and keys: close spellings, and the same word in another case.

Only close ones: a guess that merely shares a few letters (`shadow-api` for `fraud-api`,
`storageSecret` for `imagePullSecrets`) sends people the wrong way, and saying nothing lets
the diagnostic's other hint (what is allowed here) do its work.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.7
"""difflib ratio a guess must reach: one transposition or a missing letter in a short word
(`replica`, `fraud-xbg`, `bucket_name`) passes; two shared syllables do not."""


def _normal(word: str) -> str:
    return word.replace("_", "").replace("-", "").lower()


def _one_letter_apart(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return len(long) == len(short) + 1 and any(
        long[:i] + long[i + 1 :] == short for i in range(len(long))
    )


def closest(word: str, choices: Iterable[str]) -> str | None:
    options = sorted(set(choices))
    same = [c for c in options if _normal(c) == _normal(word)]
    if same:
        return same[0]
    # A word cut short (`apiKey` for `apiKeySecret`) is as close as a misspelling.
    longer = [c for c in options if len(word) >= 3 and _normal(c).startswith(_normal(word))]
    if longer:
        return min(longer, key=len)
    # One letter too many or too few (`ss` for `s`), however short the word.
    dropped = [c for c in options if _one_letter_apart(word, c)]
    if dropped:
        return dropped[0]
    match = difflib.get_close_matches(word, options, n=1, cutoff=CUTOFF)
    return match[0] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    guess = closest(word, choices)
    return f"did you mean '{guess}'?" if guess else None
