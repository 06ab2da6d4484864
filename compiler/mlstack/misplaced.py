"""Kubernetes keys written where the spec does not take them: where they go instead.

People who know Kubernetes write its pod and object keys into the spec (`imagePullSecrets`,
`nodeSelector` under a serving). A did-you-mean to some spec key that merely looks alike
(`storageSecret`) sends them the wrong way; the right answer is where mlstack takes that
setting, or that `platform.kubernetes.patches` is the way for what it does not model.
"""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.spec.serving import IN_CLUSTER

PATCHES = (
    "mlstack does not set it; write it as a patch of the generated object under "
    "platform.kubernetes.patches (see docs/reference.md#patch)"
)

_ELSEWHERE = "only a serving takes '{key}' (serving.NAME.{key}); elsewhere, " + PATCHES

_WHERE: dict[str, str] = {
    "imagePullSecrets": "every pod of the stack pulls with platform.kubernetes.imagePullSecrets",
    "image_pull_secrets": "every pod of the stack pulls with platform.kubernetes.imagePullSecrets",
    "nodeSelector": "a workload's nodes are its pool's: set 'pool:' to a compute pool, whose "
    "labels mlstack selects on",
    "affinity": "a workload's nodes are its pool's: set 'pool:'; for anything more, " + PATCHES,
    "namespace": "every object is in platform.kubernetes.namespace",
    "serviceAccountName": "mlstack creates each workload's ServiceAccount with its cloud "
    "identity; " + PATCHES,
    "securityContext": PATCHES,
    "volumes": PATCHES,
    "volumeMounts": PATCHES,
    "hostNetwork": PATCHES,
    "sidecars": PATCHES,
    "initContainers": PATCHES,
    "containers": PATCHES,
    "livenessProbe": "probes follow the runtime (its port and health path); " + PATCHES,
    "readinessProbe": "probes follow the runtime (its port and health path); " + PATCHES,
}

_SERVING_FIELDS = ("env", "labels", "annotations", "tolerations", "priorityClassName")


_CLOUD_SERVING = (
    "'{key}' sets the serving's pods, which only in-cluster runtimes have ("
    + ", ".join(IN_CLUSTER)
    + "); this serving runs on its cloud's service"
)


_PREDICTOR_FIELDS = ("runtimeVersion", "protocolVersion", "timeout", "logger", "batcher")
"""KServe's predictor keys, which mlstack takes under serving.NAME.kserve."""

_IN_SERVING: dict[str, str] = {
    "ingress": "'ingress' routes a host to the serving's pods in the cluster, which only "
    "in-cluster runtimes have (" + ", ".join(IN_CLUSTER) + "); this serving is called at its "
    "cloud endpoint's own URL",
    "kserve": "'kserve' holds InferenceService settings: only runtime: kserve takes it",
    **{
        key: f"KServe's '{key}' goes under serving.NAME.kserve (runtime: kserve only)"
        for key in _PREDICTOR_FIELDS
    },
}


def hint(key: str, parent: PathKey) -> str | None:
    """Where a Kubernetes key goes, or None for a key Kubernetes does not have. Called for
    unknown keys only: a pod field unknown under a serving is one of a cloud runtime."""
    in_serving = parent[:1] == ("serving",) and len(parent) == 2
    if in_serving and key in _IN_SERVING:
        return _IN_SERVING[key]
    if key in _SERVING_FIELDS:
        return _CLOUD_SERVING.format(key=key) if in_serving else _ELSEWHERE.format(key=key)
    return _WHERE.get(key)
