"""Pipeline steps as both engines read them: DAG order, and what a container step runs."""

from __future__ import annotations

from typing import Any

from mlstack.plan import Plan, training_output
from mlstack.resolve.references import enabled
from mlstack.spec.models import EnvVar, InClusterTraining
from mlstack.spec.pipelines import ContainerStep, Pipeline


def ordered_steps(pipeline: Pipeline) -> list[tuple[str, Any, list[str]]]:
    """(name, step, dependencies) in topological order, ties kept in spec order, so the DAG
    reads top-down and the output does not depend on anything but the spec."""
    steps = enabled(pipeline.steps)
    deps = {name: [d for d in step.depends_on if d in steps] for name, step in steps.items()}
    done: list[str] = []
    while len(done) < len(steps):
        ready = next(n for n in steps if n not in done and all(d in done for d in deps[n]))
        done.append(ready)
    return [(name, steps[name], deps[name]) for name in done]


OUTPUT_ENV = "MLSTACK_TRAINING_OUTPUT"
"""Where a training run writes its result (the only place its identity may write)."""


def output_env(plan: Plan, model: str) -> list[EnvVar]:
    """The run's output location, as SageMaker's SM_MODEL_DIR or Vertex's AIP_MODEL_DIR
    tell their jobs; none for models whose training writes only to MLflow."""
    uri = training_output(plan.spec, model)
    return [] if uri is None else [EnvVar(name=OUTPUT_ENV, value=uri)]


def container_parts(plan: Plan, step: ContainerStep) -> dict[str, Any]:
    """image, command, env (without tracking), resources spec and pool of a container step;
    a step naming a model takes them from that model's training."""
    training = plan.spec.models[step.model].training if step.model else None
    if step.model and isinstance(training, InClusterTraining):
        return {
            "image": training.image,
            "command": training.command,
            "env": [*training.env, *output_env(plan, step.model), *step.env],
            "resources": training.resources,
            "pool": training.pool,
        }
    return {
        "image": training.image if training else step.image,
        "command": step.command or (training.command if training else None),
        "env": list(step.env),
        "resources": step.resources,
        "pool": step.pool,
    }
