"""notebooks.N -> a Kubeflow Notebook (kubeflow.org/v1) + its `N-workspace` PersistentVolumeClaim.

The Kubeflow notebook controller turns the Notebook into a StatefulSet and a Service named N;
it copies the Notebook's labels onto the pod, so the selector and workload-identity labels go
on the Notebook itself. The example images (kubeflownotebookswg/*) run as `jovyan`, uid 1000,
group `users` (gid 100), with HOME=/home/jovyan; the controller defaults fsGroup to 100
(notebook_controller.go, DefaultFSGroup) and the port to 8888. The home directory is the PVC,
so work survives restarts and image upgrades.
"""

from __future__ import annotations

from typing import Any

from mlstack.plan import Plan
from mlstack.spec.notebooks import Notebook
from mlstack.targets.kubernetes import identity, pods
from mlstack.targets.kubernetes.meta import Manifest, selector_labels
from mlstack.targets.kubernetes.tracking import tracking_env

COMPONENT = "notebook"
JOVYAN_UID = 1000
USERS_GID = 100
HOME = "/home/jovyan"
PORT = 8888


def workspace_claim(name: str) -> str:
    return f"{name}-workspace"


def _pod_security() -> dict[str, Any]:
    """uid 1000 / gid 100 as the images expect; fsGroup 100 makes the PVC writable for them."""
    return {**pods.pod_security(JOVYAN_UID), "runAsGroup": USERS_GID, "fsGroup": USERS_GID}


def _container(plan: Plan, name: str, notebook: Notebook) -> dict[str, Any]:
    mounts = [{"name": "workspace", "mountPath": HOME}]
    if notebook.resources.gpu:
        mounts.append({"name": "dshm", "mountPath": "/dev/shm"})
    container: dict[str, Any] = {
        # The controller reads the first container (port, NB_PREFIX, workingDir).
        "name": name,
        "image": notebook.image,
        "ports": [{"name": "notebook-port", "containerPort": PORT, "protocol": "TCP"}],
        "resources": pods.resources(notebook.resources),
        # Writable root: the images' s6-overlay init (/init) writes under /run at start,
        # and `pip install` / `conda install` into the image's environment is what a notebook
        # is for. Everything else stays locked down (non-root, no escalation, no capabilities).
        "securityContext": pods.container_security(read_only_root=False),
        "volumeMounts": mounts,
    }
    env = tracking_env(plan)
    if env:
        container["env"] = env
    return pods.with_storage(plan, container)


def _notebook(plan: Plan, name: str, notebook: Notebook) -> Manifest:
    workload = plan.workload("notebook", name)
    volumes: list[dict[str, Any]] = [
        {"name": "workspace", "persistentVolumeClaim": {"claimName": workspace_claim(name)}}
    ]
    if notebook.resources.gpu:
        # PyTorch DataLoader workers share batches through /dev/shm, 64Mi by default.
        volumes.append({"name": "dshm", "emptyDir": {"medium": "Memory"}})
    spec: dict[str, Any] = {
        "serviceAccountName": workload.service_account,
        # A notebook reads storage through its cloud identity, never the Kubernetes API.
        "automountServiceAccountToken": False,
        "securityContext": _pod_security(),
        "containers": [_container(plan, name, notebook)],
        "volumes": volumes,
        **pods.placement(plan, notebook.pool),
    }
    return Manifest(
        "kubeflow.org/v1",
        "Notebook",
        name,
        {"spec": {"template": {"spec": spec}}},
        ("notebooks", name),
        labels={**selector_labels(COMPONENT, name), **identity.pod_labels(plan, workload)},
    )


def _claim(name: str, notebook: Notebook) -> Manifest:
    body = {
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": notebook.volume}},
        }
    }
    return Manifest(
        "v1",
        "PersistentVolumeClaim",
        workspace_claim(name),
        body,
        ("notebooks", name, "volume"),
        labels=selector_labels(COMPONENT, name),
    )


def build(plan: Plan) -> list[Manifest]:
    out: list[Manifest] = []
    for name, notebook in plan.spec.notebooks.items():
        out += [_claim(name, notebook), _notebook(plan, name, notebook)]
    return out
