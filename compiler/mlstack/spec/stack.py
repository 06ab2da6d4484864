"""The whole document: `Stack`, and the shape of an environment overlay."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from mlstack.spec.base import SpecModel
from mlstack.spec.compute import Pool
from mlstack.spec.features import Features
from mlstack.spec.gitops import GitOps
from mlstack.spec.models import Model
from mlstack.spec.monitoring import Monitoring
from mlstack.spec.notebooks import Notebook
from mlstack.spec.pipelines import Pipeline
from mlstack.spec.platform import Platform
from mlstack.spec.serving import Serving
from mlstack.spec.tracking import Tracking
from mlstack.spec.types import LabelKey, LabelValue, Name


class Metadata(SpecModel):
    """Who the stack is and who owns it."""

    name: Name
    """Stack name: output folder, default namespace, part of generated cloud names."""
    owner: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    """Owning team or address: the `mlstack.dev/owner` annotation of every generated object."""
    labels: dict[LabelKey, LabelValue] = {}
    """Labels added to every generated object and cloud resource."""


class Overlay(SpecModel):
    """A partial stack deep-merged over the base for one environment (maps merge by key,
    scalars and lists replace). It may only change names the base defines."""

    metadata: dict[str, Any] | None = None
    """Only metadata.labels and metadata.owner may change."""
    platform: dict[str, Any] | None = None
    """Partial platform."""
    compute: dict[str, Any] | None = None
    """Partial compute pools."""
    tracking: dict[str, Any] | None = None
    """Partial tracking."""
    models: dict[str, Any] | None = None
    """Partial models."""
    pipelines: dict[str, Any] | None = None
    """Partial pipelines."""
    notebooks: dict[str, Any] | None = None
    """Partial notebooks."""
    features: dict[str, Any] | None = None
    """Partial feature store."""
    serving: dict[str, Any] | None = None
    """Partial servings."""
    monitoring: dict[str, Any] | None = None
    """Partial monitoring."""
    gitops: dict[str, Any] | None = None
    """Partial gitops."""


class Stack(SpecModel):
    """An mlstack.yaml document."""

    api_version: Literal["mlstack/v1alpha1"]
    """Always mlstack/v1alpha1."""
    kind: Literal["Stack"]
    """Always Stack."""
    metadata: Metadata
    """Name, owner and labels."""
    platform: Platform = Platform()
    """Cluster, cloud and Terraform backend."""
    compute: dict[Name, Pool] = {}
    """Node pools keyed by name."""
    tracking: Tracking = Tracking()
    """MLflow / Weights & Biases."""
    models: dict[Name, Model] = {}
    """Models keyed by name."""
    pipelines: dict[Name, Pipeline] = {}
    """Pipelines keyed by name."""
    notebooks: dict[Name, Notebook] = {}
    """Notebooks keyed by name."""
    features: Features | None = None
    """Feature store."""
    serving: dict[Name, Serving] = {}
    """Servings keyed by name."""
    monitoring: Monitoring = Monitoring()
    """Monitoring and alerts."""
    gitops: GitOps | None = None
    """Deploy repo and Argo CD."""
    environments: dict[Name, Overlay] = {}
    """Environment overlays keyed by name; without any, one environment named 'default'."""
