"""Images the spec names that a cluster may not run as reviewed: an untagged reference or
`:latest` is whatever the registry holds at pull time, so two nodes (or two restarts) can run
different code from one commit. A warning (W0111), not an error: the image still runs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from mlstack.load import PathKey
from mlstack.resolve.context import Context
from mlstack.spec.types import image_is_pinned, is_image_field


def _images(node: Any, path: PathKey) -> list[tuple[PathKey, str]]:
    """(spec path, image) of every Image field written in the spec, in document order."""
    if isinstance(node, BaseModel):
        found = []
        for name, info in type(node).model_fields.items():
            if name not in node.model_fields_set:
                continue  # defaults are mlstack's own, pinned in the code
            value = getattr(node, name)
            key = (*path, info.alias or name)
            if is_image_field(info) and isinstance(value, str):
                found.append((key, value))
            else:
                found += _images(value, key)
        return found
    if isinstance(node, dict):
        return [hit for k, v in node.items() for hit in _images(v, (*path, k))]
    if isinstance(node, list | tuple):
        return [hit for i, v in enumerate(node) for hit in _images(v, (*path, i))]
    return []


def check(ctx: Context) -> None:
    for path, image in _images(ctx.stack, ()):
        if not image_is_pinned(image):
            ctx.warn(
                "W0111",
                f"image '{image}' is not pinned: {'latest' if image.endswith(':latest') else 'no tag'} means whatever the registry holds when a node pulls it",
                path,
                "give a version tag (repo/image:1.4.2) or a digest (repo/image@sha256:…)",
            )
