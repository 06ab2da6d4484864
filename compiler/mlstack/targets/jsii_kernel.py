"""What jsii's Python runtime does not do for us, through its kernel (private API, pinned by
the jsii version in the compile cache key).

- `release`: jsii keeps every object Python created in a table in the Node process until
  Python says `del`, and its Python runtime never does: a compile of 10k objects per
  environment held ~700 MB in Node this way. The targets create a fresh App per batch and
  release it (and everything they created in it) once the batch is read back, so Node holds
  one batch at a time. `Kernel.delete` is the kernel's `del` request.
- `stop`: jsii stops Node at interpreter exit (atexit), which a forked worker skips (it
  leaves through `os._exit`): its Node would be cut off mid-pipe and the temporary folder
  jsii extracted its runtime into (2 MB) would stay behind, one per worker per compile.
"""

from __future__ import annotations

from typing import Any

from jsii._kernel.providers import ProcessProvider
from jsii._runtime import kernel


def release(*objects: Any) -> None:
    for obj in objects:
        kernel.delete(obj.__jsii_ref__)


def stop() -> None:
    """Stop Node as jsii's own exit hook does (it is then unregistered)."""
    if isinstance(kernel.provider, ProcessProvider):
        kernel.provider._process.stop()
