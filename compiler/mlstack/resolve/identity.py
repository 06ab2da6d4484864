"""Which workload runs under which ServiceAccount and may touch which storage, and nothing wider;
and under which identity the cloud runs the stack's managed endpoints, functions, trainings
and pipelines (`cloud_roles`).

Computed once here so that the ServiceAccount annotation (Kubernetes target) and the cloud
role, service account or managed identity with its grant (Terraform target) come from the
same record and the same naming function.
"""

from __future__ import annotations

from mlstack import acr, clouds, names, runtimes
from mlstack.load import PathKey
from mlstack.plan import (
    CloudRole,
    Grant,
    Workload,
    WorkloadKind,
    storage_grants,
    training_output,
)
from mlstack.resolve.references import enabled
from mlstack.spec import Stack
from mlstack.spec.models import InClusterTraining, ManagedTraining
from mlstack.spec.pipelines import ContainerStep, SparkStep
from mlstack.spec.serving import IN_CLUSTER
from mlstack.spec.uris import CLOUD_SCHEMES, scheme_of


class _Grants:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        mlflow = stack.tracking.mlflow
        self.artifacts = mlflow.artifacts if mlflow else None

    def of(self, uri: str | None, *, write: bool) -> list[Grant]:
        return storage_grants(self.stack, uri, write=write)

    def model(self, name: str) -> list[Grant]:
        """Reading a model's artifact."""
        model = self.stack.models.get(name)
        return self.of(model.uri, write=False) if model else []

    def output(self, name: str) -> list[Grant]:
        """Writing a model's training output, and nothing it serves from."""
        if name not in self.stack.models:
            return []  # an unknown model: references.py reports it
        return self.of(training_output(self.stack, name), write=True)


def _merge(grants: list[Grant]) -> tuple[Grant, ...]:
    """One grant per location; write wins over read."""
    best: dict[tuple[str, str, str], Grant] = {}
    for grant in grants:
        key = (grant.scheme, grant.bucket, grant.prefix)
        if key not in best or grant.write:
            best[key] = grant
    return tuple(best[k] for k in sorted(best))


def workloads(stack: Stack, environment: str) -> tuple[Workload, ...]:
    grants = _Grants(stack)
    found: list[tuple[WorkloadKind, str, list[Grant], PathKey]] = []
    mlflow = stack.tracking.mlflow
    if mlflow is not None and mlflow.deploy:
        found.append(
            (
                "mlflow",
                names.MLFLOW,
                grants.of(mlflow.artifacts, write=True),
                ("tracking", "mlflow"),
            )
        )
    for name, model in enabled(stack.models).items():
        if isinstance(model.training, InClusterTraining):
            found.append(("train", name, grants.output(name), ("models", name, "training")))
    for name, pipeline in enabled(stack.pipelines).items():
        if pipeline.engine == "sagemaker":
            continue
        wanted = grants.of(grants.artifacts, write=True)
        for step in enabled(pipeline.steps).values():
            if isinstance(step, ContainerStep) and step.model:
                wanted += grants.output(step.model)
            elif isinstance(step, SparkStep):
                wanted += [g for uri in step.reads for g in grants.of(uri, write=False)]
        found.append(("pipeline", name, wanted, ("pipelines", name)))
    for name, notebook in enabled(stack.notebooks).items():
        wanted = grants.of(grants.artifacts, write=True)
        wanted += [g for model in notebook.models for g in grants.model(model)]
        found.append(("notebook", name, wanted, ("notebooks", name)))
    for name, serving in enabled(stack.serving).items():
        if serving.runtime not in IN_CLUSTER:
            continue
        wanted = grants.model(serving.model)
        if serving.canary is not None:
            wanted += grants.model(serving.canary.model)
        found.append(("serve", name, wanted, ("serving", name)))
    for name, check in enabled(stack.monitoring.drift).items():
        wanted = grants.of(check.reference, write=False) + grants.of(check.current, write=False)
        serving = stack.serving.get(name)
        if serving is not None:
            wanted += grants.model(serving.model)
        found.append(("drift", name, wanted, ("monitoring", "drift", name)))

    cloud = stack.platform.cloud
    out = []
    for kind, name, wanted, source in found:
        account = names.service_account(kind, name)
        merged = _merge(wanted)
        identity = None
        if cloud is not None and any(CLOUD_SCHEMES[g.scheme] == cloud.provider for g in merged):
            identity = names.cloud_identity(
                cloud.provider, stack.metadata.name, environment, account
            )
        out.append(Workload(kind, name, account, merged, identity, source))
    return tuple(out)


def _serving_reads(stack: Stack, model: str, provider: str) -> list[Grant]:
    """What a cloud serving reads of a model on its own cloud: the model's location (or the
    MLflow store behind a models:/ URI). Azure ML and Functions register or fetch models from
    blob storage only, so there a models:/ model grants nothing (its target says so)."""
    uri = stack.models[model].uri if model in stack.models else None
    if provider == "azure" and (uri is None or scheme_of(uri) != "azureblob"):
        return []
    scheme = clouds.get(provider).scheme
    return [g for g in storage_grants(stack, uri, write=False) if g.scheme == scheme]


def cloud_roles(stack: Stack, environment: str) -> tuple[CloudRole, ...]:
    """The identities of what the stack's cloud runs for it, with what each serving reads."""
    cloud = stack.platform.cloud
    if cloud is None:
        return ()
    provider = cloud.provider

    def name(account: str) -> str:
        return names.cloud_identity(provider, stack.metadata.name, environment, account)

    out: list[CloudRole] = []
    for serving_name, serving in enabled(stack.serving).items():
        facts = runtimes.get(serving.runtime)
        if facts.cloud != provider:
            continue
        models = [serving.model] + ([serving.canary.model] if serving.canary else [])
        reads = _merge([g for m in models for g in _serving_reads(stack, m, provider)])
        identity = name(f"{facts.identity}-{serving_name}") if facts.identity else None
        image = getattr(serving, "image", None)
        pulls = acr.registry(image) if provider == "azure" and image else None
        out.append(
            CloudRole(
                serving.runtime, serving_name, identity, reads, ("serving", serving_name), pulls
            )
        )
    managed = clouds.get(provider).managed
    for model_name, model in enabled(stack.models).items():
        training = model.training
        if not isinstance(training, ManagedTraining) or training.operator != managed:
            continue
        source: PathKey = ("models", model_name, "training")
        if provider == "aws":
            job = names.training(model_name)
            out.append(CloudRole("pipeline", job, name(f"pipeline-{job}"), (), source))
            if training.schedule:
                out.append(CloudRole("schedule", job, name(f"schedule-{job}"), (), source))
        elif provider == "gcp":
            out.append(
                CloudRole(
                    "vertex-train", model_name, name(f"vertex-train-{model_name}"), (), source
                )
            )
            if training.schedule:
                account = name(f"vertex-schedule-{model_name}")
                out.append(CloudRole("vertex-schedule", model_name, account, (), source))
    if provider == "aws":
        for pipeline_name, pipeline in enabled(stack.pipelines).items():
            if pipeline.engine != "sagemaker":
                continue
            source = ("pipelines", pipeline_name)
            role = name(f"pipeline-{pipeline_name}")
            out.append(CloudRole("pipeline", pipeline_name, role, (), source))
            if pipeline.schedule:
                role = name(f"schedule-{pipeline_name}")
                out.append(CloudRole("schedule", pipeline_name, role, (), source))
    return tuple(out)
