"""Azure Linux function app running a container (targets/terraform/azure_functions.py)."""

from __future__ import annotations

from mlstack.runtimes.base import FRAMEWORKS, Runtime, Scaling

RUNTIME = Runtime(
    "azurefunctions",
    "function",
    FRAMEWORKS,
    cloud="azure",
    scale_to_zero=True,
    # The Functions host scales by itself (event-driven scale controller): no metric to set.
    scaling=Scaling(()),
)
