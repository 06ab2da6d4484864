"""`runtime: azureml`: Azure ML managed online endpoints and deployments, through azapi.

azurerm 4.79 has no online endpoint resource, so these are `azapi_resource`s on the
Microsoft.MachineLearningServices 2024-10-01 API, children of the shared workspace
(azure_workspace.py):
- the model, registered from its blob URI (`workspaces/models` + `/versions`; the version is
  a hash of the URI, since versions are immutable), type `mlflow_model` / `triton_model`
  (no-code deployment: Azure ML supplies the serving image and environment) or
  `custom_model` with the serving's `image` as a BYOC environment
  (`workspaces/environments` + `/versions`, inference routes on port 8080);
- the endpoint (`onlineEndpoints`, key auth, system-assigned identity), whose identity gets a
  prefix-exact "Storage Blob Data Reader" on each model's container (azure_identity);
- a `primary` deployment and, with a canary, a `canary` deployment (`onlineEndpoints/
  deployments`, kind Managed, `sku.capacity` = replicas.min, scaleType Default).
Endpoint names are unique per region: `STACK-ENV-SERVING`, at most 32 characters.

Traffic: an endpoint's `traffic` may only name deployments that exist, and azapi_resource
cannot write the endpoint again after its deployments, so the split (and autoscaling between
replicas.min and replicas.max, an Azure Monitor autoscale setting) goes into NOTES.md.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mlstack.load import PathKey
from mlstack.plan import Grant, Plan
from mlstack.runtimes import azureml
from mlstack.spec.serving import AzureMLServing
from mlstack.spec.uris import blob_url, parse
from mlstack.targets.terraform import azure_workspace
from mlstack.targets.terraform.azure_attrs import AzapiResource
from mlstack.targets.terraform.azure_cluster import azure_cloud, scoped
from mlstack.targets.terraform.azure_identity import role_assignments
from mlstack.targets.terraform.blocks import Block, Note, resource, tags, tf_name

API = "2024-10-01"
ML = "Microsoft.MachineLearningServices/workspaces"
PORT = 8080


def azapi(type_: str, name: str, parent: str, body: dict[str, Any]) -> AzapiResource:
    """An azapi_resource on the API version every Azure ML module here uses."""
    return {
        "type": f"{type_}@{API}",
        "name": name,
        "parent_id": parent,
        "body": body,
        # The 2.12.0 build ships no ARM type index (see the kit README): skip its check.
        "schema_validation_enabled": False,
    }


def versioned_asset(
    block: str,
    asset: tuple[str, str, dict[str, Any]],
    version: tuple[str, dict[str, Any]],
    source: PathKey,
) -> list[Block]:
    """An Azure ML asset (`models`, `environments`: TYPE, NAME, BODY) in the workspace and one
    version of it (CONTENT, BODY), named by a hash of CONTENT (the model URI, the image) so a
    new content is a new version and an unchanged one is not replaced."""
    kind, name, body = asset
    container = resource(
        "azapi_resource",
        block,
        azapi(f"{ML}/{kind}", name, azure_workspace.WORKSPACE, body),
        source,
    )
    content, version_body = version
    label = hashlib.sha256(content.encode()).hexdigest()[:8]
    return [
        container,
        resource(
            "azapi_resource",
            f"{block}_version",
            azapi(f"{ML}/{kind}/versions", label, container.ref("id"), version_body),
            source,
        ),
    ]


def _model(plan: Plan, key: str, model_name: str, source: PathKey) -> list[Block]:
    model = plan.spec.models[model_name]
    url = blob_url(model.uri)
    assert url is not None
    description = model.description or f"mlstack model {model_name}"
    version_body = {
        "properties": {
            "modelUri": url,
            "modelType": azureml.MODEL_TYPE.get(model.framework, "custom_model"),
            "tags": {"mlstack-uri": model.uri},
        }
    }
    return versioned_asset(
        f"{key}_model",
        ("models", model_name, {"properties": {"description": description}}),
        (model.uri, version_body),
        source,
    )


def _environment(key: str, serving: AzureMLServing, source: PathKey) -> list[Block]:
    assert serving.image is not None
    route = {"port": PORT}
    version_body = {
        "properties": {
            "image": serving.image,
            "inferenceConfig": {
                "livenessRoute": {**route, "path": "/"},
                "readinessRoute": {**route, "path": "/"},
                "scoringRoute": {**route, "path": "/score"},
            },
        }
    }
    return versioned_asset(
        f"{key}_env",
        ("environments", key.replace("_", "-"), {"properties": {}}),
        (serving.image, version_body),
        source,
    )


def _deployment(
    plan: Plan,
    key: str,
    role: str,
    serving: AzureMLServing,
    endpoint: Block,
    model: Block,
    env: Block | None,
    source: PathKey,
) -> Block:
    properties: dict[str, Any] = {
        "endpointComputeType": "Managed",
        "instanceType": serving.instance_type,
        "model": model.ref("id"),
        "scaleSettings": {"scaleType": "Default"},
        "appInsightsEnabled": True,
        "description": f"mlstack serving {key} ({role})",
    }
    if env is not None:
        properties["environmentId"] = env.ref("id")
    body: AzapiResource = {
        **azapi(
            f"{ML}/onlineEndpoints/deployments",
            role,
            endpoint.ref("id"),
            {
                "kind": "Managed",
                "sku": {"name": "Default", "capacity": serving.replicas.min},
                "properties": properties,
            },
        ),
        "location": azure_cloud(plan).region,  # type: ignore[union-attr]
        "tags": tags(plan),
    }
    return resource("azapi_resource", f"{key}_{role}", body, source)


def _serving(plan: Plan, name: str, serving: AzureMLServing) -> list[Block | Note]:
    cloud = azure_cloud(plan)
    assert cloud is not None
    key = tf_name(name)
    source: PathKey = ("serving", name)
    endpoint_body: AzapiResource = {
        **azapi(
            f"{ML}/onlineEndpoints",
            scoped(plan, name, 32),
            azure_workspace.WORKSPACE,
            {"properties": {"authMode": "Key", "publicNetworkAccess": "Enabled"}},
        ),
        "location": cloud.region,
        "identity": [{"type": "SystemAssigned"}],
        "tags": tags(plan),
    }
    endpoint = resource("azapi_resource", key, endpoint_body, source)
    out: list[Block | Note] = [endpoint]
    env = None
    if serving.image is not None:
        blocks = _environment(key, serving, source)
        env = blocks[-1]
        out += blocks
    grants = []
    pending = []
    roles = [("primary", serving.model)]
    if serving.canary is not None:
        roles.append(("canary", serving.canary.model))
    for role, model_name in roles:
        uri = plan.spec.models[model_name].uri
        if blob_url(uri) is None:
            pending.append(f"{role} deployment of model '{model_name}' ({uri})")
            continue
        location = parse(uri)
        grants.append(Grant(location.scheme, location.bucket, location.prefix, False))
        model = _model(plan, f"{key}_{role}", model_name, source)
        out += [*model, _deployment(plan, key, role, serving, endpoint, model[-1], env, source)]
    out += role_assignments(
        cloud,
        f"{key}_endpoint",
        endpoint.ref("identity[0].principal_id"),
        tuple(grants),
        source,
        f"Azure ML endpoint {name}",
    )
    text = f"serving '{name}': Azure ML endpoint {scoped(plan, name, 32)}"
    if pending:
        text += (
            "; not generated: the "
            + " and the ".join(pending)
            + ", since Azure ML can only register models from storage here (register the "
            "MLflow registry version's artifacts with `az ml model create --type "
            "mlflow_model`, then `az ml online-deployment create`)"
        )
    if serving.canary is not None:
        primary = 100 - serving.canary.traffic
        text += (
            f"; after apply set the split: `az ml online-endpoint update --name "
            f'{scoped(plan, name, 32)} --traffic "primary={primary} canary={serving.canary.traffic}"`'
        )
    else:
        text += '; after apply route all traffic to it: `--traffic "primary=100"`'
    if serving.replicas.max > serving.replicas.min or serving.autoscaling:
        metric = serving.autoscaling.metric if serving.autoscaling else "cpu"
        target = serving.autoscaling.target if serving.autoscaling else 70
        text += (
            f"; autoscale the deployments between {serving.replicas.min} and "
            f"{serving.replicas.max} instances on {metric} {target:g}% with an Azure Monitor "
            "autoscale setting (Microsoft.Insights/autoscaleSettings on the deployment)"
        )
    if serving.image is not None:
        text += (
            f"; the image {serving.image} must answer GET / and POST /score on port {PORT}, and "
            "the workspace identity needs AcrPull on its registry"
        )
    out.append(Note(text + ".", source))
    return out


def build(plan: Plan) -> list[Block | Note]:
    out: list[Block | Note] = list(azure_workspace.build(plan))
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, AzureMLServing):
            out += _serving(plan, name, serving)
    return out
