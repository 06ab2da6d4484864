"""The registries (mlstack/runtimes, mlstack/clouds) are the one source of each runtime's and
cloud's facts: these tests pin that the spec, resolve and the targets have nothing of their
own to disagree with."""

from __future__ import annotations

from typing import get_args

import pytest

from mlstack import clouds, runtimes
from mlstack.resolve.fit import CLOUD_OF
from mlstack.spec.models import Framework
from mlstack.spec.platform import Cloud as CloudSpec
from mlstack.spec.serving import RUNTIMES, Serving
from mlstack.spec.uris import CLOUD_SCHEMES


def _literal(model: type, field: str) -> tuple[str, ...]:
    return tuple(get_args(model.model_fields[field].annotation))  # type: ignore[attr-defined]


def test_every_spec_runtime_is_registered_in_spec_order() -> None:
    classes = get_args(get_args(Serving)[0])
    assert tuple(_literal(c, "runtime")[0] for c in classes) == RUNTIMES
    assert tuple(runtimes.REGISTRY) == RUNTIMES


def test_frameworks_are_the_spec_frameworks() -> None:
    assert get_args(Framework) == runtimes.FRAMEWORKS


@pytest.mark.parametrize("name", RUNTIMES)
def test_facts_hang_together(name: str) -> None:
    runtime = runtimes.get(name)
    assert set(runtime.serves) <= set(runtimes.FRAMEWORKS)
    if runtime.prebuilt is not None:
        assert runtime.placement == "managed" and set(runtime.prebuilt) <= set(runtime.serves)
    assert (runtime.cloud is None) == runtime.in_cluster
    assert set(runtime.scaling.unscaled) <= set(runtime.scaling.metrics)
    if runtime.scaling.default is not None:
        assert runtime.scaling.default[0] in runtime.scaling.metrics


@pytest.mark.parametrize("name", runtimes.named("in-cluster"))
@pytest.mark.parametrize("knative", [True, False])
def test_every_in_cluster_runtime_has_metrics_for_what_it_serves(name: str, knative: bool) -> None:
    runtime = runtimes.get(name)
    for framework in runtime.serves:
        found = runtime.profile(framework, knative)
        assert found is not None, (name, framework)
        # Where no error series exists, the registry says who and what to do instead
        # (resolve's E0711), so an error-rate alert is never silently left out.
        assert found.errors is not None or all(found.no_errors), (name, framework)


def test_cloud_runtimes_have_no_metric_profile() -> None:
    for name in runtimes.named("managed") + runtimes.named("function"):
        assert runtimes.get(name).profile("sklearn", True) is None


def test_every_spec_cloud_is_registered_and_names_its_runtimes() -> None:
    providers = [_literal(c, "provider")[0] for c in get_args(get_args(CloudSpec)[0])]
    assert providers == list(clouds.REGISTRY)
    for cloud in clouds.REGISTRY.values():
        assert runtimes.get(cloud.managed).cloud == cloud.name
        assert runtimes.get(cloud.function).cloud == cloud.name
        assert runtimes.get(cloud.managed).placement == "managed"
        assert runtimes.get(cloud.function).placement == "function"
        assert CLOUD_SCHEMES[cloud.scheme] == cloud.name
    assert {r.cloud for r in runtimes.REGISTRY.values() if r.cloud} == set(clouds.REGISTRY)
    assert {CLOUD_OF[r] for r in runtimes.named("managed")} == set(clouds.REGISTRY)
