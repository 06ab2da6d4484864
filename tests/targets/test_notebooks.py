"""Kubeflow Notebooks of every stack: a persistent home for jovyan, the images' uid/gid,
placement on the pool, the tracking env and the notebook's own ServiceAccount."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from mlstack.pipeline import check
from mlstack.plan import Plan
from mlstack.targets.kubernetes import notebooks
from mlstack.targets.kubernetes.meta import full_object
from tests.helpers import SPECS
from tests.targets.schemas import problems


@cache
def _plans() -> dict[str, Plan]:
    return {f"{p.stack}-{p.environment}": p for path in SPECS for p in check(path).plans}


def _objects(plan_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    plan = _plans()[plan_id]
    return {(m.kind, m.name): full_object(plan, m) for m in notebooks.build(plan)}


CASES = [
    ("edge-default", "plant-lab", "50Gi", "cpu", 0),
    ("fraud-prod", "research", "20Gi", "cpu", 0),
    ("vision-prod", "vision-lab", "100Gi", "gpua100", 1),
]


@pytest.mark.parametrize(("plan_id", "name", "size", "pool", "gpu"), CASES)
def test_notebook_and_its_workspace(
    plan_id: str, name: str, size: str, pool: str, gpu: int
) -> None:
    objects = _objects(plan_id)
    claim = objects[("PersistentVolumeClaim", f"{name}-workspace")]
    assert claim["spec"] == {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
    }
    notebook = objects[("Notebook", name)]
    pod = notebook["spec"]["template"]["spec"]
    [container] = pod["containers"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    home = next(m for m in container["volumeMounts"] if m["mountPath"] == "/home/jovyan")
    assert volumes[home["name"]]["persistentVolumeClaim"] == {"claimName": f"{name}-workspace"}
    assert pod["securityContext"]["runAsUser"] == 1000
    assert pod["securityContext"]["runAsGroup"] == 100
    assert pod["securityContext"]["fsGroup"] == 100
    assert pod["nodeSelector"]["mlstack.dev/pool"] == pool
    assert pod["serviceAccountName"] == f"notebook-{name}"
    assert container["resources"]["requests"] == container["resources"]["limits"]
    assert container["resources"]["limits"].get("nvidia.com/gpu") == (str(gpu) if gpu else None)
    if gpu:
        assert {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present",
                "effect": "NoSchedule"} in pod["tolerations"]  # fmt: skip
        assert volumes["dshm"]["emptyDir"] == {"medium": "Memory"}
    assert notebook["metadata"]["labels"]["app.kubernetes.io/component"] == "notebook"
    assert notebook["metadata"]["labels"]["app.kubernetes.io/name"] == name
    version = _plans()[plan_id].spec.platform.kubernetes.version
    assert problems(notebook, version) == [] and problems(claim, version) == []


def test_tracking_env_and_wandb_key_from_secret() -> None:
    pod = _objects("fraud-prod")[("Notebook", "research")]["spec"]["template"]["spec"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["MLFLOW_TRACKING_URI"]["value"] == "http://mlflow.fraud.svc.cluster.local:5000"
    assert env["WANDB_API_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "wandb-api-key"


def test_secure_container_and_no_api_token() -> None:
    pod = _objects("edge-default")[("Notebook", "plant-lab")]["spec"]["template"]["spec"]
    security = pod["containers"][0]["securityContext"]
    assert pod["automountServiceAccountToken"] is False
    assert security["runAsNonRoot"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert pod["containers"][0]["envFrom"] == [{"secretRef": {"name": "minio-credentials"}}]


def test_azure_workload_identity_label_reaches_the_pod() -> None:
    """The controller copies the Notebook's labels onto the pod."""
    notebook = _objects("vision-prod")[("Notebook", "vision-lab")]
    assert notebook["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    assert (
        "azure.workload.identity/use"
        not in (_objects("fraud-prod")[("Notebook", "research")]["metadata"]["labels"])
    )


def test_no_notebooks_no_objects() -> None:
    assert notebooks.build(_plans()["recsys-prod"]) == []
