"""`gitops.addons`: which cluster add-ons a stack uses, which it installs, and whether the
pinned releases are the ones the output is written for.

`uses` lists every add-on whose objects (or whose controller acting on mlstack's objects) the
stack's output relies on, with the spec entry that needs it: `auto` installs exactly those,
and an explicit list is checked against them. Resolve decides here; the add-ons target only
renders `Plan.addons`.
"""

from __future__ import annotations

from typing import Any

from mlstack import addons, runtimes
from mlstack.load import PathKey
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec import Stack
from mlstack.spec.models import InClusterTraining
from mlstack.spec.serving import IN_CLUSTER
from mlstack.spec.versions import Versions

ADDONS: PathKey = ("gitops", "addons")


def uses(stack: Stack) -> dict[str, PathKey]:
    """Add-on -> the first spec entry whose output needs it, add-ons required by those
    included (pointing at the same entry), in the table's order. A serving's come from its
    runtime's registry record (`Runtime.addons`); Knative from KServe's mode."""
    found: dict[str, PathKey] = {}

    def need(addon: str, path: PathKey) -> None:
        if addon in found:
            return
        found[addon] = path
        for required in addons.table()[addon].requires:
            need(required, path)

    kubernetes = stack.platform.kubernetes
    servings: dict[str, Any] = enabled(stack.serving)
    for name, serving in servings.items():
        path: PathKey = ("serving", name)
        for addon in runtimes.get(serving.runtime).addons:
            need(addon, path)
        if serving.runtime == "kserve" and kubernetes.kserve.knative:
            need("knative", path)
        if serving.runtime == "seldon":
            autoscaling = getattr(serving, "autoscaling", None)
            if autoscaling is not None and autoscaling.metric == "rps":
                need("prometheus-adapter", (*path, "autoscaling", "metric"))
    for name, model in enabled(stack.models).items():
        training = model.training
        if not isinstance(training, InClusterTraining):
            continue
        path = ("models", name, "training")
        if training.operator == "pytorchjob" and kubernetes.kubeflow.trainer == "v2":
            need("trainer", (*path, "operator"))
        elif training.operator in ("pytorchjob", "tfjob"):
            need("training-operator", (*path, "operator"))
        if training.schedule is not None:
            need("argo-workflows", (*path, "schedule"))
    for name, pipeline in enabled(stack.pipelines).items():
        path = ("pipelines", name)
        if pipeline.engine == "argo":
            need("argo-workflows", path)
        elif pipeline.engine == "kubeflow":
            need("kfp", path)
            if pipeline.schedule:
                # A CronWorkflow starts each scheduled run through KFP's API (kfp_schedule.py).
                need("argo-workflows", (*path, "schedule"))
        if pipeline.engine == "argo" and any(
            getattr(step, "kind", None) == "spark" for step in enabled(pipeline.steps).values()
        ):
            need("spark-operator", path)
    for name in enabled(stack.notebooks):
        need("notebooks", ("notebooks", name))
    if stack.features is not None and stack.features.store == "feast":
        need("feast", ("features", "store"))
    monitoring = stack.monitoring
    if any(s.runtime in IN_CLUSTER for s in servings.values()):
        # PodMonitors, PrometheusRules, the AlertmanagerConfig and the Grafana dashboards
        # are read by kube-prometheus-stack's operator, Alertmanager and Grafana.
        for key, value in (
            ("prometheus", monitoring.prometheus),
            ("alerts", enabled(monitoring.alerts)),
            ("receivers", monitoring.receivers),
            ("dashboards", monitoring.dashboards),
        ):
            if value:
                need("kube-prometheus-stack", ("monitoring", key))
    for name in enabled(monitoring.drift):
        need("prometheus-pushgateway", ("monitoring", "drift", name))
    cloud = stack.platform.cloud
    for name, pool in enabled(stack.compute).items():
        if pool.accelerator is None:
            continue
        if cloud is None or cloud.provider != "gcp":
            # GKE installs and manages its own device plugin on GPU nodes.
            need("nvidia-device-plugin", ("compute", name, "accelerator"))
        if monitoring.dashboards:
            need("dcgm-exporter", ("monitoring", "dashboards"))
    order = list(addons.table())
    return dict(sorted(found.items(), key=lambda item: order.index(item[0])))


def chosen(stack: Stack) -> tuple[str, ...]:
    """The add-ons the stack's environment installs, in the table's order."""
    wanted = stack.gitops.addons if stack.gitops is not None else "none"
    if wanted == "none":
        return ()
    if wanted == "auto":
        return tuple(uses(stack))
    return tuple(name for name in addons.table() if name in wanted)


_VERSION_FIELDS = {field.alias or name: name for name, field in Versions.model_fields.items()}


def _describe(path: PathKey) -> str:
    if path[0] in ("serving", "notebooks", "pipelines") and len(path) >= 2:
        return f"{path[0].removesuffix('s')} '{path[1]}'"
    if path[0] == "models":
        return f"the training of model '{path[1]}'"
    if path[0] == "compute":
        return f"pool '{path[1]}'"
    return ".".join(str(p) for p in path)


def check(ctx: Context) -> None:
    stack = ctx.stack
    if stack.gitops is None or stack.gitops.addons == "none":
        return
    needed = uses(stack)
    installed = chosen(stack)
    if isinstance(stack.gitops.addons, list):
        for index, name in enumerate(stack.gitops.addons):
            if name in stack.gitops.addons[:index]:
                ctx.error(
                    "E0126",
                    f"add-on '{name}' is listed more than once",
                    (*ADDONS, index),
                    "list each add-on once",
                )
            elif name not in needed:
                ctx.warn(
                    "W0125",
                    f"gitops.addons installs '{name}', which nothing in this stack uses",
                    (*ADDONS, index),
                    "remove it (auto installs exactly what the stack uses), unless other "
                    "workloads on the cluster need it",
                )
        for name, path in needed.items():
            if name not in installed:
                via = [n for n in needed if name in addons.table()[n].requires]
                through = f" (for {' and '.join(via)})" if via else ""
                ctx.warn(
                    "W0126",
                    f"{_describe(path)} needs add-on '{name}'{through}, which gitops.addons "
                    "does not install: the cluster must run it already",
                    ADDONS,
                    f"add {name} to gitops.addons, or write gitops.addons: auto",
                )
    versions = stack.platform.kubernetes.versions
    for name in installed:
        addon = addons.table()[name]
        if addon.versions_key is None:
            continue
        declared = getattr(versions, _VERSION_FIELDS[addon.versions_key])
        if declared != addon.release:
            ctx.error(
                "E0127",
                f"add-on '{name}' installs release {addon.release}, but the output is written "
                f"for {declared} (platform.kubernetes.versions.{addon.versions_key})",
                ("platform", "kubernetes", "versions", addon.versions_key),
                f'declare "{addon.release}", or leave {name} out of gitops.addons and '
                f"install {declared} yourself",
            )
