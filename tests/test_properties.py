"""Properties: generated stacks round-trip unchanged; mutated files only ever give diagnostics."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlstack.load import loads
from mlstack.parse import parse
from mlstack.pipeline import check
from mlstack.spec import Stack
from mlstack.spec.serving import IN_CLUSTER
from tests.helpers import REFERENCE

names = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6})?", fullmatch=True)
quantities = st.sampled_from(["500m", "1", "2", "4Gi", "512Mi", "16Gi", "1.5"])
durations = st.sampled_from(["250ms", "30s", "10m", "1h", "1h30m"])
schedules = st.sampled_from(["@hourly", "@daily", "0 3 * * 1", "*/15 * * * *", "0 0 1 jan,jul *"])
frameworks = st.sampled_from(["sklearn", "xgboost", "pytorch", "tensorflow", "onnx", "huggingface"])
uris = st.builds(
    lambda b, p: f"s3://{b}/{p}", st.from_regex(r"[a-z][a-z0-9]{2,10}", fullmatch=True), names
)
resources = st.fixed_dictionaries(
    {}, optional={"cpu": quantities, "memory": quantities, "gpu": st.integers(0, 2)}
)


platforms = st.sampled_from(
    [
        {},
        {
            "cloud": {
                "provider": "aws",
                "region": "eu-west-1",
                "account": "012345678901",
                "cluster": "ml",
            },
            "terraform": {
                "backend": {"s3": {"bucket": "state", "key": "ml.tfstate", "encrypt": True}}
            },
        },
        {
            "cloud": {"provider": "gcp", "region": "europe-west4", "project": "acme-ml-1"},
            "terraform": {"backend": {"gcs": {"bucket": "state", "prefix": "ml"}}},
        },
        {
            "cloud": {
                "provider": "azure",
                "region": "westeurope",
                "subscription": "00000000-0000-0000-0000-000000000000",
                "resourceGroup": "ml-rg",
            }
        },
        {
            "kubernetes": {
                "namespace": "ml",
                "version": "1.31",
                "kserve": {"deploymentMode": "RawDeployment"},
                "storageSecret": "s3-creds",
            }
        },
    ]
)


@st.composite
def stacks(draw: st.DrawFn) -> dict[str, Any]:
    model_names = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    models = {}
    for name in model_names:
        model: dict[str, Any] = {"framework": draw(frameworks), "uri": draw(uris)}
        if draw(st.booleans()):
            training: dict[str, Any] = {
                "operator": draw(st.sampled_from(["pytorchjob", "tfjob", "job"])),
                "image": f"ghcr.io/acme/{name}:1.{draw(st.integers(0, 9))}",
                "command": draw(
                    st.lists(
                        st.text(string.ascii_letters + "-._=", min_size=1, max_size=8),
                        min_size=1,
                        max_size=4,
                    )
                ),
                "workers": draw(st.integers(1, 8)),
                "resources": draw(resources),
            }
            if draw(st.booleans()):
                training["schedule"] = draw(schedules)
            model["training"] = training
        models[name] = model
    serving = {}
    for name in draw(st.lists(names, max_size=3, unique=True)):
        low = draw(st.integers(1, 3))
        serving[name] = {
            "model": draw(st.sampled_from(model_names)),
            "runtime": draw(st.sampled_from(IN_CLUSTER)),
            "replicas": {"min": low, "max": low + draw(st.integers(0, 5))},
            "resources": draw(resources),
            "enabled": draw(st.booleans()),
        }
    alerts = {
        f"{name}-latency": {
            "serving": name,
            "metric": "latency_p99",
            "above": draw(durations),
            "for": draw(durations),
        }
        for name in serving
    }
    for name in draw(st.lists(names, max_size=2, unique=True)):
        serving[f"{name}-cloud"] = draw(
            st.sampled_from(
                [
                    {
                        "model": model_names[0],
                        "runtime": "sagemaker",
                        "instanceType": "ml.m5.xlarge",
                    },
                    {
                        "model": model_names[0],
                        "runtime": "sagemaker",
                        "serverless": {"memory": "2Gi", "maxConcurrency": 4},
                    },
                    {
                        "model": model_names[0],
                        "runtime": "vertex",
                        "instanceType": "n1-standard-4",
                        "canary": {"model": model_names[-1], "traffic": 10},
                    },
                    {
                        "model": model_names[0],
                        "runtime": "cloudrun",
                        "image": "gcr.io/acme/api:2",
                        "resources": {"memory": "2Gi"},
                    },
                ]
            )
        )
    extra: dict[str, Any] = {
        "platform": draw(platforms),
        "compute": {
            name: {
                "instanceType": "m6i.2xlarge",
                "nodes": {"min": 0, "max": draw(st.integers(1, 9))},
                "spot": draw(st.booleans()),
                **(
                    {"accelerator": {"type": "nvidia-a10g", "count": 1}}
                    if draw(st.booleans())
                    else {}
                ),
            }
            for name in draw(st.lists(names, max_size=2, unique=True))
        },
        "tracking": {
            "mlflow": {
                "deploy": True,
                "artifacts": draw(uris),
                "database": {"secret": "mlflow-db"},
            },
            "wandb": {"project": draw(names), "apiKeySecret": "wandb-key"},
        },
        "pipelines": {
            draw(names): {
                "engine": draw(st.sampled_from(["argo", "kubeflow"])),
                "schedule": draw(schedules),
                "steps": {
                    "extract": {"image": "ghcr.io/acme/extract:1", "command": ["python", "x.py"]},
                    "train": {"model": model_names[0], "dependsOn": ["extract"]},
                    "features": {
                        "kind": "spark",
                        "image": "apache/spark:3.5.5",
                        "mainApplicationFile": "local:///app.py",
                        "executor": {"instances": draw(st.integers(1, 5)), "memory": "4Gi"},
                        "dependsOn": ["extract"],
                    },
                },
            }
        },
        "notebooks": {
            draw(names): {
                "image": "jupyter/scipy-notebook:2024-01-01",
                "volume": draw(quantities),
                "models": model_names[:1],
            }
        },
        "features": {
            "store": "feast",
            "groups": {
                "tx": {
                    "recordId": "id",
                    "eventTime": "ts",
                    "features": {"amount": "float", "ok": "bool"},
                    "ttl": draw(durations),
                }
            },
        },
        "gitops": {
            "repo": "https://git.example.com/deploy.git",
            "argocd": {"prune": draw(st.booleans())},
        },
        "environments": {"prod": {"serving": {}}, "dev": {"compute": {}}},
    }
    return {
        **extra,
        "apiVersion": "mlstack/v1alpha1",
        "kind": "Stack",
        "metadata": {"name": draw(names), "labels": {"team": draw(names)}},
        "models": models,
        "serving": serving,
        "monitoring": {"alerts": alerts, "dashboards": draw(st.booleans())},
    }


def _to_yaml(data: Any, indent: int = 0) -> str:
    """Block-style YAML with every scalar JSON-quoted (JSON strings are valid YAML scalars)."""
    pad = "  " * indent
    lines = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list)) and value:
                lines.append(f"{pad}{json.dumps(key)}:\n{_to_yaml(value, indent + 1)}")
            else:
                lines.append(f"{pad}{json.dumps(key)}: {json.dumps(value)}")
    else:
        for value in data:
            if isinstance(value, (dict, list)) and value:
                lines.append(f"{pad}-\n{_to_yaml(value, indent + 1)}")
            else:
                lines.append(f"{pad}- {json.dumps(value)}")
    return "\n".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks())
def test_model_round_trips_through_yaml(data: dict[str, Any]) -> None:
    model = Stack.model_validate(data)
    dumped = model.model_dump(by_alias=True, mode="json")
    doc = loads(_to_yaml(dumped).encode() + b"\n", "round.yaml")
    parsed, diagnostics, _ = parse(doc)
    assert diagnostics == []
    assert parsed == model


REFERENCE_BYTES = REFERENCE.read_bytes()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(REFERENCE_BYTES) - 1),
            st.sampled_from(["flip", "insert", "delete"]),
            st.binary(min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_byte_mutations_only_give_diagnostics(
    tmp_path_factory: Any, edits: list[tuple[int, str, bytes]]
) -> None:
    raw = bytearray(REFERENCE_BYTES)
    for offset, kind, payload in edits:
        position = offset % max(1, len(raw))
        if kind == "flip":
            raw[position] ^= payload[0] or 1
        elif kind == "insert":
            raw[position:position] = payload
        else:
            del raw[position : position + len(payload)]
    path: Path = tmp_path_factory.mktemp("mut") / "m.yaml"
    path.write_bytes(bytes(raw))
    result = check(path)
    if not result.ok:
        assert result.plans == ()
    lines = max(1, bytes(raw).count(b"\n") + 1)
    for diagnostic in result.diagnostics:
        assert diagnostic.span is not None and 1 <= diagnostic.span.line <= lines


SCALARS = st.one_of(
    st.integers(-5, 100),
    st.text(string.ascii_letters + string.digits + string.punctuation + " é漢", max_size=12),
    st.booleans(),
    st.none(),
    st.sampled_from(["yes", "4 GB", "@often", "s4://x"]),
)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_value_mutations_only_give_diagnostics(data: st.DataObject) -> None:
    doc = loads(REFERENCE_BYTES, "ref.yaml")
    paths = sorted(doc.value_spans, key=str)
    target = data.draw(st.sampled_from([p for p in paths if p]))
    tree: Any = json.loads(json.dumps(doc.data))
    node = tree
    for element in target[:-1]:
        node = node[element]
    if data.draw(st.booleans()) and isinstance(node, dict):
        del node[target[-1]]
    else:
        node[target[-1]] = data.draw(SCALARS)
    mutated = loads(_to_yaml(tree).encode() + b"\n", "mut.yaml")
    stack, diagnostics, _ = parse(mutated)
    assert (stack is None) == any(d.is_error for d in diagnostics)
