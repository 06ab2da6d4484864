"""Argo CD health checks for the custom resources mlstack emits that Argo CD has none for.

Argo CD treats a kind without a health check as healthy the moment it exists, so a sync wave
would not wait for it: the tofu-controller `Terraform` (wave -1) would let the workloads go
before the apply, a Seldon `Server` would be "healthy" while it cannot schedule. Argo CD
v3.5 ships checks for InferenceService, CronWorkflow, WorkflowTemplate and GitRepository
(its `resource_customizations/`), and one for Gateway API's HTTPRoute
(`gateway.networking.k8s.io/HTTPRoute/health.lua`: Accepted, ResolvedRefs and Programmed of
each parent), so those are left to it; the rest get one here.

They are Lua (Argo CD's gopher-lua, Lua 5.1), given as `resource.customizations.health.
GROUP_KIND` keys of `argocd-cm`. Publish writes that ConfigMap, only those keys, to
`apps/argocd-cm.health.yaml`, which the root Application applies with server-side apply: the
keys are owned by the root, the rest of `argocd-cm` stays with whoever installed Argo CD. The
name has a dot, which no stack name has, so it never clashes with `apps/STACK.yaml`.

The root applies it in wave -2, before the platform app-of-apps (-1, gitops/platform.py) and
the environments (0). Argo CD 1.8 removed its health check of Applications, so without one
here an app-of-apps would call every child Healthy at once and its waves would not wait
(Argo CD's operator manual, "Resource Health", "Argocd App", still so in 3.5): the
`argoproj.io_Application` check below restores it, so the environments wait for the
add-ons and each add-on for the ones it requires.
"""

from __future__ import annotations

from mlstack.targets import yaml_out
from mlstack.targets.labels import MANAGED_BY, SYNC_WAVE

FILE = "argocd-cm.health.yaml"

_HEAD = """local hs = {status = "Progressing", message = "Waiting for the controller"}
if obj.status == nil then return hs end
if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  hs.message = "Waiting for the controller to observe the change"
  return hs
end
"""

_READY = (
    _HEAD
    + """if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Suspended"
  return hs
end
for _, c in ipairs(obj.status.conditions or {}) do
  if c.type == "Ready" then
    if c.status == "True" then hs.status = "Healthy"
    elseif c.status == "False" then hs.status = "Degraded" end
    hs.message = c.message or c.reason or ""
  end
end
return hs
"""
)
"""A `Ready` condition, as Flux controllers, Seldon, KServe and Knative set it."""

_JOB = (
    _HEAD
    + """local last = nil
for _, c in ipairs(obj.status.conditions or {}) do
  if c.status == "True" then last = c end
end
if last == nil then return hs end
hs.message = last.message or last.reason or last.type
if last.type == "Succeeded" or last.type == "Complete" then hs.status = "Healthy"
elseif last.type == "Failed" then hs.status = "Degraded"
elseif last.type == "Suspended" then hs.status = "Suspended" end
return hs
"""
)
"""A training job: the last condition that holds (Kubeflow's v1 jobs: Created, Running,
Restarting, Succeeded, Failed; Trainer's TrainJob: Suspended, Complete, Failed). Running is
Progressing, as Argo CD says of a running batch Job."""

_NOTEBOOK = (
    _HEAD
    + """if obj.metadata.annotations ~= nil
    and obj.metadata.annotations["kubeflow-resource-stopped"] ~= nil then
  hs.status = "Suspended"
  hs.message = "Stopped"
  return hs
end
if (obj.status.readyReplicas or 0) >= 1 then
  hs.status = "Healthy"
  hs.message = "Running"
end
return hs
"""
)
"""A Kubeflow Notebook: ready once its server pod is; stopped by its culling annotation."""

_APPLICATION = """local hs = {status = "Progressing", message = ""}
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  hs.message = obj.status.health.message or ""
end
return hs
"""
"""An Argo CD Application: the health Argo CD computed for it."""

CHECKS: dict[str, str] = {
    "argoproj.io_Application": _APPLICATION,
    "infra.contrib.fluxcd.io_Terraform": _READY,
    "mlops.seldon.io_Model": _READY,
    "mlops.seldon.io_Server": _READY,
    "mlops.seldon.io_Experiment": _READY,
    "mlops.seldon.io_SeldonRuntime": _READY,
    "serving.kserve.io_InferenceGraph": _READY,
    "serving.knative.dev_DomainMapping": _READY,
    "kubeflow.org_PyTorchJob": _JOB,
    "kubeflow.org_TFJob": _JOB,
    "trainer.kubeflow.org_TrainJob": _JOB,
    "kubeflow.org_Notebook": _NOTEBOOK,
}
"""`GROUP_KIND` (Argo CD's key form) -> Lua health script."""


def configmap(namespace: str) -> bytes:
    """The health keys of `argocd-cm` in Argo CD's namespace."""
    return yaml_out.dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "argocd-cm",
                "namespace": namespace,
                "labels": {**MANAGED_BY, "app.kubernetes.io/part-of": "argocd"},
                "annotations": {SYNC_WAVE: "-2"},
            },
            "data": {
                f"resource.customizations.health.{key}": script
                for key, script in sorted(CHECKS.items())
            },
        }
    )
