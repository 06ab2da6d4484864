"""Generated stacks that resolve, compiled and checked like the examples: every Kubernetes
object against its schema (strict core kinds, CRDs), every Terraform document against the
provider schemas. test_properties.py's stacks only need to parse, so most of them would not
resolve (a SageMaker serving on GCP, an s3:// model on a cluster without storage); these are
drawn coherent per platform. Compiling costs about a second a stack: few examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlstack.build import compile_plan
from mlstack.pipeline import check
from tests.targets import schemas, tf_schemas
from tests.test_properties import _to_yaml, durations, names, quantities, schedules

PLATFORMS = {
    "cluster": (
        "s3",
        {"kubernetes": {"namespace": "ml", "version": "1.31", "storageSecret": "s3-creds"}},
        None,
    ),
    "aws": (
        "s3",
        {
            "cloud": {
                "provider": "aws",
                "region": "eu-west-1",
                "account": "012345678901",
                "cluster": "ml",
            },
            "terraform": {"backend": {"s3": {"bucket": "state", "key": "ml.tfstate"}}},
        },
        ("m6i.2xlarge", {"runtime": "sagemaker", "instanceType": "ml.m5.xlarge"}),
    ),
    "gcp": (
        "gs",
        {
            "cloud": {
                "provider": "gcp",
                "region": "europe-west4",
                "project": "acme-ml-1",
                "cluster": "ml",
            },
            "terraform": {"backend": {"gcs": {"bucket": "state", "prefix": "ml"}}},
        },
        ("n2-standard-8", {"runtime": "vertex", "instanceType": "n1-standard-4"}),
    ),
}
"""Platform -> (URI scheme its storage takes, platform section, (pool instance type, a
managed serving) or None for a cluster without cloud)."""

RUNTIMES = {
    "sklearn": ["kserve", "seldon", "mlflow"],
    "xgboost": ["kserve", "seldon"],
    "pytorch": ["kserve", "torchserve"],
    "tensorflow": ["kserve", "tfserving"],
    "onnx": ["kserve", "triton"],
}
"""In-cluster runtimes that serve each framework (the runtime registry's own facts)."""


@st.composite
def compilable_stacks(draw: st.DrawFn) -> dict[str, Any]:
    platform_name = draw(st.sampled_from(sorted(PLATFORMS)))
    scheme, platform, cloud = PLATFORMS[platform_name]
    bucket = draw(st.from_regex(r"[a-z][a-z0-9]{2,10}", fullmatch=True))
    model_names = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    # Trainer v2 (the default) has no TensorFlow runtime: tfjob is drawn only under v1.
    trainer = draw(st.sampled_from(["v2", "v1"]))
    operators = ["pytorchjob", "job"] + (["tfjob"] if trainer == "v1" else [])
    kubernetes = {**platform.get("kubernetes", {}), "kubeflow": {"trainer": trainer}}
    platform = {**platform, "kubernetes": kubernetes}
    models: dict[str, Any] = {}
    for name in model_names:
        models[name] = {
            "framework": draw(st.sampled_from(sorted(RUNTIMES))),
            "uri": f"{scheme}://{bucket}/{name}/v{draw(st.integers(1, 9))}",
        }
        if draw(st.booleans()):
            models[name]["training"] = {
                "operator": draw(st.sampled_from(operators)),
                "image": f"ghcr.io/acme/{name}:1.{draw(st.integers(0, 9))}",
                "command": ["python", "train.py"],
                "workers": draw(st.integers(1, 4)),
                "resources": {"cpu": draw(quantities), "memory": "4Gi"},
                **({"schedule": draw(schedules)} if draw(st.booleans()) else {}),
            }
    serving: dict[str, Any] = {}
    for name in draw(st.lists(names, min_size=1, max_size=3, unique=True)):
        model = draw(st.sampled_from(model_names))
        low = draw(st.integers(1, 3))
        serving[f"{name}-api"] = {
            "model": model,
            "runtime": draw(st.sampled_from(RUNTIMES[models[model]["framework"]])),
            "replicas": {"min": low, "max": low + draw(st.integers(0, 4))},
            "resources": {"cpu": draw(quantities), "memory": draw(quantities)},
        }
    alerts = {
        f"{name}-latency": {
            "serving": name,
            "metric": "latency_p99",
            "above": draw(durations),
            "for": "5m",
        }
        for name in serving
    }
    # Artifacts in a bucket of their own (mlstack creates it), or beside the models in theirs,
    # which mlstack may not own (E0805): then the bucket exists, createBucket: false.
    own_bucket = draw(st.booleans())
    mlflow: dict[str, Any] = {
        "deploy": True,
        "artifacts": f"{scheme}://{bucket}{'-mlflow' if own_bucket else ''}/mlflow",
        "database": {"secret": "mlflow-db"},
    }
    if not own_bucket:
        mlflow["createBucket"] = False
    stack: dict[str, Any] = {
        "apiVersion": "mlstack/v1alpha1",
        "kind": "Stack",
        "metadata": {"name": draw(names), "labels": {"team": draw(names)}},
        "platform": platform,
        "tracking": {"mlflow": mlflow},
        "models": models,
        "serving": serving,
        "monitoring": {"alerts": alerts, "dashboards": draw(st.booleans())},
        "notebooks": {
            "lab": {"image": "jupyter/scipy-notebook:2024-01-01", "models": [model_names[0]]}
        },
    }
    if cloud is not None:
        instance_type, managed = cloud
        stack["compute"] = {"cpu": {"instanceType": instance_type, "nodes": {"min": 0, "max": 4}}}
        if models[model_names[0]]["framework"] in ("sklearn", "xgboost") and draw(st.booleans()):
            serving["managed"] = {"model": model_names[0], **managed}
    trained = [name for name in model_names if "training" in models[name]]
    if trained:
        stack["pipelines"] = {
            "retrain": {
                "engine": draw(st.sampled_from(["argo", "kubeflow"])),
                "schedule": draw(schedules),
                "steps": {
                    "extract": {"image": "ghcr.io/acme/extract:1", "command": ["python", "x.py"]},
                    "train": {"model": trained[0], "dependsOn": ["extract"]},
                },
            }
        }
    return stack


def _check_artifacts(stack: dict[str, Any], folder: Path) -> int:
    """Compile every environment and collect schema problems; returns the objects checked."""
    path = folder / "mlstack.yaml"
    path.write_text(_to_yaml(stack) + "\n")
    result = check(path)
    assert result.ok, [f"{d.code}: {d.message}" for d in result.diagnostics if d.is_error]
    checked = 0
    for plan in result.plans:
        version = plan.spec.platform.kubernetes.version
        for artifact in compile_plan(plan):
            if artifact.path.endswith("main.tf.json"):
                assert tf_schemas.problems(json.loads(artifact.content)) == [], artifact.path
                checked += 1
            elif artifact.path.endswith(".yaml") and not artifact.path.endswith(
                "kustomization.yaml"
            ):
                for obj in yaml.safe_load_all(artifact.content):
                    assert schemas.problems(obj, version) == [], artifact.path
                    checked += 1
    return checked


@settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(compilable_stacks())
def test_generated_stacks_compile_to_schema_valid_output(
    tmp_path_factory: Any, stack: dict[str, Any]
) -> None:
    assert _check_artifacts(stack, tmp_path_factory.mktemp("gen")) > 10
