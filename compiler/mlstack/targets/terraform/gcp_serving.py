"""Vertex AI and Cloud Run servings.

Vertex: hashicorp/google 6.50.0 has `google_vertex_ai_endpoint` but no resource for a deployed
model (the endpoint's `deployed_models` is output only, and its `traffic_split` maps deployed
model ids that exist only after a deployment), so Terraform creates the endpoint and a serving
service account that reads exactly the model's (and the canary's) location, and NOTES.md gives
the deployment: the prebuilt prediction image for the framework (Vertex AI "Prebuilt containers
for inference": `{us,europe,asia}-docker.pkg.dev/vertex-ai/prediction/FRAMEWORK-{cpu,gpu}.
VERSION:latest`, newest supported versions), machine type, replica bounds, CPU target and the
canary's traffic split. The endpoint id (`name`) must be numeric, at most 10 digits, no leading
zero: it is derived from a hash of project/stack/environment/serving, so it is stable.

Cloud Run: a v2 service running the serving image with MODEL_URI in its environment, memory
from resources.memory (and the CPU count Cloud Run requires for it), instances between
replicas.min and replicas.max, per-instance concurrency from `autoscaling` (metric
concurrency), its own service account with the model grants. Choice: no public access; the
service only answers IAM-authenticated callers (ingress all, invoker IAM on), and who gets
`roles/run.invoker` is left to the platform team (NOTES.md), as the spec names no callers.
"""

from __future__ import annotations

import hashlib

from mlstack import names
from mlstack.load import PathKey
from mlstack.plan import Grant, Plan, storage_grants
from mlstack.runtimes import vertex
from mlstack.spec.platform import GcpCloud
from mlstack.spec.serving import CloudRunServing, VertexServing
from mlstack.spec.types import quantity_value
from mlstack.targets.terraform.blocks import Block, Note, resource, tf_name
from mlstack.targets.terraform.gcp_attrs import CloudRunV2Service, RunTemplate, VertexAiEndpoint
from mlstack.targets.terraform.gcp_cluster import gcp_cloud, scoped
from mlstack.targets.terraform.gcp_identity import bucket_grants, service_account

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


def model_grants(plan: Plan, model: str) -> list[Grant]:
    """What serving a model reads on this cloud (gs://, or the MLflow store for models:/)."""
    grants = storage_grants(plan.spec, plan.spec.models[model].uri, write=False)
    return [grant for grant in grants if grant.scheme == "gs"]


def _serving_account(
    plan: Plan, cloud: GcpCloud, kind: str, name: str, models: list[str], path: PathKey
) -> tuple[str, list[Block]]:
    """A service account per cloud serving, reading exactly its models; returns its email."""
    account_id = names.cloud_identity("gcp", plan.stack, plan.environment, f"{kind}-{name}")
    block = f"{kind}_{tf_name(name)}"
    account = service_account(block, account_id, f"{kind} serving {name}", path)
    grants = [g for m in models for g in model_grants(plan, m)]
    member = f"serviceAccount:{account.ref('email')}"
    email = f"{account_id}@{cloud.project}.iam.gserviceaccount.com"
    return email, [account, *bucket_grants(block, member, grants, path)]


