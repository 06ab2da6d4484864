"""`training.operator: vertex`: not generated yet, and said so instead of dropped silently.

SPEC.md asks for a compiled Vertex pipeline spec artifact plus a `google_cloud_scheduler_job`
that starts it through the Vertex AI pipelines API. A Terraform module can only return blocks
and notes (no extra output files), and a hand-written KFP IR spec that runs a CustomJob on a
chosen machine type needs the Google Cloud Pipeline Components launcher, so until the target
can write the spec file, NOTES.md tells what to run for each such model.
"""

from __future__ import annotations

from mlstack.plan import Plan
from mlstack.spec.models import ManagedTraining
from mlstack.targets.terraform.blocks import Block, Note
from mlstack.targets.terraform.gcp_cluster import gcp_cloud


def build(plan: Plan) -> list[Block | Note]:
    cloud = gcp_cloud(plan)
    if cloud is None:
        return []
    out: list[Block | Note] = []
    for name, model in plan.spec.models.items():
        training = model.training
        if not isinstance(training, ManagedTraining) or training.operator != "vertex":
            continue
        out.append(
            Note(
                f"model '{name}': Vertex AI training is not generated yet; run it as a custom "
                f"job (`gcloud ai custom-jobs create --region={cloud.region} "
                f"--worker-pool-spec=machine-type={training.instance_type},"
                f"replica-count={training.instance_count},container-image-uri={training.image}`"
                f", writing to {model.uri})"
                + (
                    f" and schedule it ({training.schedule}) with Cloud Scheduler or a Vertex "
                    "pipeline schedule"
                    if training.schedule
                    else ""
                )
                + ".",
                ("models", name, "training"),
            )
        )
    return out
