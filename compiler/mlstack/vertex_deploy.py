"""The Vertex AI deploy step: what Terraform cannot do for a Vertex serving, done after apply.

The google provider (6.x to 8.x) creates the endpoint but has no resource for a model uploaded
from Cloud Storage nor for a model deployed to an endpoint (`deployed_models` is output only;
`google_vertex_ai_endpoint_with_model_garden_deployment` deploys Model Garden models to an
endpoint of its own, without a traffic split). So compile writes the wanted state of each
Vertex serving to `terraform/vertex/SERVING.deploy.json` (targets/terraform/gcp_serving.py), and
`mlstack vertex-deploy TERRAFORM_FOLDER` brings the endpoint there with gcloud, right after
`terraform apply` of the same environment (the shipped workflow's apply job runs it).

Idempotent by construction: the ids are derived from what they hold. A model's id hashes its
artifact and image, so it is uploaded only when absent; a deployed model's id hashes its model
and every deployment setting, so a change deploys a new one (at 0% beside the old), moves the
traffic to the wanted split, then undeploys what is no longer wanted: a rollout without a gap.
Run again, it describes and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

import click

FOLDER = "vertex"
SUFFIX = ".deploy.json"


class Model(TypedDict):
    modelId: str
    displayName: str
    artifactUri: str
    containerImageUri: str


class Deployed(TypedDict):
    deployedModelId: str
    displayName: str
    model: Model
    machineType: str
    accelerator: dict[str, Any] | None
    minReplicaCount: int
    maxReplicaCount: int
    serviceAccount: str
    autoscalingMetricSpecs: dict[str, int]
    traffic: int


class Deployment(TypedDict):
    project: str
    region: str
    endpoint: str
    deployedModels: list[Deployed]


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def model_id(model: str, artifact: str, image: str) -> str:
    """A Vertex model id (`[a-z0-9_-]`, a letter first, at most 63) for exactly this content."""
    return f"mlstack-{model[:30]}-{_digest(artifact, image)[:16]}"


def deployed_model_id(settings: dict[str, Any]) -> str:
    """A deployed model id (1-10 digits) for exactly these settings, no leading zero."""
    return str(1_000_000_000 + int(_digest(settings), 16) % 9_000_000_000)


def gcloud(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["gcloud", *args], capture_output=True, text=True, check=False)


def _must(args: list[str]) -> str:
    """stdout of a gcloud call that has to succeed; its error otherwise, and the step stops."""
    result = gcloud(args)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise click.ClickException(f"gcloud {' '.join(args[:3])} failed: {reason}")
    return result.stdout


def reconcile(wanted: Deployment) -> list[str]:
    """Bring one endpoint to `wanted`; returns what was changed, for the log."""
    where = [f"--region={wanted['region']}", f"--project={wanted['project']}"]
    done = [_upload(deployed["model"], where) for deployed in wanted["deployedModels"]]
    endpoint = wanted["endpoint"]
    state = json.loads(_must(["ai", "endpoints", "describe", endpoint, *where, "--format=json"]))
    present = [d["id"] for d in state.get("deployedModels", [])]
    split = {k: int(v) for k, v in (state.get("trafficSplit") or {}).items()}
    for deployed in wanted["deployedModels"]:
        if deployed["deployedModelId"] not in present:
            split = _deploy(endpoint, where, deployed, split)
            present.append(deployed["deployedModelId"])
            done.append(f"deployed {deployed['displayName']} as {deployed['deployedModelId']}")
    target = {d["deployedModelId"]: d["traffic"] for d in wanted["deployedModels"]}
    if _shares(split) != _shares(target):
        _must(["ai", "endpoints", "update", endpoint, *where, f"--traffic-split={_text(target)}"])
        done.append(f"traffic {_text(target)}")
    for stale in sorted(set(present) - set(target)):
        flag = f"--deployed-model-id={stale}"
        _must(["ai", "endpoints", "undeploy-model", endpoint, *where, flag])
        done.append(f"undeployed {stale}")
    return [change for change in done if change]


def _upload(model: Model, where: list[str]) -> str:
    """Upload the model unless its id (which hashes its content) is there already."""
    found = gcloud(["ai", "models", "describe", model["modelId"], *where, "--format=json"])
    if found.returncode == 0:
        return ""
    _must(
        [
            "ai", "models", "upload", *where,
            f"--model-id={model['modelId']}",
            f"--display-name={model['displayName']}",
            f"--artifact-uri={model['artifactUri']}",
            f"--container-image-uri={model['containerImageUri']}",
            "--labels=managed-by=mlstack",
        ]
    )  # fmt: skip
    return f"uploaded model {model['modelId']}"


def _deploy(
    endpoint: str, where: list[str], deployed: Deployed, split: dict[str, int]
) -> dict[str, int]:
    """Deploy beside what serves now; returns the split after it. The first model of an empty
    endpoint takes all traffic (a split adds up to 100); later ones arrive at 0%, and the
    wanted split is set once all are there."""
    new = deployed["deployedModelId"]
    traffic = f"0=0,{_text(split)}" if split else "0=100"
    flags = [*_deploy_flags(deployed), f"--traffic-split={traffic}"]
    _must(["ai", "endpoints", "deploy-model", endpoint, *where, *flags])
    return {**split, new: 0} if split else {new: 100}


def _shares(split: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in split.items() if v}


def _text(split: dict[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(split.items()))


def _deploy_flags(deployed: Deployed) -> list[str]:
    flags = [
        f"--model={deployed['model']['modelId']}",
        f"--deployed-model-id={deployed['deployedModelId']}",
        f"--display-name={deployed['displayName']}",
        f"--machine-type={deployed['machineType']}",
        f"--min-replica-count={deployed['minReplicaCount']}",
        f"--max-replica-count={deployed['maxReplicaCount']}",
        f"--service-account={deployed['serviceAccount']}",
    ]
    if deployed["accelerator"]:
        accelerator = deployed["accelerator"]
        flags.append(f"--accelerator=type={accelerator['type']},count={accelerator['count']}")
    if deployed["autoscalingMetricSpecs"]:
        specs = ",".join(f"{k}={v}" for k, v in sorted(deployed["autoscalingMetricSpecs"].items()))
        flags.append(f"--autoscaling-metric-specs={specs}")
    return flags


@click.command(name="vertex-deploy")
@click.argument(
    "folder", type=click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)
)
def command(folder: Path) -> None:
    """Deploy an environment's Vertex AI servings to their endpoints.

    FOLDER is the environment's compiled terraform/ folder; run it after `terraform apply`
    of that folder, with gcloud logged in as an identity that may upload and deploy models
    (roles/aiplatform.user) and act as the servings' service accounts. It reads
    vertex/*.deploy.json, uploads the models not yet uploaded, deploys what changed, sets the
    traffic split and undeploys what is no longer wanted; run again, it changes nothing.
    Without Vertex servings it does nothing.
    """
    for path in sorted((folder / FOLDER).glob(f"*{SUFFIX}")):
        wanted: Deployment = json.loads(path.read_text())
        changes = reconcile(wanted)
        name = path.name.removesuffix(SUFFIX)
        click.echo(f"{name}: " + ("; ".join(changes) if changes else "up to date"))
