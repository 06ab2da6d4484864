"""A stand-in for `gcloud ai` (no cloud here): the Vertex AI state of one project as a JSON
file (`FAKE_GCLOUD_STATE`), every call appended to `FAKE_GCLOUD_LOG`. It takes only the flags
the gcloud reference lists for each command (cloud.google.com/sdk/gcloud/reference/ai/...)
and refuses what Vertex AI refuses: a deployed model id that is not 1-10 digits, a model that
was not uploaded, a traffic split that does not add up to 100 or names an unknown deployed
model, undeploying a model that still has traffic. The endpoint keeps every split it had
(`splits`), so a test can see what callers got during a rollout."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

FLAGS = {
    ("models", "describe"): {"region", "project", "format"},
    ("models", "upload"): {
        "region",
        "project",
        "model-id",
        "display-name",
        "artifact-uri",
        "container-image-uri",
        "labels",
    },
    ("endpoints", "describe"): {"region", "project", "format"},
    ("endpoints", "deploy-model"): {
        "region",
        "project",
        "model",
        "deployed-model-id",
        "display-name",
        "machine-type",
        "min-replica-count",
        "max-replica-count",
        "service-account",
        "accelerator",
        "autoscaling-metric-specs",
        "traffic-split",
    },
    ("endpoints", "update"): {"region", "project", "traffic-split"},
    ("endpoints", "undeploy-model"): {"region", "project", "deployed-model-id"},
}


def fail(message: str, code: int = 1) -> None:
    print(f"ERROR: (gcloud) {message}", file=sys.stderr)
    raise SystemExit(code)


def split(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (pair.split("=") for pair in text.split(","))}


def main(argv: list[str]) -> None:
    with open(os.environ["FAKE_GCLOUD_LOG"], "a") as log:
        log.write(json.dumps(argv) + "\n")
    if argv[:1] != ["ai"] or len(argv) < 3:
        fail(f"unexpected command {argv}", 2)
    group, verb, rest = argv[1], argv[2], argv[3:]
    allowed = FLAGS.get((group, verb))
    if allowed is None:
        fail(f"unknown command ai {group} {verb}", 2)
    positional = [a for a in rest if not a.startswith("--")]
    flags = dict(a[2:].split("=", 1) for a in rest if a.startswith("--"))
    if set(flags) - allowed:
        fail(f"unrecognized arguments: {sorted(set(flags) - allowed)}", 2)
    path = Path(os.environ["FAKE_GCLOUD_STATE"])
    state: dict[str, Any] = json.loads(path.read_text())
    models, endpoints = state["models"], state["endpoints"]
    if group == "models" and verb == "describe":
        if positional[0] not in models:
            fail(f"NOT_FOUND: model {positional[0]}")
        print(json.dumps(models[positional[0]]))
        return
    if group == "models":
        model_id = flags["model-id"]
        if model_id in models or not re.fullmatch(r"[a-z][a-z0-9_-]{0,62}", model_id):
            fail(f"INVALID_ARGUMENT or ALREADY_EXISTS: {model_id}")
        models[model_id] = {
            k: flags[k] for k in ("display-name", "artifact-uri", "container-image-uri")
        }
    else:
        endpoint = endpoints.get(positional[0])
        if endpoint is None:
            fail(f"NOT_FOUND: endpoint {positional[0]}")
        present = {d["id"] for d in endpoint["deployedModels"]}
        if verb == "describe":
            print(json.dumps(endpoint))
            return
        if verb == "deploy-model":
            new = flags["deployed-model-id"]
            if not re.fullmatch(r"[0-9]{1,10}", new) or new in present:
                fail(f"INVALID_ARGUMENT: deployed model id {new}")
            if flags["model"] not in models:
                fail(f"NOT_FOUND: model {flags['model']}")
            wanted = {(new if k == "0" else k): v for k, v in split(flags["traffic-split"]).items()}
            present.add(new)
            endpoint["deployedModels"].append(
                {
                    "id": new,
                    "model": f"projects/123/locations/r/models/{flags['model']}",
                    **{
                        k: v
                        for k, v in flags.items()
                        if k not in ("region", "project", "model", "traffic-split")
                    },
                }
            )
        elif verb == "update":
            wanted = split(flags["traffic-split"])
        else:
            gone = flags["deployed-model-id"]
            if endpoint["trafficSplit"].get(gone, 0):
                fail(f"FAILED_PRECONDITION: deployed model {gone} still has traffic")
            endpoint["deployedModels"] = [d for d in endpoint["deployedModels"] if d["id"] != gone]
            endpoint["trafficSplit"].pop(gone, None)
            wanted = endpoint["trafficSplit"]
        if sum(wanted.values()) != 100 or set(wanted) - present:
            fail(f"INVALID_ARGUMENT: traffic split {wanted}")
        endpoint["trafficSplit"] = wanted
        endpoint.setdefault("splits", []).append(wanted)  # every split it ever had, in order
    path.write_text(json.dumps(state))


if __name__ == "__main__":
    main(sys.argv[1:])
