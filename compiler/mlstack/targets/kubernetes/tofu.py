"""`gitops.terraform.apply: controller`: the environment's Terraform is applied in the cluster
by Flux's tofu-controller (flux-iac/tofu-controller v0.16), not by mlstack.

Argo CD syncs, with the environment, a `GitRepository` (Flux source-controller) reading the
deploy repository, where publish put `PATH/ENV/terraform/`, and a `Terraform` object that
plans and applies that folder (`approvePlan: auto`) with the stack's own backend
(`backendConfig.disable`, so CI, people and the controller share one state). Both are in the
wave before the workloads (meta.sync_wave). The controller writes the string outputs
`azure_client_id_SA` to the Secret `mlstack-terraform-outputs`, one key per ServiceAccount
(its `output:alias` syntax, controllers/tf_controller_outputs.go).

Azure workload identity then needs no annotation: its webhook (Azure/azure-workload-identity
v1.6.0, pkg/webhook/webhook.go `addEnvironmentVariables`) adds AZURE_CLIENT_ID from the
ServiceAccount's annotation only to a container that does not set it, and adds nothing when
the annotation is absent; the tenant, token file and authority host are still injected. So
each container of a workload with an identity reads AZURE_CLIENT_ID from that Secret
(`secretKeyRef`): a pod created before the first apply waits in CreateContainerConfigError and
starts once the Secret is there, rather than starting without its identity.

The runner pods run in the environment's namespace as `tf-runner`, bound here to the chart's
ClusterRole `tf-runner-role` within that namespace only; the default-deny policy lets the
controller reach them (gRPC 30000) and them reach source-controller and HTTPS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlstack.load import PathKey
from mlstack.needs import service_accounts
from mlstack.plan import Plan
from mlstack.targets.kubernetes.meta import Manifest
from mlstack.targets.terraform.blocks import tf_name

OUTPUTS_SECRET = "mlstack-terraform-outputs"
DEPLOY_KEY = "mlstack-deploy-repository"
RUNNER = "tf-runner"
RUNNER_ROLE = "tf-runner-role"
FLUX_NAMESPACE = "flux-system"
RUNNER_LABELS = {
    "app.kubernetes.io/created-by": "tofu-controller",
    "app.kubernetes.io/name": RUNNER,
}
SOURCE: PathKey = ("gitops", "terraform")


def applies(plan: Plan) -> bool:
    """The controller applies this environment's Terraform (it has a cloud, so a folder)."""
    return plan.terraform_apply == "controller" and plan.spec.platform.cloud is not None


def client_id_accounts(plan: Plan) -> list[str]:
    """ServiceAccounts whose client id comes from the outputs Secret."""
    return sorted(service_accounts(plan)) if applies(plan) else []


def flux_url(repo: str) -> str:
    """Flux accepts http(s):// and ssh:// URLs only: git@host:path becomes ssh://git@host/path."""
    if repo.startswith(("https://", "http://", "ssh://")):
        return repo
    user_host, _, path = repo.partition(":")
    return f"ssh://{user_host}/{path}"


def build(plan: Plan) -> list[Manifest]:
    if not applies(plan):
        return []
    gitops = plan.spec.gitops
    assert gitops is not None and gitops.path is not None
    name = f"{plan.stack}-{plan.environment}"
    folder = f"{gitops.path}/{plan.environment}/terraform"
    terraform: dict[str, Any] = {
        "interval": "10m",
        "approvePlan": "auto",
        "path": f"./{folder}",
        "sourceRef": {"kind": "GitRepository", "name": name, "namespace": plan.namespace},
        "backendConfig": {"disable": True},
        "serviceAccountName": RUNNER,
    }
    accounts = client_id_accounts(plan)
    if accounts:
        terraform["writeOutputsToSecret"] = {
            "name": OUTPUTS_SECRET,
            "outputs": [f"azure_client_id_{tf_name(a)}:{a}" for a in accounts],
        }
    return [
        Manifest(
            "source.toolkit.fluxcd.io/v1",
            "GitRepository",
            name,
            {
                "spec": {
                    "interval": "1m",
                    "url": flux_url(gitops.repo),
                    "ref": {"branch": gitops.branch},
                    **_credentials(gitops.repo),
                    # Only the environment's Terraform: a commit elsewhere is no new artifact.
                    "ignore": f"/*\n!/{folder}/\n",
                }
            },
            SOURCE,
        ),
        Manifest(
            "infra.contrib.fluxcd.io/v1alpha2", "Terraform", name, {"spec": terraform}, SOURCE
        ),
        Manifest("v1", "ServiceAccount", RUNNER, {}, SOURCE),
        Manifest(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            RUNNER,
            {
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": RUNNER_ROLE,
                },
                "subjects": [
                    {"kind": "ServiceAccount", "name": RUNNER, "namespace": plan.namespace}
                ],
            },
            SOURCE,
        ),
        Manifest("networking.k8s.io/v1", "NetworkPolicy", "allow-tf-runner", _policy(), SOURCE),
    ]


def _credentials(repo: str) -> dict[str, Any]:
    """An ssh remote always needs a key (and known_hosts): the Secret NOTES.md asks for."""
    if flux_url(repo).startswith("ssh://"):
        return {"secretRef": {"name": DEPLOY_KEY}}
    return {}


def _policy() -> dict[str, Any]:
    flux = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": FLUX_NAMESPACE}}}
    return {
        "spec": {
            "podSelector": {"matchLabels": dict(RUNNER_LABELS)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [flux], "ports": [{"protocol": "TCP", "port": 30000}]}],
            "egress": [
                # source-controller's artifact server, then the cloud's APIs and registries.
                {"to": [flux], "ports": [{"protocol": "TCP", "port": 9090}]},
                {"ports": [{"protocol": "TCP", "port": 443}]},
            ],
        }
    }


def with_client_ids(plan: Plan, obj: dict[str, Any]) -> dict[str, Any]:
    """`obj` with AZURE_CLIENT_ID from the outputs Secret in every container of every pod
    template that runs as a ServiceAccount whose client id the controller writes."""
    accounts = set(client_id_accounts(plan))
    if accounts:
        for pod, account in _pods(obj):
            if account in accounts:
                for container in _containers(pod):
                    container["env"] = [
                        *container.get("env", []),
                        {
                            "name": "AZURE_CLIENT_ID",
                            "valueFrom": {"secretKeyRef": {"name": OUTPUTS_SECRET, "key": account}},
                        },
                    ]
    return obj


def _pods(node: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """Every mapping that names a `serviceAccountName` (a pod spec, KServe's predictor, an
    Argo Workflow's spec), with that name."""
    if isinstance(node, dict):
        account = node.get("serviceAccountName")
        if isinstance(account, str):
            yield node, account
            return
        for value in node.values():
            yield from _pods(value)
    elif isinstance(node, list):
        for value in node:
            yield from _pods(value)


def _containers(pod: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The containers a pod spec runs: its lists, KServe's `model`, Argo's templates."""
    for key in ("initContainers", "containers"):
        yield from pod.get(key) or []
    if isinstance(pod.get("model"), dict):
        yield pod["model"]
    for template in pod.get("templates") or []:
        for key in ("container", "script"):
            if isinstance(template.get(key), dict):
                yield template[key]
