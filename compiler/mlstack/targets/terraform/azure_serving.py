"""`runtime: azureml`: Azure ML managed online endpoints and deployments, through azapi.

azurerm 5.2 has no online endpoint resource, so these are `azapi_resource`s on the
Microsoft.MachineLearningServices 2024-10-01 API, children of the shared workspace
(azure_workspace.py):
- the model, registered from its blob URI (`workspaces/models` + `/versions`; the version is
  a hash of the URI, since versions are immutable), type `mlflow_model` / `triton_model`
  (no-code deployment: Azure ML supplies the serving image and environment) or
  `custom_model` with the serving's `image` as a BYOC environment
  (`workspaces/environments` + `/versions`, inference routes on port 8080);
- the endpoint (`onlineEndpoints`, key auth, system-assigned identity), whose identity gets a
  prefix-exact "Storage Blob Data Reader" on each model's container (azure_identity) and,
  with it the workspace's identity, AcrPull on the registry of the serving's own image
  (azure_registry); a model outside blob storage is E0709 at validate time;
- a `primary` deployment and, with a canary, a `canary` deployment (`onlineEndpoints/
  deployments`, kind Managed, scaleType Default), created after those grants, each with an
  autoscale setting between replicas.min and replicas.max (azure_autoscale). The setting
  owns `sku.capacity` once it scales, so Terraform ignores later changes to it (it is
  created at replicas.min);
- the split, `traffic` {primary: 100 - canary.traffic, canary: canary.traffic} or
  {primary: 100}: an endpoint's traffic may only name deployments that exist, so it is an
  `azapi_update_resource` on the endpoint that depends on the deployments (azapi_resource
  cannot write the endpoint again after its children), replaced (written again) whenever
  the endpoint's own body or tags change, since that PUT carries no traffic. Removing a
  canary updates the split before the canary deployment is destroyed (Terraform orders a
  destroy after the changes of what depended on it), as Azure ML requires of a deployment
  that has traffic.
Endpoint names are unique per region: `STACK-ENV-SERVING`, at most 32 characters.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.runtimes import azureml
from mlstack.spec.serving import AzureMLServing
from mlstack.spec.uris import blob_url
from mlstack.targets.terraform import azure_autoscale, azure_workspace
from mlstack.targets.terraform.azure_attrs import AzapiResource, AzapiUpdateResource
from mlstack.targets.terraform.azure_cluster import azure_cloud, scoped
from mlstack.targets.terraform.azure_identity import role_assignments
from mlstack.targets.terraform.azure_registry import pull_grants, workspace_grant
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
    plan: Plan,
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
        azapi(f"{ML}/{kind}", name, azure_workspace.workspace_id(plan), body),
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
        plan,
        f"{key}_model",
        ("models", model_name, {"properties": {"description": description}}),
        (model.uri, version_body),
        source,
    )


def _environment(plan: Plan, key: str, serving: AzureMLServing, source: PathKey) -> list[Block]:
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
        plan,
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
        "location": azure_workspace.workspace_location(plan),
        "tags": tags(plan),
        "lifecycle": {"ignore_changes": ["body.sku.capacity"]},
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
            azure_workspace.workspace_id(plan),
            {"properties": {"authMode": "Key", "publicNetworkAccess": "Enabled"}},
        ),
        "location": azure_workspace.workspace_location(plan),
        "identity": [{"type": "SystemAssigned"}],
        "tags": tags(plan),
    }
    endpoint = resource("azapi_resource", key, endpoint_body, source)
    out: list[Block | Note] = [endpoint]
    env = None
    if serving.image is not None:
        blocks = _environment(plan, key, serving, source)
        env = blocks[-1]
        out += blocks
    roles = [("primary", serving.model)]
    if serving.canary is not None:
        roles.append(("canary", serving.canary.model))
    cloud_role = plan.cloud_role("azureml", name)
    access = role_assignments(
        cloud,
        f"{key}_endpoint",
        endpoint.ref("identity[0].principal_id"),
        cloud_role.grants,
        source,
        f"Azure ML endpoint {name}",
    )
    access += pull_grants(
        cloud_role.pulls,
        serving.image or "",
        [
            (
                f"{key}_endpoint_acr",
                endpoint.ref("identity[0].principal_id"),
                f"Azure ML endpoint {name}",
            )
        ],
        ("serving", name, "image"),
    )
    out += access
    deployments = []
    for role, model_name in roles:
        model = _model(plan, f"{key}_{role}", model_name, source)
        deployment = _deployment(plan, key, role, serving, endpoint, model[-1], env, source)
        # The deployment reads the model and pulls the image as the endpoint's identity as soon
        # as it is created: its grants come first.
        deployment.body["depends_on"] = [f"{b.type}.{b.name}" for b in access] + (
            [pull] if (pull := workspace_grant(cloud_role.pulls)) else []
        )
        deployments.append(deployment)
        out += [
            *model,
            deployment,
            azure_autoscale.setting(plan, name, role, serving, deployment, source),
        ]
    out.append(_traffic(key, serving, endpoint, deployments, source))
    if serving.image is not None:
        out.append(
            Note(
                f"serving '{name}': the image {serving.image} must answer GET / and POST "
                f"/score on port {PORT} (Azure ML's inference routes for a custom container).",
                source,
            )
        )
    return out


def _traffic(
    key: str, serving: AzureMLServing, endpoint: Block, deployments: list[Block], source: PathKey
) -> Block:
    """The endpoint's split, written once its deployments exist (an endpoint's `traffic` may
    name only existing deployments): primary keeps 100 - canary.traffic."""
    canary = serving.canary.traffic if serving.canary is not None else 0
    traffic = {"primary": 100 - canary} | ({"canary": canary} if serving.canary else {})
    body: AzapiUpdateResource = {
        "type": f"{ML}/onlineEndpoints@{API}",
        "resource_id": endpoint.ref("id"),
        "body": {"properties": {"traffic": traffic}},
        # A change of the endpoint resource itself is a PUT of its body, which holds no
        # traffic: the split is written again after it, in the same apply.
        "replace_triggers_external_values": [endpoint.ref("body"), endpoint.ref("tags")],
        "depends_on": [f"{d.type}.{d.name}" for d in deployments],
    }
    return resource("azapi_update_resource", f"{key}_traffic", body, source)


def build(plan: Plan) -> list[Block | Note]:
    out: list[Block | Note] = list(azure_workspace.build(plan))
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, AzureMLServing):
            out += _serving(plan, name, serving)
    return out
