"""Managed training (`training.operator: sagemaker`) and `engine: sagemaker` pipelines as
SageMaker Pipelines, started on schedule by EventBridge Scheduler.

A managed training is a one-step pipeline (a Training step writing to the model's S3 location);
a sagemaker pipeline has a Training step per step that reuses a model's training and a
Processing step per container step, ordered by `DependsOn`. The definition is the Pipelines
JSON format (Version 2020-12-01) whose step arguments are the CreateTrainingJob /
CreateProcessingJob requests. One execution role per pipeline runs its jobs: it reaches only
the models it trains (read-write) and, for container steps, the MLflow artifact location.
Schedules become EventBridge cron expressions: six fields, `?` in the day field left open,
days of week 1-7 from Sunday.
"""

from __future__ import annotations

import json
import re

from mlstack import names
from mlstack.load import PathKey
from mlstack.plan import Grant, Plan, training_output
from mlstack.spec.models import ManagedTraining
from mlstack.spec.pipelines import ContainerStep
from mlstack.spec.types import duration_seconds
from mlstack.spec.uris import parse
from mlstack.targets.terraform import cron
from mlstack.targets.terraform.aws_attrs import SagemakerPipeline, SchedulerSchedule, Statement
from mlstack.targets.terraform.aws_cluster import aws_cloud, scoped
from mlstack.targets.terraform.aws_iam import (
    ecr_pull_statements,
    inline_policy,
    s3_statements,
    service_role,
)
from mlstack.targets.terraform.blocks import Block, Note, resource, tf_name

PROCESSING_INSTANCE = "ml.m5.xlarge"
VOLUME_GB = 30


def eventbridge_cron(schedule: str) -> str:
    """Five-field cron to EventBridge's `cron(min hour dom month dow year)`."""
    minute, hour, dom, month, dow = cron.fields(schedule)
    # Day-of-week numbers shift from 0-7 (Sunday 0 or 7) to 1-7 (Sunday 1); names stay.
    dow = re.sub(r"(?<![/\d])\d+", lambda m: str(int(m[0]) % 7 + 1), dow)
    if dow == "*":
        dow = "?"
    else:
        dom = "?"  # fit.py rejects schedules that restrict both (E0705)
    return f"cron({minute} {hour} {dom} {month} {dow} *)"


def _output(plan: Plan, model: str) -> Grant | None:
    """Write access to the run's output, never to the model's served uri."""
    uri = training_output(plan.spec, model)
    location = parse(uri) if uri else None
    if location is None or location.scheme != "s3":
        return None
    return Grant("s3", location.bucket, location.prefix, True)


def _artifacts(plan: Plan) -> Grant | None:
    mlflow = plan.spec.tracking.mlflow
    location = parse(mlflow.artifacts) if mlflow and mlflow.artifacts else None
    if location is None or location.scheme != "s3":
        return None
    return Grant("s3", location.bucket, location.prefix, True)


def _training_step(
    model: str, training: ManagedTraining, output: Grant, role: str
) -> dict[str, object]:
    algorithm: dict[str, object] = {"TrainingImage": training.image, "TrainingInputMode": "File"}
    if training.command:
        algorithm |= {
            "ContainerEntrypoint": training.command[:1],
            "ContainerArguments": training.command[1:],
        }
    return {
        "Name": f"train-{model}",
        "Type": "Training",
        "Arguments": {
            "AlgorithmSpecification": algorithm,
            "OutputDataConfig": {"S3OutputPath": f"s3://{output.bucket}/{output.prefix}"},
            "ResourceConfig": {
                "InstanceType": training.instance_type,
                "InstanceCount": training.instance_count,
                "VolumeSizeInGB": VOLUME_GB,
            },
            "RoleArn": role,
            "StoppingCondition": {
                "MaxRuntimeInSeconds": int(duration_seconds(training.max_runtime))
            },
        },
    }


def _processing_step(name: str, step: ContainerStep, role: str) -> dict[str, object]:
    app: dict[str, object] = {"ImageUri": step.image}
    if step.command:
        app["ContainerEntrypoint"] = list(step.command)
    arguments: dict[str, object] = {
        "AppSpecification": app,
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceType": PROCESSING_INSTANCE,
                "InstanceCount": 1,
                "VolumeSizeInGB": VOLUME_GB,
            }
        },
        "RoleArn": role,
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
    }
    if step.env:
        arguments["Environment"] = {e.name: e.value for e in step.env}
    return {"Name": name, "Type": "Processing", "Arguments": arguments}


def _role_statements(
    plan: Plan, role_name: str, grants: list[Grant], images: list[str]
) -> list[Statement]:
    cloud = aws_cloud(plan)
    assert cloud is not None
    arn = f"arn:aws:sagemaker:{cloud.region}:{cloud.account}"
    statements: list[Statement] = [
        *s3_statements(grants),
        {
            "sid": "Jobs",
            "effect": "Allow",
            "actions": [
                "sagemaker:CreateTrainingJob",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:StopTrainingJob",
                "sagemaker:CreateProcessingJob",
                "sagemaker:DescribeProcessingJob",
                "sagemaker:StopProcessingJob",
                "sagemaker:AddTags",
            ],
            "resources": [f"{arn}:training-job/*", f"{arn}:processing-job/*"],
        },
        {
            "sid": "PassOwnRole",
            "effect": "Allow",
            "actions": ["iam:PassRole"],
            "resources": [f"arn:aws:iam::{cloud.account}:role/{role_name}"],
            "condition": [
                {
                    "test": "StringEquals",
                    "variable": "iam:PassedToService",
                    "values": ["sagemaker.amazonaws.com"],
                }
            ],
        },
        {
            "sid": "Logs",
            "effect": "Allow",
            "actions": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "resources": [
                f"arn:aws:logs:{cloud.region}:{cloud.account}:log-group:/aws/sagemaker/TrainingJobs:*",
                f"arn:aws:logs:{cloud.region}:{cloud.account}:log-group:/aws/sagemaker/ProcessingJobs:*",
            ],
        },
    ]
    statements += ecr_pull_statements(images)
    return statements


