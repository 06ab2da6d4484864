"""Stage 4: `Plan` -> artifacts. The only package that may import cdk8s, cdktf or jsii."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Artifact:
    """One output file, relative to the environment's folder (`kubernetes/…`)."""

    path: str
    content: bytes
