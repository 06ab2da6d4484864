"""Stage 2 models: the frozen pydantic description of mlstack.yaml, one module per section."""

from mlstack.spec.stack import Stack

__all__ = ["Stack"]
