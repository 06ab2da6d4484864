"""Generate a realistic, valid AWS `mlstack.yaml` with N models, for benchmarking `validate`.

    python bench/generate.py 1000 -o /tmp/stack-1000.yaml

Importable as well: `generate(n) -> str`. The output is a pure function of `n` (no
randomness, no clock), so the same N always gives the same bytes.

Each model i gets a framework, an s3:// uri, in-cluster training (pytorchjob, a
Trainer v2 TrainJob, or job: Trainer v2 has no TensorFlow runtime; every third one on a
schedule), a serving whose runtime can serve the framework (kserve,
seldon, torchserve, tfserving, triton, mlflow, sagemaker) with replicas and, where the runtime
allows it, autoscaling on one of the runtime's metrics (its registry entry,
compiler/mlstack/runtimes/), one alert and
one drift check. Around that: CPU and GPU pools, MLflow with s3 artifacts, a notebook, a
SageMaker feature group, gitops, a few pipelines, and two environments (staging, prod) that
overlay the replicas of every tenth serving.

Only the standard library is used, so the generator runs with any Python 3.11.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

STACK = "bench"
FAMILIES = ("fraud", "churn", "ranker", "forecast", "search", "vision", "support", "pricing")

# One row per i % 10: (framework, runtime, pool, autoscaling metric or None).
# Every metric is one the runtime accepts (its `scaling` in compiler/mlstack/runtimes/; kserve
# in Serverless mode, the default, scales on concurrency or rps), every runtime serves its
# framework (`serves`), and sagemaker only gets frameworks with a prebuilt image (`prebuilt`).
MIX: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("sklearn", "kserve", "cpu", "concurrency"),
    ("xgboost", "sagemaker", None, "rps"),
    ("pytorch", "torchserve", "gpu", "cpu"),
    ("tensorflow", "tfserving", "cpu", "cpu"),
    ("huggingface", "seldon", "cpu", "rps"),
    ("onnx", "triton", "gpu", "memory"),
    ("lightgbm", "mlflow", "cpu", None),
    ("pytorch", "kserve", "gpu", "rps"),
    ("sklearn", "sagemaker", None, "concurrency"),
    ("xgboost", "seldon", "cpu", "rps"),
)
TRAINING_OPERATOR = {"pytorch": "pytorchjob", "huggingface": "pytorchjob"}
SCHEDULES = ("0 3 * * 1", "@daily", "30 1 * * *", "@weekly", "0 */6 * * *")
CPU = {"cpu": "2", "memory": "4Gi"}
GPU = {"cpu": "4", "memory": "16Gi", "gpu": 1}


def model_name(i: int) -> str:
    return f"{FAMILIES[i % len(FAMILIES)]}-{i:05d}"


def serving_name(i: int) -> str:
    return f"{model_name(i)}-api"


def _model(i: int) -> dict[str, Any]:
    framework, _, _, _ = MIX[i % len(MIX)]
    name = model_name(i)
    family = FAMILIES[i % len(FAMILIES)]
    operator = TRAINING_OPERATOR.get(framework, "job")
    gpu = operator == "pytorchjob"
    training: dict[str, Any] = {
        "operator": operator,
        "image": f"ghcr.io/acme/{family}-train:1.{i % 7}.{i % 13}",
        # torchrun: Trainer v2 describes the world only in the PET_* variables it reads.
        "command": [
            "torchrun" if operator == "pytorchjob" else "python",
            "train.py",
            "--model",
            name,
            "--epochs",
            str(10 + i % 20),
        ],
        "pool": "gpu" if gpu else "cpu",
    }
    if operator != "job":
        training["workers"] = 2 + i % 3
    training["resources"] = dict(GPU) if gpu else {"cpu": "2", "memory": "8Gi"}
    if i % 3 == 0:
        training["schedule"] = SCHEDULES[(i // 3) % len(SCHEDULES)]
    return {
        "framework": framework,
        "uri": f"s3://acme-models/{family}/{name}/v{1 + i % 9}",
        "description": f"{family} model {i}",
        "training": training,
    }


def _serving(i: int) -> dict[str, Any]:
    _, runtime, pool, metric = MIX[i % len(MIX)]
    serving: dict[str, Any] = {"model": model_name(i), "runtime": runtime}
    if runtime == "sagemaker":
        serving["instanceType"] = "ml.m5.xlarge"
    else:
        serving["pool"] = pool
    serving["replicas"] = {"min": 1 + i % 3, "max": 4 + i % 17}
    if metric is not None:
        target = {"concurrency": 8, "rps": 50, "cpu": 70, "memory": 75}[metric]
        serving["autoscaling"] = {"metric": metric, "target": target}
    if runtime != "sagemaker":
        serving["resources"] = dict(GPU if pool == "gpu" else CPU)
    # Every 20th kserve/seldon serving rolls out a canary of the previous model; both
    # runtimes split traffic and serve every framework in MIX (seldon: all but custom).
    if runtime in ("kserve", "seldon") and i % 20 in (0, 4) and i > 0:
        serving["canary"] = {"model": model_name(i - 1), "traffic": 10}
    return serving


def _alert(i: int) -> dict[str, Any]:
    kind = i % 3
    alert: dict[str, Any] = {"serving": serving_name(i)}
    if kind == 0:
        alert.update(metric="latency_p99", above=f"{250 + 50 * (i % 5)}ms", severity="page")
    elif kind == 1:
        alert.update(metric="error_rate", above="1%", severity="ticket")
    else:
        alert.update(metric="throughput", below=5, severity="info")
    alert["for"] = ("5m", "10m", "15m")[i % 3]  # whole minutes: CloudWatch for sagemaker
    return alert


def _pipelines(n: int) -> dict[str, Any]:
    pipelines: dict[str, Any] = {}
    count = max(3, n // 100)
    for p in range(count):
        kind = p % 3
        first = (p * 7) % n
        models = [model_name((first + k) % n) for k in range(min(3, n))]
        name = ("nightly-retrain", "weekly-eval", "feature-refresh")[kind] + f"-{p:03d}"
        if kind == 0:
            steps: dict[str, Any] = {
                "extract": {
                    "image": "ghcr.io/acme/extract:2.0.1",
                    "command": ["python", "extract.py"],
                }
            }
            for k, model in enumerate(models):
                steps[f"train-{k}"] = {"model": model, "dependsOn": ["extract"]}
            steps["evaluate"] = {
                "image": "ghcr.io/acme/evaluate:2.0.1",
                "command": ["python", "evaluate.py"],
                "dependsOn": [f"train-{k}" for k in range(len(models))],
            }
            pipelines[name] = {"engine": "argo", "schedule": "0 2 * * *", "steps": steps}
        elif kind == 1:
            pipelines[name] = {
                "engine": "kubeflow",
                "schedule": "@weekly",
                "steps": {
                    "train": {"model": models[0]},
                    "evaluate": {
                        "image": "ghcr.io/acme/evaluate:2.0.1",
                        "command": ["python", "evaluate.py", "--model", models[0]],
                        "pool": "cpu",
                        "resources": {"cpu": "1", "memory": "2Gi"},
                        "dependsOn": ["train"],
                    },
                },
            }
        else:
            pipelines[name] = {
                "engine": "argo",
                "steps": {
                    "features": {
                        "kind": "spark",
                        "image": "ghcr.io/acme/spark-features:3.5.5",
                        "mainApplicationFile": "local:///opt/app/features.py",
                        "pool": "cpu",
                        "reads": [f"s3://acme-ml-data/raw/{p:03d}"],
                        "driver": {"cores": 1, "memory": "2Gi"},
                        "executor": {"instances": 4, "cores": 2, "memory": "4Gi"},
                    },
                    "publish": {
                        "image": "ghcr.io/acme/publish:1.0.0",
                        "command": ["python", "publish.py"],
                        "dependsOn": ["features"],
                    },
                },
            }
    return pipelines


def stack(n: int) -> dict[str, Any]:
    """The stack as plain data (what `generate` serialises)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    indices = range(n)
    overlaid = [i for i in indices if i % 10 == 0]
    return {
        "apiVersion": "mlstack/v1alpha1",
        "kind": "Stack",
        "metadata": {
            "name": STACK,
            "owner": "ml-platform@acme.example",
            "labels": {"team": "ml-platform", "cost-center": "4711"},
        },
        "platform": {
            "kubernetes": {"namespace": STACK, "version": "1.31"},
            "cloud": {
                "provider": "aws",
                "region": "eu-west-1",
                "account": "123456789012",
                "cluster": "ml-prod",
            },
            "terraform": {
                "backend": {
                    "s3": {
                        "bucket": "acme-tf-state",
                        "key": f"ml/{STACK}.tfstate",
                        "region": "eu-west-1",
                    }
                }
            },
        },
        "compute": {
            "cpu": {"instanceType": "m6i.2xlarge", "nodes": {"min": 1, "max": 6 + n // 10}},
            "gpu": {
                "instanceType": "g5.2xlarge",
                "accelerator": {"type": "nvidia-a10g", "count": 1},
                "nodes": {"min": 0, "max": 4 + n // 20},
                "spot": True,
            },
        },
        "tracking": {
            "mlflow": {
                "deploy": True,
                "artifacts": f"s3://acme-ml-artifacts/{STACK}",
                "database": {"secret": "mlflow-db"},
            }
        },
        "models": {model_name(i): _model(i) for i in indices},
        "pipelines": _pipelines(n),
        "notebooks": {
            "research": {
                "image": "kubeflownotebookswg/jupyter-scipy:v1.9.0",
                "pool": "cpu",
                "resources": {"cpu": "2", "memory": "8Gi"},
                "volume": "20Gi",
                "models": [model_name(i) for i in range(min(3, n))],
            }
        },
        "features": {
            "store": "sagemaker",
            "groups": {
                "transactions": {
                    "recordId": "transaction_id",
                    "eventTime": "event_time",
                    "features": {"amount": "float", "merchant": "string", "country": "string"},
                    "online": True,
                }
            },
        },
        "serving": {serving_name(i): _serving(i) for i in indices},
        "monitoring": {
            "prometheus": {"interval": "30s"},
            "dashboards": True,
            "receivers": {
                "oncall": {"pagerduty": {"routingKeySecret": "pd-ml-oncall"}},
                "owners": {"email": {"to": ["ml-owners@acme.example"]}},
            },
            "routes": {"page": ["oncall"], "ticket": ["owners"], "info": ["owners"]},
            "alerts": {f"{serving_name(i)}-slo": _alert(i) for i in indices},
            "drift": {
                serving_name(i): {
                    "reference": f"s3://acme-ml-data/{model_name(i)}/reference.parquet",
                    "current": f"s3://acme-ml-data/{model_name(i)}/requests/",
                    "schedule": "@hourly" if i % 2 else "15 * * * *",
                    "threshold": round(0.2 + (i % 3) / 10, 2),
                }
                for i in indices
            },
        },
        "gitops": {
            "repo": "https://git.acme.example/platform/ml-deploy.git",
            "branch": "main",
            "path": f"stacks/{STACK}",
            "argocd": {
                "project": "ml-platform",
                "namespace": "argocd",
                "autoSync": True,
                "prune": True,
                "selfHeal": True,
            },
        },
        "environments": {
            "staging": {
                "platform": {
                    "kubernetes": {"namespace": f"{STACK}-staging"},
                    "terraform": {"backend": {"s3": {"key": f"ml/{STACK}/staging.tfstate"}}},
                },
                "compute": {"gpu": {"nodes": {"min": 0, "max": 2}}},
                "serving": {serving_name(i): {"replicas": {"min": 1, "max": 2}} for i in overlaid},
            },
            "prod": {
                "platform": {
                    "terraform": {"backend": {"s3": {"key": f"ml/{STACK}/prod.tfstate"}}},
                },
                "serving": {
                    serving_name(i): {"replicas": {"min": 2 + i % 3, "max": 8 + 2 * (i % 17)}}
                    for i in overlaid
                },
            },
        },
    }


# --- a small YAML emitter: block style, with flow style for small leaf maps and lists ----------

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/@+-]*(:[A-Za-z0-9._/@+-]+)*(%)?")
_NOT_PLAIN = re.compile(
    r"[-+]?[0-9._]+([eE][-+]?[0-9]+)?|0[xo][0-9a-fA-F]+|"
    r"(?i:true|false|yes|no|on|off|y|n|null|~|\.inf|\.nan)"
)


def _scalar(value: Any, *, flow: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and not _NOT_PLAIN.fullmatch(text) and not (flow and ":" in text):
        return text
    return json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


def _leaf(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _flow(value: dict[str, Any] | list[Any]) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_scalar(v, flow=True)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(_scalar(v, flow=True) for v in value) + "]"


def _inline(line: str, item: Any) -> str | None:
    """`line` + the flow form of `item` when it is a short leaf map or a leaf list."""
    if isinstance(item, list) and all(_leaf(v) for v in item):
        return f"{line} {_flow(item)}"
    if isinstance(item, dict) and item and len(item) <= 4 and all(_leaf(v) for v in item.values()):
        flow = f"{line} {_flow(item)}"
        return flow if len(flow) <= 100 else None
    return None


def _emit(value: dict[str, Any], indent: int, out: list[str]) -> None:
    pad = "  " * indent
    for key, item in value.items():
        inline = _inline(f"{pad}{key}:", item)
        if inline is not None:
            out.append(inline)
        elif isinstance(item, dict):
            out.append(f"{pad}{key}:")
            _emit(item, indent + 1, out)
        elif isinstance(item, list):
            raise TypeError(f"lists of maps are not emitted (key {key!r})")
        else:
            out.append(f"{pad}{key}: {_scalar(item)}")


def generate(n: int) -> str:
    """A valid AWS stack with `n` models as YAML text; deterministic in `n`."""
    lines = [
        f"# bench/generate.py {n}: a {n}-model AWS stack for benchmarking `mlstack validate`.",
    ]
    data = stack(n)
    for section, value in data.items():
        if isinstance(value, dict):
            lines.append("")
            lines.append(f"{section}:")
            _emit(value, 1, lines)
        else:
            lines.append(f"{section}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "n", type=int, help="number of models (each with training, serving, alert, drift)"
    )
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    text = generate(args.n)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
