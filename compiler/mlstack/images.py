"""The images mlstack builds from this repository, one folder each under `images/NAME/`.

`data/images.json` is the one place their registry, repository and version are written: the
compiler's default references come from it, and so do the tags that
.github/workflows/images.yml pushes (its plan step prints `python -m mlstack.images`), so a
release can never reference a tag the workflow did not build. A version is a tag that is
never pushed twice; changing an image means a new version here (docs/images.md).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files("mlstack").joinpath("data/images.json").read_text())
    return data


def names() -> list[str]:
    """The images built here, by folder name."""
    return sorted(_data()["images"])


def reference(name: str) -> str:
    """`REGISTRY/REPOSITORY:VERSION` of the image built from images/NAME/."""
    data = _data()
    image = data["images"][name]
    return f"{data['registry']}/{image['repository']}:{image['version']}"


def matrix() -> list[dict[str, str]]:
    """What the workflow builds: each image's folder and the one tag it pushes."""
    return [{"name": n, "context": f"images/{n}", "tag": reference(n)} for n in names()]


if __name__ == "__main__":
    sys.stdout.write(f"images={json.dumps(matrix(), sort_keys=True)}\n")
