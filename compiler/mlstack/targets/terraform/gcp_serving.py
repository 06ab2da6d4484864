"""Vertex AI and Cloud Run servings.

Vertex: the google provider (6.x to 8.x) has `google_vertex_ai_endpoint` but no resource for
a model uploaded from Cloud Storage nor for a model deployed to an endpoint (the endpoint's
`deployed_models` is output only, and its `traffic_split` maps deployed model ids that exist
only after a deployment), so Terraform creates the endpoint and a serving service account that
reads exactly the model's (and the canary's) location, and `vertex/SERVING.deploy.json` holds
the deployment that `mlstack vertex-deploy` (mlstack.vertex_deploy) applies after Terraform:
each model with the prebuilt prediction image for its framework (Vertex AI "Prebuilt
containers for inference": `{us,europe,asia}-docker.pkg.dev/vertex-ai/prediction/FRAMEWORK-
{cpu,gpu}.VERSION:latest`, newest supported versions) or the serving's image, on its machine
type and accelerator, between the replica bounds, at the CPU target, as the serving account,
at its share of the traffic (the primary 100 - canary). The endpoint id (`name`) must be
numeric, at most 10 digits, no leading zero: it is derived from a hash of
project/stack/environment/serving, so it is stable.

Cloud Run: a v2 service running the serving image with MODEL_URI in its environment, memory
from resources.memory (and the CPU count Cloud Run requires for it), instances between
replicas.min and replicas.max, per-instance concurrency from `autoscaling` (metric
concurrency), its own service account with the model grants. The service only answers
IAM-authenticated callers (ingress all, invoker IAM on); gcp_invokers grants them
`roles/run.invoker` (`invokers`, default the stack's own workloads).
"""

from __future__ import annotations

import hashlib
import json

from mlstack import runtimes
from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.runtimes import vertex
from mlstack.spec.platform import GcpCloud
from mlstack.spec.serving import CloudRunServing, VertexServing
from mlstack.spec.types import quantity_value
from mlstack.targets.terraform.blocks import Block, File, Note, resource, tf_name
from mlstack.targets.terraform.gcp_attrs import CloudRunV2Service, RunTemplate, VertexAiEndpoint
from mlstack.targets.terraform.gcp_cluster import gcp_cloud, scoped
from mlstack.targets.terraform.gcp_identity import (
    bucket_grants,
    service_account,
    serving_account,
)
from mlstack.vertex_deploy import FOLDER, SUFFIX, Deployed, Deployment, deployed_model_id, model_id
from mlstack.vertex_deploy import Model as VertexModel

RUN_NAME_LIMIT = 49
"""Cloud Run service names: at most 49 characters."""
RUN_CPU = ((4, 1), (8, 2), (16, 4), (24, 6), (32, 8))
"""(memory GiB up to, minimum CPUs): Cloud Run's memory limits need this many CPUs."""


def registry(region: str) -> str:
    """The Artifact Registry multi-region nearest the stack's region."""
    if region.startswith("europe"):
        return "europe-docker.pkg.dev"
    if region.startswith(("asia", "australia", "me-")):
        return "asia-docker.pkg.dev"
    return "us-docker.pkg.dev"


def prebuilt_image(framework: str, region: str, gpu: bool) -> str | None:
    found = vertex.IMAGES.get(framework)
    if found is None:
        return None
    name, cpu, gpu_version = found
    kind, version = ("gpu", gpu_version) if gpu and gpu_version else ("cpu", cpu)
    return f"{registry(region)}/vertex-ai/prediction/{name}-{kind}.{version}:latest"


def endpoint_id(project: str, stack: str, environment: str, serving: str) -> str:
    """A stable 10-digit endpoint id without a leading zero."""
    digest = hashlib.sha256("/".join((project, stack, environment, serving)).encode()).hexdigest()
    return str(1_000_000_000 + int(digest, 16) % 9_000_000_000)


def _serving_account(
    plan: Plan, cloud: GcpCloud, runtime: str, name: str, path: PathKey
) -> tuple[str, list[Block]]:
    """The service account resolve decided for a cloud serving, with the bucket grants of
    exactly its models; returns its email."""
    decided = plan.cloud_role(runtime, name)
    account_id, prefix = decided.identity, runtimes.get(runtime).identity
    assert account_id is not None and prefix is not None
    block = serving_account(prefix, name)
    account = service_account(block, account_id, f"{prefix} serving {name}", path)
    member = f"serviceAccount:{account.ref('email')}"
    email = f"{account_id}@{cloud.project}.iam.gserviceaccount.com"
    return email, [account, *bucket_grants(block, member, decided.grants, path)]


