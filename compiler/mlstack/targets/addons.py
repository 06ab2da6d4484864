"""`gitops.addons` -> `argocd/platform/CLUSTER/`: an Argo CD Application per cluster add-on the
environment installs (`Plan.addons`, decided in resolve/addons.py), and the cluster objects
mlstack's output needs from that add-on, under `argocd/platform/CLUSTER/ADDON/`.

These are shared: every environment deployed to one cluster that installs an add-on writes
the same bytes for it (no stack, environment or source in them), and `mlstack publish` merges
the `argocd/platform/` of every environment on the deploy branch into its `platform/` folder
(gitops/platform.py), one file per object, refusing two environments that want one object
different. So each shared object has one owner: the add-on's Application, in the platform
app-of-apps, whichever stack published last.

Order: an add-on's Application is in the sync wave after those of the add-ons it requires
(cert-manager before KServe), and Argo CD's Application health check (gitops/health.py) makes
each wave wait until the previous one is Healthy. Inside an Application, mlstack's objects
(the ClusterStorageContainer, the KnativeServing) are in wave 1, after the chart's CRDs and
controllers. No finalizer and no prune: deleting an add-on's Application must not delete the
operator (and, with its CRDs, every custom resource of every stack) as a side effect.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mlstack import addons, names
from mlstack.addons import DEPLOY_FOLDER, PLATFORM
from mlstack.plan import Plan
from mlstack.resolve.references import enabled
from mlstack.spec.gitops import IN_CLUSTER_SERVER, Destination
from mlstack.spec.uris import scheme_of
from mlstack.targets import Artifact, yaml_out
from mlstack.targets.kubernetes.model_fetch import MLFLOW
from mlstack.targets.kubernetes.tracking import MLFLOW_PORT
from mlstack.targets.labels import MANAGED_BY, SYNC_WAVE

ADDON_LABEL = "mlstack.dev/addon"


def cluster(destination: Destination) -> str:
    """The folder (and name suffix) of a destination cluster: `in-cluster` (Argo CD's name
    for the cluster it runs in), a registered cluster's name, or its API server's host."""
    if destination.server == IN_CLUSTER_SERVER:
        return "in-cluster"
    text = destination.name or re.sub(r"^https://", "", destination.server or "")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].rstrip("-")


def application_name(addon: str, where: str) -> str:
    return f"addon-{addon}-{where}"[:63].rstrip("-")


def _wave(addon: str) -> int:
    """0 for an add-on that requires none, else one more than its deepest requirement."""
    required = addons.table()[addon].requires
    return 1 + max(_wave(r) for r in required) if required else 0


def _labels(addon: str) -> dict[str, str]:
    return {**MANAGED_BY, ADDON_LABEL: addon}


def _mlflow_models(plan: Plan) -> list[dict[str, Any]]:
    """A ClusterStorageContainer for `models:/` URIs, when a KServe serving reads one: KServe's
    own storage initializer has no MLflow registry client. KServe runs this container as the
    predictor's init container with the arguments (URI, /mnt/models)
    (pkg/webhook/admission/pod/storage_initializer_injector.go, v0.20.0), under the
    predictor's ServiceAccount, so it reads the artifact store with the serving's grant.

    A deployed MLflow is addressed by its Service's short name, which resolves in the pod's
    own namespace: every stack that deploys MLflow gets the same object. An external MLflow
    is its URI; two stacks on one cluster with different external servers cannot share one
    `models:/` prefix, and publish says so."""
    models = plan.spec.models
    uris = [
        models[m].uri
        for s in enabled(plan.spec.serving).values()
        if s.runtime == "kserve"
        for m in (s.model, *([s.canary.model] if s.canary else []))
        if m in models
    ]
    mlflow = plan.spec.tracking.mlflow
    if mlflow is None or not any(scheme_of(u) == "models" for u in uris):
        return []
    tracking = f"http://{names.MLFLOW}:{MLFLOW_PORT}" if mlflow.deploy else mlflow.uri
    script = 'exec mlflow artifacts download --artifact-uri "$1" --dst-path "$2"'
    return [
        {
            "apiVersion": "serving.kserve.io/v1alpha1",
            "kind": "ClusterStorageContainer",
            "metadata": {"name": "mlflow-models"},
            "spec": {
                "container": {
                    "name": "storage-initializer",
                    "image": MLFLOW,
                    "command": ["sh", "-c", script, "download"],
                    "env": [
                        {"name": "MLFLOW_TRACKING_URI", "value": tracking},
                        {"name": "HOME", "value": "/tmp"},
                    ],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "512Mi"},
                        "limits": {"cpu": "1", "memory": "2Gi"},
                    },
                },
                "supportedUriFormats": [{"prefix": "models:/"}],
                "workloadType": "initContainer",
            },
        }
    ]


def _knative_serving() -> list[dict[str, Any]]:
    """Knative Serving itself, through the operator the add-on installs, with the request
    metrics KServe's Knative-mode alerts and dashboards read (config-observability)."""
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "knative-serving"}},
        {
            "apiVersion": "operator.knative.dev/v1beta1",
            "kind": "KnativeServing",
            "metadata": {"name": "knative-serving", "namespace": "knative-serving"},
            "spec": {"config": {"observability": {"request-metrics-protocol": "prometheus"}}},
        },
    ]


