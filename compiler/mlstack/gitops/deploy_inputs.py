"""Files a compiled kustomization reads that compile does not write: the deploy side does.

An Azure environment's kustomization generates its client-id ConfigMap from
`azure-client-ids.env`, which exists only once `terraform apply` has run
(targets/kubernetes/azure_client_ids.py). `mlstack publish` replaces each stack's folder in the
deploy repo with the compiled tree, so it carries such a file over where the deploy repo has
it, and `mlstack diff` does not count it as removed. What counts is what the new
kustomization reads: when an environment stops reading the file (the stack left Azure, the
environment was removed), publish drops it and diff says so.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from pathlib import PurePosixPath

import yaml

KUSTOMIZATION = "kustomization.yaml"


def generator_inputs(kustomization: bytes) -> list[str]:
    """The env files the kustomization's ConfigMap generators read, relative to its folder."""
    document = yaml.safe_load(kustomization) or {}
    return sorted(
        str(env)
        for generator in document.get("configMapGenerator") or []
        for env in generator.get("envs") or []
    )


def missing_inputs(kustomizations: Mapping[str, bytes], present: Container[str]) -> set[str]:
    """Paths (`…/kubernetes/FILE`, with the prefix of the keys of `kustomizations`) that
    those kustomizations read and that are not `present`: the deploy side's files."""
    return {
        path
        for name, content in kustomizations.items()
        for file in generator_inputs(content)
        if (path := (PurePosixPath(name).parent / file).as_posix()) not in present
    }


def kustomizations(tree: Mapping[str, bytes]) -> dict[str, bytes]:
    """The kustomization files of a tree keyed by path."""
    return {name: content for name, content in tree.items() if is_kustomization(name)}


def is_kustomization(path: str) -> bool:
    return PurePosixPath(path).name == KUSTOMIZATION
