"""Credential detection: the spec holds references to secrets, never secrets.

A reviewed YAML file lives in git forever and is copied into CI logs and the deploy repo, so a
credential that slips into it is leaked. Two nets: fields meant for a secret accept only a
Secret's name (see `spec.types.SecretName`), and every string anywhere is scanned for the shapes
credentials have (key ids, PEM blocks, `user:password@` URLs, well-known token prefixes, a
high-entropy value under a credential-like key or flag). Messages never repeat the value.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"), "an AWS access key id"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a PEM private key"),
    (re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"), "a URL with a password in it"),
    (re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}"), "a GitHub token"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{30,}"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "a GitLab token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\bsk-(proj-)?[A-Za-z0-9_-]{20,}"), "an API secret key"),
    (re.compile(r"\b(sk|rk)_live_[A-Za-z0-9]{20,}"), "a Stripe key"),
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}"), "a Hugging Face token"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "a Google API key"),
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), "an npm token"),
    (
        re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+"),
        "a JSON web token",
    ),
    (
        re.compile(r"(AccountKey|SharedAccessSignature|sig)=[A-Za-z0-9%+/=]{20,}"),
        "an Azure storage key",
    ),
    (re.compile(r'"private_key"\s*:'), "a service account key file"),
)

_SECRET_WORD = re.compile(
    r"(pass(word|wd)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?)$",
    re.IGNORECASE,
)
_FLAG = re.compile(r"--?([A-Za-z][A-Za-z0-9_-]*)(=(.*))?$")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def high_entropy(value: str) -> bool:
    """Random-looking: long, mixed character classes, dense. Names and paths are not."""
    if len(value) < 20 or any(c in value for c in " /:"):
        return False
    classes = sum(
        (any(c.islower() for c in value), any(c.isupper() for c in value),
         any(c.isdigit() for c in value))
    )  # fmt: skip
    return classes >= 2 and entropy(value) >= 3.5


def credential_kind(value: str) -> str | None:
    """What credential a string looks like, or None."""
    for pattern, kind in _PATTERNS:
        if pattern.search(value):
            return kind
    return None


def looks_like_credential(value: str) -> bool:
    return credential_kind(value) is not None or high_entropy(value)


Finding = tuple[tuple[str | int, ...], str]


def _literal_under_secret_word(word: str, value: object) -> bool:
    return bool(_SECRET_WORD.search(word)) and isinstance(value, str) and bool(value)


def scan(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[Finding]:
    """Yield (path, what it looks like) for every credential-shaped value in plain data."""
    if isinstance(data, dict):
        for key, value in data.items():
            child = (*path, key)
            if _literal_under_secret_word(str(key), value) and (
                looks_like_credential(value) or not str(key).endswith(("Secret", "secret"))
            ):
                yield child, "a credential"
            else:
                yield from scan(value, child)
    elif isinstance(data, list):
        yield from _scan_list(data, path)
    elif isinstance(data, str) and (kind := credential_kind(data)):
        yield path, kind


def _scan_list(items: list[Any], path: tuple[str | int, ...]) -> Iterator[Finding]:
    """Lists include commands: `--password hunter2` and `--token=abc` are credentials too."""
    previous_flag: str | None = None
    for index, item in enumerate(items):
        child = (*path, index)
        if isinstance(item, str) and (flag := _FLAG.match(item)):
            name, _, inline = flag.groups()
            if inline and _literal_under_secret_word(name, inline):
                yield child, f"a credential passed to '--{name}'"
                previous_flag = None
                continue
            previous_flag = name if _SECRET_WORD.search(name) else None
            continue
        if previous_flag and isinstance(item, str) and not item.startswith("$("):
            yield child, f"a credential passed to '--{previous_flag}'"
        else:
            yield from scan(item, child)
        previous_flag = None
