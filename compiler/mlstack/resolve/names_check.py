"""Generated names that would collide in the cluster, and what the names need to exist."""

from __future__ import annotations

from mlstack import names
from mlstack.load import PathKey
from mlstack.plan import Workload
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.spec.models import InClusterTraining
from mlstack.spec.serving import IN_CLUSTER


def check(ctx: Context, workloads: tuple[Workload, ...]) -> None:
    stack = ctx.stack
    taken: dict[tuple[str, str], str] = {}

    def claim(kind: str, name: str, path: PathKey, what: str) -> None:
        if (kind, name) in taken:
            ctx.error(
                "E0710",
                f"{what} would create {kind} '{name}', which {taken[(kind, name)]} creates too",
                path,
                "rename one of them",
                key=True,
            )
        else:
            taken[(kind, name)] = what

    mlflow = stack.tracking.mlflow
    if mlflow is not None and mlflow.deploy:
        claim("Service", names.MLFLOW, ("tracking", "mlflow"), "the MLflow server")
    for name, serving in enabled(stack.serving).items():
        services = [name] if serving.runtime in IN_CLUSTER else []
        if serving.runtime == "kserve":
            # KServe names a Service after each InferenceService and InferenceGraph.
            services.append(names.kserve_graph(name))
            if serving.canary is not None:
                services.append(names.kserve_canary(name))
        for service in services:
            claim("Service", service, ("serving", name), f"serving '{name}'")
    for name in enabled(stack.notebooks):
        claim("Service", name, ("notebooks", name), f"notebook '{name}'")
    for name, pipeline in enabled(stack.pipelines).items():
        if pipeline.schedule and pipeline.engine != "sagemaker":
            claim("CronWorkflow", name, ("pipelines", name), f"pipeline '{name}'")
    for name, model in enabled(stack.models).items():
        if isinstance(model.training, InClusterTraining) and model.training.schedule:
            claim(
                "CronWorkflow",
                names.training(name),
                ("models", name),
                f"the training schedule of model '{name}'",
            )

    cloud = stack.platform.cloud
    needs_cluster = bool(enabled(stack.compute)) or any(w.identity for w in workloads)
    if cloud is not None and cloud.cluster is None and needs_cluster:
        ctx.error(
            "E0405",
            "platform.cloud.cluster is required: node pools and workload identity attach to a cluster",
            ("platform", "cloud"),
            "add cluster: NAME of the EKS/GKE/AKS cluster",
            key=True,
        )