def _vertex(plan: Plan, cloud: GcpCloud, name: str, serving: VertexServing) -> list[Block | Note]:
    path: PathKey = ("serving", name)
    models = [serving.model] + ([serving.canary.model] if serving.canary else [])
    email, account = _serving_account(plan, cloud, "vertex", name, models, path)
    endpoint = endpoint_id(cloud.project, plan.stack, plan.environment, name)
    body: VertexAiEndpoint = {
        "name": endpoint,
        "display_name": scoped(plan, name, 128),
        "description": f"mlstack serving {name} of stack {plan.stack} ({plan.environment})",
        "location": cloud.region,
    }
    out: list[Block | Note] = [
        *account,
        resource("google_vertex_ai_endpoint", tf_name(name), body, path),
    ]
    deploy = [
        f"--machine-type={serving.instance_type}",
        f"--min-replica-count={serving.replicas.min}",
        f"--max-replica-count={serving.replicas.max}",
        f"--service-account={email}",
    ]
    if serving.accelerator:
        deploy.append(
            f"--accelerator=type={serving.accelerator.type},count={serving.accelerator.count}"
        )
    if serving.autoscaling:
        deploy.append(f"--autoscaling-metric-specs=cpu-usage={int(serving.autoscaling.target)}")
    steps = []
    for role, model in [("primary", serving.model)] + (
        [("canary", serving.canary.model)] if serving.canary else []
    ):
        spec = plan.spec.models[model]
        image = serving.image or prebuilt_image(
            spec.framework, cloud.region, serving.accelerator is not None
        )
        split = (
            "0=100"
            if role == "primary"
            else f"0={serving.canary.traffic},PRIMARY_ID={100 - serving.canary.traffic}"  # type: ignore[union-attr]
        )
        steps.append(
            f"{role}: `gcloud ai models upload --region={cloud.region} --display-name={model} "
            f"--artifact-uri={spec.uri} --container-image-uri={image}`, then `gcloud ai "
            f"endpoints deploy-model {endpoint} --region={cloud.region} --model=MODEL_ID "
            f"--display-name={role} {' '.join(deploy)} --traffic-split={split}`"
        )
    out.append(
        Note(
            f"serving '{name}': the google provider cannot deploy a model to Vertex AI endpoint "
            f"{endpoint} (no deployed-model resource; traffic_split needs deployed model ids); "
            "deploy with " + "; ".join(steps) + ".",
            path,
        )
    )
    return out


def run_cpu(memory: str) -> int:
    gib = quantity_value(memory) / 2**30
    return next((cpu for limit, cpu in RUN_CPU if gib <= limit), 8)


def _cloudrun(
    plan: Plan, cloud: GcpCloud, name: str, serving: CloudRunServing
) -> list[Block | Note]:
    path: PathKey = ("serving", name)
    models = [serving.model] + ([serving.canary.model] if serving.canary else [])
    _, account = _serving_account(plan, cloud, "run", name, models, path)
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
    notes: list[Block | Note] = []
    scaling = serving.autoscaling
    if scaling is not None and scaling.metric == "concurrency":
        template["max_instance_request_concurrency"] = min(int(scaling.target), 1000)
    elif scaling is not None:
        notes.append(
            Note(
                f"serving '{name}': Cloud Run scales on CPU by itself (target about 60%); "
                f"autoscaling target {scaling.target} cannot be set.",
                (*path, "autoscaling"),
            )
        )
    body: CloudRunV2Service = {
        "name": scoped(plan, name, RUN_NAME_LIMIT),
        "location": cloud.region,
        "description": f"mlstack serving {name} of stack {plan.stack} ({plan.environment})",
        "ingress": "INGRESS_TRAFFIC_ALL",
        "invoker_iam_disabled": False,
        "template": [template],
    }
    notes.append(
        Note(
            f"serving '{name}': Cloud Run service {body['name']} is not public; grant "
            "roles/run.invoker on it (google_cloud_run_v2_service_iam_member) to its callers.",
            path,
        )
    )
    if serving.canary:
        notes.append(
            Note(
                f"serving '{name}': a Cloud Run canary is a second revision with MODEL_URI="
                f"{plan.spec.models[serving.canary.model].uri}; deploy it with `gcloud run "
                f"deploy --no-traffic` and `gcloud run services update-traffic "
                f"--to-revisions=REVISION={serving.canary.traffic}`.",
                (*path, "canary"),
            )
        )
    return [*account, resource("google_cloud_run_v2_service", tf_name(name), body, path), *notes]


def build(plan: Plan) -> list[Block | Note]:
    cloud = gcp_cloud(plan)
    if cloud is None:
        return []
    out: list[Block | Note] = []
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, VertexServing):
            out += _vertex(plan, cloud, name, serving)
        elif isinstance(serving, CloudRunServing):
            out += _cloudrun(plan, cloud, name, serving)
    return out
