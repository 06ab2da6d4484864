"""What the managed runtimes generate from a serving's fields, and what they cannot.

Lambda: warm instances are provisioned concurrency on the function's `live` alias
(`replicas.min`), and autoscaling is Application Auto Scaling's target tracking on that
provisioned concurrency, whose metric is its utilization: the share of warm execution
environments busy (its range is the registry's, runtimes/awslambda.py, checked in fit.py).
With `replicas.min: 0` there is no provisioned concurrency to track (the metric has no data
and nothing ever scales), so autoscaling cannot be generated (E0731). Lambda's on-demand scaling up to `replicas.max`
needs neither.

Vertex AI: the deploy step that puts the models on the endpoint runs after Terraform
(mlstack.vertex_deploy): the shipped workflow runs it under `apply: ci`, compile says it
under `apply: none` (needs.py), and under `apply: controller` nobody can, since the
in-cluster engine runs Terraform only: a warning (W0420), as everything else deploys.
"""

from __future__ import annotations

from mlstack.load import PathKey
from mlstack.parse import describe
from mlstack.resolve.context import Context
from mlstack.resolve.references import enabled
from mlstack.runtimes import awslambda
from mlstack.spec.serving import LambdaServing, VertexServing


def check(ctx: Context) -> None:
    for name, serving in enabled(ctx.stack.serving).items():
        path: PathKey = ("serving", name)
        if isinstance(serving, LambdaServing):
            _lambda(ctx, path, serving)
        elif isinstance(serving, VertexServing):
            _vertex(ctx, path, serving)


def _lambda(ctx: Context, path: PathKey, serving: LambdaServing) -> None:
    scaling = serving.autoscaling
    if scaling is None or scaling.metric not in awslambda.RUNTIME.scaling.metrics:
        return  # another metric is fit.py's one diagnostic (E0708)
    if serving.replicas.min == 0:
        ctx.error(
            "E0731",
            f"{describe(path)}: Lambda autoscales its warm (provisioned) instances, and "
            "replicas.min 0 keeps none, so there is nothing to scale",
            (*path, "autoscaling"),
            "set replicas.min to the warm instances to keep (1 or more), or remove "
            "autoscaling: Lambda scales on demand up to replicas.max by itself",
            key=True,
        )


def _vertex(ctx: Context, path: PathKey, serving: VertexServing) -> None:
    gitops = ctx.stack.gitops
    if gitops is not None and gitops.terraform.apply == "controller":
        ctx.warn(
            "W0420",
            f"{describe(path)}: the in-cluster Terraform engine (gitops.terraform.apply: "
            "controller) creates the Vertex AI endpoint, but it cannot deploy the models to it",
            (*path, "runtime"),
            "after each apply of the environment, run `mlstack vertex-deploy "
            "OUT/STACK/ENV/terraform` with gcloud logged in; or use apply: ci, whose workflow "
            "runs it right after terraform apply",
        )
