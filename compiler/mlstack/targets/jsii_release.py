"""Let Node free constructs Python no longer needs.

jsii keeps every object Python created in a table in the Node process until Python says
`del`, and its Python runtime never does: a compile of 10k objects per environment held
~700 MB in Node this way. The targets create a fresh App per batch and release it (and
everything they created in it) once the batch is read back, so Node holds one batch at a
time. `Kernel.delete` is the jsii kernel's `del` request (jsii/_kernel/__init__.py).
"""

from __future__ import annotations

from typing import Any

from jsii._runtime import kernel


def release(*objects: Any) -> None:
    for obj in objects:
        kernel.delete(obj.__jsii_ref__)
