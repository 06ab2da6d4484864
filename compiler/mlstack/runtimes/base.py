"""What a serving runtime is, as data: the facts resolve validates against and the targets
generate from. One `Runtime` per module in this package; `runtimes/__init__.py` registers them.

Why one record read by both stages: when validation and generation keep separate lists they
drift (a framework accepted by one and unknown to the other, a metric validated and never
generated), and the difference only shows in a cluster. Methods take the few settings a fact
depends on (KServe's deployment mode, SageMaker's serverless), never the spec itself, so this
package imports nothing from `mlstack.spec` and `spec/serving.py` can derive its lists from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Placement = Literal["in-cluster", "managed", "function"]
"""Where the model server runs: pods mlstack writes, a cloud's managed endpoint, or a
cloud's functions service."""

FRAMEWORKS = (
    "sklearn", "xgboost", "lightgbm", "tensorflow", "pytorch", "onnx", "huggingface", "mlflow",
    "triton", "custom",
)  # fmt: skip
"""Every model framework of SPEC.md (spec/models.py `Framework`), in its order."""

Endpoint = tuple[str | int, str]
"""(port name or number, path) scraped on each pod."""


@dataclass(frozen=True)
class Server:
    """A model server mlstack runs as its own Deployment (plain.py): images, ports, probes."""

    image: str
    gpu_image: str
    ports: tuple[tuple[str, int], ...]
    """(name, port) served to other pods, all in the Service."""
    ready: tuple[str, str]
    """(port name, path) of the readiness (and startup) check."""
    live: tuple[str, str | None]
    """(port name, path) of the liveness check; no path: a TCP check."""
    metrics: tuple[str, str]
    """(port name, path) Prometheus scrapes."""
    scratch: tuple[str, ...] = field(default=())
    """Writable emptyDirs besides /tmp."""


@dataclass(frozen=True)
class Profile:
    """Where a runtime's metrics are and what they are called (targets/kubernetes/monitoring.py
    says where each comes from).

    Latency is either a histogram (`latency` is its `_bucket` series) or, when the runtime
    has none, a pair of counters (`latency` the summed duration, `latency_count` the
    requests) whose ratio is the mean. `unit` is the latency metric's unit in seconds.
    `errors` None: the server counts no errors, so an error-rate alert cannot be written and
    resolve rejects it (E0711) with `no_errors` = (who does not export it, hint).
    """

    runtime: str
    endpoints: tuple[Endpoint, ...]
    latency: str
    unit: float
    requests: str
    errors: str | None
    latency_count: str | None = None
    container: str | None = None
    """Only this container's targets are kept (numbered ports only)."""
    error_base: str | None = None
    """Denominator of the error rate when it is not `requests`."""
    shared: bool = False
    """Pods that may host other models (Seldon Servers): keep this serving's models' series."""
    no_errors: tuple[str, str] = ("", "")

    @property
    def histogram(self) -> bool:
        return self.latency_count is None


@dataclass(frozen=True)
class Scaling:
    """What `autoscaling` a runtime accepts, and what it does with it."""

    metrics: tuple[str, ...] = ()
    """Metrics it scales on; empty: the platform scales by itself (autoscaling is an error)."""
    default: tuple[str, float] | None = None
    """(metric, target) generated without `autoscaling`, if the runtime needs one."""
    unscaled: tuple[str, ...] = ()
    """Accepted metrics (SPEC allows them) that are not generated: a warning (W0712)."""
    unscaled_note: str = ""
    """Why, and what to use instead (message, hint), for `unscaled`."""
    unscaled_hint: str = ""
    target_range: tuple[float, float] | None = None
    """Inclusive bounds of `autoscaling.target`, where the runtime has any."""
    target_meaning: str = ""
    """What the target is on this runtime, for the diagnostic when it is out of range."""

    def fallback(self) -> tuple[str, float]:
        """(metric, target) a target generates without `autoscaling` (only runtimes with a
        `default` ask)."""
        assert self.default is not None
        return self.default


@dataclass(frozen=True)
class Runtime:
    """One serving runtime's facts. Subclasses override a method where a fact depends on a
    setting (KServe's deployment mode, SageMaker's serverless)."""

    name: str
    placement: Placement
    serves: tuple[str, ...]
    """Frameworks it can serve."""
    cloud: str | None = None
    """The cloud it runs on (None: any cluster)."""
    prebuilt: tuple[str, ...] | None = None
    """Frameworks with a prebuilt serving image of the cloud's (others need `image`); None:
    not an image-per-framework runtime."""
    no_scheme: tuple[str, ...] = ()
    """URI schemes its own downloader cannot fetch (E0709), and the hint for them."""
    no_scheme_hint: str = ""
    canary: bool = False
    """Can it split traffic between two models."""
    scale_to_zero: bool = False
    scaling: Scaling = Scaling()
    server: Server | None = None
    """The Deployment mlstack writes for it (plain runtimes only)."""
    metrics: Profile | None = None
    """Its Prometheus metrics (in-cluster runtimes)."""

    @property
    def in_cluster(self) -> bool:
        return self.placement == "in-cluster"

    def scales_to_zero(self, knative: bool, serverless: bool) -> bool:
        """Can replicas.min be 0 (KServe: in Knative mode; SageMaker: serverless)."""
        return self.scale_to_zero

    def zero_hint(self) -> str:
        """What to add to E0703's hint."""
        return ""

    def scaling_metrics(self, knative: bool) -> tuple[str, ...]:
        """The autoscaling metrics it accepts (KServe's depend on its deployment mode)."""
        return self.scaling.metrics

    def mode(self, deployment_mode: str) -> str:
        """The mode named in scaling diagnostics (KServe: ' in Knative mode')."""
        return ""

    def profile(self, framework: str, knative: bool) -> Profile | None:
        """Its metric profile for a model of this framework."""
        return self.metrics