def _vertex(
    plan: Plan, cloud: GcpCloud, name: str, serving: VertexServing
) -> list[Block | Note | File]:
    path: PathKey = ("serving", name)
    email, account = _serving_account(plan, cloud, "vertex", name, path)
    endpoint = endpoint_id(cloud.project, plan.stack, plan.environment, name)
    body: VertexAiEndpoint = {
        "name": endpoint,
        "display_name": scoped(plan, name, 128),
        "description": f"mlstack serving {name} of stack {plan.stack} ({plan.environment})",
        "location": cloud.region,
    }
    wanted: Deployment = {
        "project": cloud.project,
        "region": cloud.region,
        "endpoint": endpoint,
        "deployedModels": [
            _deployed(plan, cloud, serving, role, model, traffic, email)
            for role, model, traffic in _split(serving)
        ],
    }
    text = json.dumps(wanted, indent=2, sort_keys=True) + "\n"
    return [
        *account,
        resource("google_vertex_ai_endpoint", tf_name(name), body, path),
        File(f"{FOLDER}/{name}{SUFFIX}", text.encode(), path),
    ]


def _split(serving: VertexServing) -> list[tuple[str, str, int]]:
    """(role, model, percent of traffic): the primary keeps what the canary does not take."""
    if serving.canary is None:
        return [("primary", serving.model, 100)]
    canary = serving.canary
    return [
        ("primary", serving.model, 100 - canary.traffic),
        ("canary", canary.model, canary.traffic),
    ]


def _deployed(
    plan: Plan,
    cloud: GcpCloud,
    serving: VertexServing,
    role: str,
    model: str,
    traffic: int,
    email: str,
) -> Deployed:
    """One deployed model: the model (uploaded from its gs:// folder with the serving image)
    on the serving's machines, replicas, CPU target and service account."""
    spec = plan.spec.models[model]
    image = serving.image or prebuilt_image(
        spec.framework, cloud.region, serving.accelerator is not None
    )
    assert image is not None, "resolve requires an image where no prebuilt one exists (E0706)"
    uploaded: VertexModel = {
        "modelId": model_id(model, spec.uri, image),
        "displayName": model,
        "artifactUri": spec.uri,
        "containerImageUri": image,
    }
    accelerator = serving.accelerator
    deployed: Deployed = {
        "deployedModelId": "",
        "displayName": role,
        "model": uploaded,
        "machineType": serving.instance_type or "",
        "accelerator": {"type": accelerator.type, "count": accelerator.count}
        if accelerator
        else None,
        "minReplicaCount": serving.replicas.min,
        "maxReplicaCount": serving.replicas.max,
        "serviceAccount": email,
        "autoscalingMetricSpecs": {"cpu-usage": int(serving.autoscaling.target)}
        if serving.autoscaling
        else {},
        "traffic": traffic,
    }
    # Everything but the traffic share: a new share is a split update, not a redeployment.
    settings = {k: v for k, v in deployed.items() if k not in ("deployedModelId", "traffic")}
    deployed["deployedModelId"] = deployed_model_id(settings)
    return deployed


def run_cpu(memory: str) -> int:
    gib = quantity_value(memory) / 2**30
    return next((cpu for limit, cpu in RUN_CPU if gib <= limit), 8)


def _cloudrun(
    plan: Plan, cloud: GcpCloud, name: str, serving: CloudRunServing
) -> list[Block | Note]:
    path: PathKey = ("serving", name)
    _, account = _serving_account(plan, cloud, "cloudrun", name, path)
    template: RunTemplate = {
        "service_account": account[0].ref("email"),
        "containers": [
            {
                "image": serving.image,
                "env": [{"name": "MODEL_URI", "value": plan.spec.models[serving.model].uri}],
                "resources": [
                    {
                        "limits": {
                            "memory": serving.resources.memory,
                            "cpu": str(run_cpu(serving.resources.memory)),
                        }
                    }
                ],
            }
        ],
        "scaling": [
            {
                "min_instance_count": serving.replicas.min,
                "max_instance_count": serving.replicas.max,
            }
        ],
    }
    scaling = serving.autoscaling
    # `cpu` is accepted and not generated (W0740 at validate: the registry's `unscaled`).
    if scaling is not None and scaling.metric == "concurrency":
        template["max_instance_request_concurrency"] = int(scaling.target)  # 1-1000: E0740
    body: CloudRunV2Service = {
        "name": scoped(plan, name, RUN_NAME_LIMIT),
        "location": cloud.region,
        "description": f"mlstack serving {name} of stack {plan.stack} ({plan.environment})",
        "ingress": "INGRESS_TRAFFIC_ALL",
        "invoker_iam_disabled": False,
        "template": [template],
    }
    return [*account, resource("google_cloud_run_v2_service", tf_name(name), body, path)]


def build(plan: Plan) -> list[Block | Note | File]:
    cloud = gcp_cloud(plan)
    if cloud is None:
        return []
    out: list[Block | Note | File] = []
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, VertexServing):
            out += _vertex(plan, cloud, name, serving)
        elif isinstance(serving, CloudRunServing):
            out += _cloudrun(plan, cloud, name, serving)
    return out