def objects(plan: Plan, addon: str) -> list[dict[str, Any]]:
    """The cluster objects mlstack needs from `addon`, beyond what its charts install."""
    if addon == "kserve":
        documents = _mlflow_models(plan)
    elif addon == "knative":
        documents = _knative_serving()
    else:
        documents = []
    for document in documents:
        metadata = document["metadata"]
        metadata["labels"] = _labels(addon)
        metadata["annotations"] = {SYNC_WAVE: "1"}
    return documents


def _source(source: addons.Source) -> dict[str, Any]:
    """A git folder, a chart of a Helm repository, or a chart in an OCI registry as Argo CD
    3.1's native OCI source (`oci://REGISTRY/PATH/CHART`, `path: .`), which needs no
    repository registered in Argo CD for a public registry (Argo CD's user guide, "OCI")."""
    out: dict[str, Any] = {"repoURL": source.repo_url, "targetRevision": source.target_revision}
    if source.chart is None:
        out["path"] = source.path
        return out
    if source.repo_url.startswith("oci://"):
        out["repoURL"] = f"{source.repo_url}/{source.chart}"
        out["path"] = "."
    else:
        out["chart"] = source.chart
    # The release is named after its chart: the Service names mlstack's output calls
    # (kube-prometheus-stack-prometheus, prometheus-pushgateway) and the `release` label
    # Prometheus selects by come from it.
    helm: dict[str, Any] = {"releaseName": source.chart}
    if source.values:
        helm["valuesObject"] = json.loads(source.values)
    out["helm"] = helm
    return out


def application(plan: Plan, addon: str, with_objects: bool) -> dict[str, Any]:
    gitops = plan.spec.gitops
    assert gitops is not None
    entry = addons.table()[addon]
    where = cluster(gitops.argocd.destination)
    sources = [_source(s) for s in entry.sources]
    if with_objects:
        sources.append(
            {
                "repoURL": gitops.repo,
                "targetRevision": gitops.branch,
                "path": f"{DEPLOY_FOLDER}/{where}/{addon}",
            }
        )
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": application_name(addon, where),
            "namespace": gitops.argocd.namespace,
            "labels": _labels(addon),
            "annotations": {SYNC_WAVE: str(_wave(addon))},
        },
        "spec": {
            "project": "default",
            "sources": sources,
            "destination": {
                **gitops.argocd.destination.model_dump(exclude_none=True),
                "namespace": entry.namespace,
            },
            "syncPolicy": {
                "automated": {"prune": False, "selfHeal": True},
                "syncOptions": [
                    "CreateNamespace=true",
                    "ServerSideApply=true",
                    "SkipDryRunOnMissingResource=true",
                ],
                "retry": {
                    "limit": 10,
                    "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"},
                },
            },
        },
    }


def _file(document: dict[str, Any]) -> str:
    return f"{document['kind'].lower()}-{document['metadata']['name']}.yaml"


def compile_plan(plan: Plan) -> list[Artifact]:
    if plan.spec.gitops is None or not plan.addons:
        return []
    where = cluster(plan.spec.gitops.argocd.destination)
    artifacts: list[Artifact] = []
    for addon in plan.addons:
        documents = objects(plan, addon)
        folder = f"{PLATFORM}/{where}/{addon}"
        app = application(plan, addon, with_objects=bool(documents))
        artifacts.append(Artifact(f"{folder}.yaml", yaml_out.dump(app)))
        if documents:
            files = sorted(_file(d) for d in documents)
            for document in documents:
                artifacts.append(Artifact(f"{folder}/{_file(document)}", yaml_out.dump(document)))
            kustomization = {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": files,
            }
            artifacts.append(Artifact(f"{folder}/kustomization.yaml", yaml_out.dump(kustomization)))
    return sorted(artifacts, key=lambda a: a.path)
