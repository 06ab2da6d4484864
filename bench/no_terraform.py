"""`mlstack` with the Terraform target left out, for bench/compile.py's "no Terraform"
column: the same process, the same stacks, one target fewer."""

from __future__ import annotations

from mlstack import build
from mlstack.cli import main

build.TARGETS = tuple(t for t in build.TARGETS if not t.endswith(".terraform"))

if __name__ == "__main__":
    main()
