"""The Kubernetes target: `Plan` -> `kubernetes/*.yaml` + `kustomization.yaml`, through cdk8s.

Each module below returns `Manifest`s for one concern; this module adds the common
metadata, passes every object through cdk8s once, and writes one file per object with a
stable name, listed (exactly) in kustomization.yaml, whose `patches` (the spec's escape
hatch) kustomize applies over them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from mlstack.plan import Plan
from mlstack.targets import Artifact, yaml_out
from mlstack.targets.kubernetes import (
    alertmanager_config,
    azure_client_ids,
    dashboards,
    drift,
    features,
    identity,
    kserve,
    mlflow_server,
    monitoring,
    monitoring_rules,
    namespace,
    network,
    notebooks,
    patches,
    pipelines,
    plain,
    routes,
    seldon,
    tofu,
    training,
)
from mlstack.targets.kubernetes.meta import Manifest, full_object
from mlstack.targets.kubernetes.synth import synthesize

BUILDERS: tuple[Callable[[Plan], list[Manifest]], ...] = (
    namespace.build,
    network.build,
    identity.build,
    kserve.build,
    mlflow_server.build,
    notebooks.build,
    features.build,
    plain.build,
    routes.build,
    seldon.build,
    monitoring.build,
    monitoring_rules.build,
    alertmanager_config.build,
    dashboards.build,
    drift.build,
    training.build,
    pipelines.build,
    tofu.build,
)

FOLDER = "kubernetes"


def with_pull_secrets(plan: Plan, obj: dict[str, Any]) -> dict[str, Any]:
    """`platform.kubernetes.imagePullSecrets` on every ServiceAccount, in one place: the
    kubelet adds a pod's ServiceAccount's pull secrets to the pod, so no module that builds
    pods (or adds an account) can leave one out."""
    secrets = plan.spec.platform.kubernetes.image_pull_secrets
    if obj["kind"] != "ServiceAccount" or not secrets:
        return obj
    return {**obj, "imagePullSecrets": [{"name": name} for name in secrets]}


def compile_plan(plan: Plan) -> Iterator[Artifact]:
    """One file per object, yielded as cdk8s returns it (a large stack's files are written
    while later ones are built), then the kustomization listing them all."""
    names: list[str] = []
    generated: list[patches.ObjectId] = []

    def objects() -> Iterator[dict[str, Any]]:
        """Built one builder at a time and dropped once serialized: a large stack's
        manifests are never all in memory beside their output."""
        for build in BUILDERS:
            for manifest in build(plan):
                names.append(manifest.file_name)
                obj = tofu.with_client_ids(plan, full_object(plan, manifest))
                obj = with_pull_secrets(plan, obj)
                generated.append(patches.ObjectId.of(obj))
                yield obj

    written: set[str] = set()
    for index, obj in enumerate(synthesize(objects())):
        if names[index] in written:
            raise AssertionError(f"two objects would be written to {names[index]}")
        written.add(names[index])
        yield Artifact(f"{FOLDER}/{names[index]}", yaml_out.dump(obj))
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(written),
        **azure_client_ids.kustomization_fields(plan),
        **patches.kustomization_patches(plan, generated),
    }
    yield Artifact(f"{FOLDER}/kustomization.yaml", yaml_out.dump(kustomization))