def _identity(plan: Plan, kind: str, name: str) -> str:
    """The IAM role name resolve decided (resolve/identity.py `cloud_roles`)."""
    found = plan.cloud_role(kind, name).identity
    assert found is not None
    return found


def _pipeline(
    plan: Plan,
    name: str,
    steps: list[dict[str, object]],
    grants: list[Grant],
    images: list[str],
    schedule: str | None,
    path: PathKey,
) -> list[Block | Note]:
    block = tf_name(name)
    role_name = _identity(plan, "pipeline", name)
    trust, role = service_role(
        f"pipeline_{block}",
        role_name,
        "sagemaker.amazonaws.com",
        f"SageMaker pipeline {name} of stack {plan.stack} ({plan.environment})",
        path,
    )
    policy = inline_policy(
        f"pipeline_{block}", "jobs", role, _role_statements(plan, role_name, grants, images), path
    )
    definition = {"Version": "2020-12-01", "Metadata": {}, "Parameters": [], "Steps": steps}
    body: SagemakerPipeline = {
        "pipeline_name": scoped(plan, name, 256),
        "pipeline_display_name": scoped(plan, name, 256),
        "pipeline_description": f"mlstack pipeline {name} (stack {plan.stack}, {plan.environment})",
        "role_arn": role.ref("arn"),
        "pipeline_definition": json.dumps(definition, sort_keys=True),
        "depends_on": [f"aws_iam_role_policy.{policy[1].name}"],
    }
    pipeline = resource("aws_sagemaker_pipeline", block, body, path)
    out: list[Block | Note] = [trust, role, *policy, pipeline]
    if schedule:
        s_trust, s_role = service_role(
            f"schedule_{block}",
            _identity(plan, "schedule", name),
            "scheduler.amazonaws.com",
            f"Starts SageMaker pipeline {name} on schedule",
            path,
        )
        start: Statement = {
            "sid": "Start",
            "effect": "Allow",
            "actions": ["sagemaker:StartPipelineExecution"],
            "resources": [pipeline.ref("arn")],
        }
        s_policy = inline_policy(f"schedule_{block}", "start-pipeline", s_role, [start], path)
        schedule_body: SchedulerSchedule = {
            "name": scoped(plan, name, 64),
            "description": f"{schedule} (UTC)",
            "schedule_expression": eventbridge_cron(schedule),
            "schedule_expression_timezone": "UTC",
            "flexible_time_window": [{"mode": "OFF"}],
            "target": [
                {
                    "arn": pipeline.ref("arn"),
                    "role_arn": s_role.ref("arn"),
                    "retry_policy": [{"maximum_retry_attempts": 3}],
                }
            ],
        }
        out += [
            s_trust,
            s_role,
            *s_policy,
            resource("aws_scheduler_schedule", block, schedule_body, (*path, "schedule")),
        ]
    return out


def build(plan: Plan) -> list[Block | Note]:
    cloud = aws_cloud(plan)
    if cloud is None:
        return []
    out: list[Block | Note] = []
    for model, spec in plan.spec.models.items():
        training = spec.training
        if not isinstance(training, ManagedTraining) or training.operator != "sagemaker":
            continue
        path: PathKey = ("models", model, "training")
        output = _output(plan, model)
        assert output is not None  # an s3:// output: E0741 at validate
        role = f"${{aws_iam_role.pipeline_{tf_name(training_name(model))}.arn}}"
        train_step = _training_step(model, training, output, role)
        out += _pipeline(
            plan,
            training_name(model),
            [train_step],
            [output],
            [training.image],
            training.schedule,
            path,
        )
    for name, pipeline in plan.spec.pipelines.items():
        if pipeline.engine != "sagemaker":
            continue
        path = ("pipelines", name)
        role = f"${{aws_iam_role.pipeline_{tf_name(name)}.arn}}"
        steps: list[dict[str, object]] = []
        grants: list[Grant] = []
        images: list[str] = []
        for step_name, step in pipeline.steps.items():
            if not isinstance(step, ContainerStep):
                continue
            if step.model is not None:
                training = plan.spec.models[step.model].training
                output = _output(plan, step.model)
                assert isinstance(training, ManagedTraining)
                assert output is not None  # the model's own E0741 at validate
                entry = _training_step(step.model, training, output, role) | {"Name": step_name}
                grants.append(output)
                images.append(training.image)
            else:
                entry = _processing_step(step_name, step, role)
                images.append(step.image or "")
                if artifacts := _artifacts(plan):
                    grants.append(artifacts)
            if step.depends_on:
                entry["DependsOn"] = list(step.depends_on)
            steps.append(entry)
        unique = sorted(set(grants), key=lambda g: (g.bucket, g.prefix))
        out += _pipeline(plan, name, steps, unique, images, pipeline.schedule, path)
    return out


def training_name(model: str) -> str:
    return names.training(model)
