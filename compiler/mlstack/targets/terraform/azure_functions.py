"""`runtime: azurefunctions`: a Linux function app running the serving's container image.

Custom containers need a Premium (Elastic Premium) or Dedicated plan: the Consumption and
Flex Consumption plans do not run them. So each serving gets a Linux Elastic Premium plan
(EP1/EP2/EP3: 3.5/7/14 GB per instance, the smallest that fits `resources.memory`) that
bursts up to `replicas.max` instances (`maximum_elastic_worker_count`, the app's
`app_scale_limit`) and keeps `replicas.min` warm (`elastic_instance_minimum`); Premium keeps
at least one, so `replicas.min: 0` becomes 1 (W0425 at validate time). The app gets a
system-assigned identity, which pulls an image from an Azure Container Registry
(`container_registry_use_managed_identity`, with AcrPull on it: azure_registry; images on
other registries are pulled anonymously), reaches its own
`AzureWebJobsStorage` account by identity (no keys in settings: "Storage Blob Data Owner" on
that account, as the Functions host needs), and reads exactly the model's container/prefix.
"""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.plan import Plan
from mlstack.spec.serving import AzureFunctionsServing
from mlstack.spec.types import quantity_value
from mlstack.spec.uris import blob_url
from mlstack.targets.terraform.azure_attrs import (
    Docker,
    LinuxFunctionApp,
    RoleAssignment,
    ServicePlan,
)
from mlstack.targets.terraform.azure_cluster import azure_cloud, scoped
from mlstack.targets.terraform.azure_identity import role_assignments
from mlstack.targets.terraform.azure_registry import pull_grants
from mlstack.targets.terraform.azure_workspace import storage_account
from mlstack.targets.terraform.blocks import Block, Note, resource, tags, tf_name

PLANS = (("EP1", 3.5), ("EP2", 7.0), ("EP3", 14.0))
"""Elastic Premium SKUs and their memory per instance (GB)."""


def sku(memory: str) -> str:
    gigabytes = quantity_value(memory) / 1e9
    return next((name for name, size in PLANS if gigabytes <= size), "EP3")


def docker(image: str) -> Docker:
    """`REGISTRY/NAME:TAG` split as the provider wants it (Docker Hub when no registry)."""
    head, _, rest = image.partition("/")
    if "." not in head and ":" not in head and head != "localhost":
        head, rest = "index.docker.io", image
    name, _, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "latest")
    return {"registry_url": f"https://{head}", "image_name": name, "image_tag": tag}


def _serving(plan: Plan, name: str, serving: AzureFunctionsServing) -> list[Block | Note]:
    cloud = azure_cloud(plan)
    assert cloud is not None
    key = tf_name(name)
    source: PathKey = ("serving", name)
    role = plan.cloud_role("azurefunctions", name)
    plan_body: ServicePlan = {
        "name": scoped(plan, f"{name}-plan", 60),
        "location": cloud.region,
        "resource_group_name": cloud.resource_group,
        "os_type": "Linux",
        "sku_name": sku(serving.resources.memory),
        "maximum_elastic_worker_count": serving.replicas.max,
        "tags": tags(plan),
    }
    service_plan = resource("azurerm_service_plan", key, plan_body, source)
    storage = storage_account(plan, f"{key}_fn", f"fn{name}", source)
    model = plan.spec.models[serving.model]
    settings = {"MLSTACK_MODEL_URI": model.uri, "WEBSITES_ENABLE_APP_SERVICE_STORAGE": "false"}
    url = blob_url(model.uri)
    if url is not None:
        settings["MODEL_URL"] = url
    app_body: LinuxFunctionApp = {
        "name": scoped(plan, name, 60),
        "location": cloud.region,
        "resource_group_name": cloud.resource_group,
        "service_plan_id": service_plan.ref("id"),
        "storage_account_name": storage.ref("name"),
        "storage_uses_managed_identity": True,
        "https_only": True,
        "functions_extension_version": "~4",
        "app_settings": settings,
        "identity": [{"type": "SystemAssigned"}],
        "site_config": [
            {
                "application_stack": [{"docker": [docker(serving.image)]}],
                "container_registry_use_managed_identity": role.pulls is not None,
                "elastic_instance_minimum": max(1, serving.replicas.min),
                "app_scale_limit": serving.replicas.max,
                "minimum_tls_version": "1.2",
                "ftps_state": "Disabled",
            }
        ],
        "tags": tags(plan),
    }
    app = resource("azurerm_linux_function_app", key, app_body, source)
    host: RoleAssignment = {
        "scope": storage.ref("id"),
        "role_definition_name": "Storage Blob Data Owner",
        "principal_id": app.ref("identity[0].principal_id"),
        "principal_type": "ServicePrincipal",
        "description": f"mlstack: function app {name} host storage",
    }
    out: list[Block | Note] = [
        service_plan,
        storage,
        app,
        resource("azurerm_role_assignment", f"{key}_fn_host", host, source),
        *role_assignments(
            cloud,
            f"{key}_fn",
            app.ref("identity[0].principal_id"),
            role.grants,
            source,
            f"function app {name}",
        ),
        *pull_grants(
            role.pulls,
            serving.image,
            [(f"{key}_fn_acr", app.ref("identity[0].principal_id"), f"function app {name}")],
            ("serving", name, "image"),
        ),
    ]
    return out


def build(plan: Plan) -> list[Block | Note]:
    if azure_cloud(plan) is None:
        return []
    out: list[Block | Note] = []
    for name, serving in plan.spec.serving.items():
        if isinstance(serving, AzureFunctionsServing):
            out += _serving(plan, name, serving)
    return out
