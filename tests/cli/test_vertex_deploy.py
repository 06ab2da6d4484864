"""`mlstack vertex-deploy`, run on compiled environments against a stand-in gcloud that holds
the Vertex AI state of a project (tests/data/gcloud/fake_gcloud.py: the flags of the gcloud
reference only, and what Vertex AI refuses). What counts is the endpoint after the step: it
serves the primary and the canary models at their shares, on the serving's machines, replicas,
CPU target and service account; a second run changes nothing; a new share is one update; a new
model version rolls out beside the old one and the old one goes, the split adding up to 100 at
every step."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlstack.pipeline import check
from tests.helpers import ROOT, run_mlstack
from tests.targets.tf_output import files

SPEC = ROOT / "specs/recsys-gcp/mlstack.yaml"
FAKE = ROOT / "tests/data/gcloud/fake_gcloud.py"
MUTATING = {"upload", "deploy-model", "update", "undeploy-model"}


def _compile(tmp: Path, text: str, environment: str = "prod") -> Path:
    """The environment's terraform/ folder compiled from `text`, written under `tmp`."""
    spec = tmp / "spec" / "mlstack.yaml"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(text)
    result = check(spec)
    assert result.ok, result.diagnostics
    plan = next(p for p in result.plans if p.environment == environment)
    folder = tmp / environment
    for name, content in files(plan).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder / "terraform"


class Cloud:
    """The stand-in's state and log, with the endpoint Terraform created."""

    def __init__(self, tmp: Path, terraform: Path) -> None:
        self.state = tmp / "state.json"
        self.log = tmp / "gcloud.log"
        document = json.loads((terraform / "main.tf.json").read_text())
        self.endpoint = document["resource"]["google_vertex_ai_endpoint"]["ranker"]["name"]
        empty = {"deployedModels": [], "trafficSplit": {}}
        self.state.write_text(json.dumps({"models": {}, "endpoints": {self.endpoint: empty}}))
        shims = tmp / "bin"
        shims.mkdir()
        (shims / "gcloud").write_text(f"#!{sys.executable}\n" + FAKE.read_text())
        (shims / "gcloud").chmod(0o755)
        self.env = {
            "PATH": f"{shims}:{os.environ['PATH']}",
            "FAKE_GCLOUD_STATE": str(self.state),
            "FAKE_GCLOUD_LOG": str(self.log),
        }

    def deploy(self, terraform: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        """Runs the step; returns the verbs of the calls that changed something."""
        self.log.write_text("")
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)
        result = run_mlstack("vertex-deploy", str(terraform), cache=cache)
        assert result.returncode == 0, result.stderr
        calls = [json.loads(line) for line in self.log.read_text().splitlines()]
        return [call[2] for call in calls if call[2] in MUTATING]

    def endpoint_state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.state.read_text())
        return dict(state["endpoints"][self.endpoint])

    def served(self) -> dict[str, tuple[str, int]]:
        """display name of each deployed model -> (artifact it serves, percent of traffic)."""
        state = json.loads(self.state.read_text())
        endpoint = state["endpoints"][self.endpoint]
        return {
            d["display-name"]: (
                state["models"][d["model"].rsplit("/", 1)[1]]["artifact-uri"],
                endpoint["trafficSplit"].get(d["id"], 0),
            )
            for d in endpoint["deployedModels"]
        }


def test_a_new_endpoint_serves_primary_and_canary_at_their_shares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terraform = _compile(tmp_path, SPEC.read_text())
    cloud = Cloud(tmp_path, terraform)
    changes = cloud.deploy(terraform, tmp_path / "cache", monkeypatch)
    assert changes == ["upload", "upload", "deploy-model", "deploy-model", "update"]
    assert cloud.served() == {
        "primary": ("gs://acme-recsys-models/ranker/xgb/v5", 80),
        "canary": ("gs://acme-recsys-models/ranker/xgb/v6", 20),
    }
    document = json.loads((terraform / "main.tf.json").read_text())
    account = document["resource"]["google_service_account"]["vertex_ranker"]["account_id"]
    for deployed in cloud.endpoint_state()["deployedModels"]:
        assert deployed["machine-type"] == "n1-standard-4"
        assert (deployed["min-replica-count"], deployed["max-replica-count"]) == ("3", "20")
        assert deployed["autoscaling-metric-specs"] == "cpu-usage=60"
        assert deployed["service-account"] == f"{account}@acme-recsys-prod.iam.gserviceaccount.com"
    # Idempotent: the same wanted state changes nothing.
    assert cloud.deploy(terraform, tmp_path / "cache", monkeypatch) == []


def test_changes_roll_out_without_a_gap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = SPEC.read_text()
    first = _compile(tmp_path / "v1", text)
    cloud = Cloud(tmp_path, first)
    cloud.deploy(first, tmp_path / "cache", monkeypatch)
    before = {d["id"] for d in cloud.endpoint_state()["deployedModels"]}
    shifted = text.replace(
        "canary: {model: ranker-xgb-v6, traffic: 20}", "canary: {model: ranker-xgb-v6, traffic: 50}"
    )
    assert shifted != text
    terraform = _compile(tmp_path / "v2", shifted)
    assert cloud.deploy(terraform, tmp_path / "cache", monkeypatch) == ["update"]
    assert {d["id"] for d in cloud.endpoint_state()["deployedModels"]} == before
    assert cloud.served()["canary"] == ("gs://acme-recsys-models/ranker/xgb/v6", 50)
    promoted = shifted.replace(
        "uri: gs://acme-recsys-models/ranker/xgb/v6", "uri: gs://acme-recsys-models/ranker/xgb/v7"
    )
    terraform = _compile(tmp_path / "v3", promoted)
    primary = next(
        d["id"] for d in cloud.endpoint_state()["deployedModels"] if d["display-name"] == "primary"
    )
    seen = len(cloud.endpoint_state()["splits"])
    changes = cloud.deploy(terraform, tmp_path / "cache", monkeypatch)
    # The primary keeps its share while the new canary version arrives beside the old one.
    assert [s[primary] for s in cloud.endpoint_state()["splits"][seen:]] == [50, 50, 50]
    # The stand-in refuses any split that does not add up to 100 and undeploying a model that
    # still has traffic, so passing here means no request was left without a model.
    assert changes == ["upload", "deploy-model", "update", "undeploy-model"]
    assert cloud.served() == {
        "primary": ("gs://acme-recsys-models/ranker/xgb/v5", 50),
        "canary": ("gs://acme-recsys-models/ranker/xgb/v7", 50),
    }


def test_nothing_to_do_without_vertex_servings(tmp_path: Path) -> None:
    folder = tmp_path / "terraform"
    folder.mkdir()
    result = run_mlstack("vertex-deploy", str(folder), cache=tmp_path / "cache")
    assert result.returncode == 0 and result.stdout == ""


def test_the_workflow_deploys_right_after_each_apply() -> None:
    """Under apply: ci the publish job applies each changed environment and then, in the same
    iteration, deploys its Vertex AI models: the endpoint exists, and nothing is published
    before both are done."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/mlstack.yml").read_text())
    steps = workflow["jobs"]["publish"]["steps"]
    apply = next(s for s in steps if "terraform" in s.get("run", "") and " apply " in s["run"])
    lines = [line.strip() for line in apply["run"].splitlines()]
    applied = next(i for i, line in enumerate(lines) if " apply " in line)
    deployed = lines.index('mlstack vertex-deploy "out/$environment/terraform"')
    done = lines.index("done 3< terraform-envs.txt")
    assert applied < deployed < done
    assert steps.index(apply) < next(
        i for i, s in enumerate(steps) if "mlstack publish" in s.get("run", "")
    )


def test_an_endpoint_terraform_has_not_created_stops_the_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run before apply (or after a failed one), the step fails with gcloud's reason, so the
    job stops before anything is published."""
    terraform = _compile(tmp_path, SPEC.read_text())
    cloud = Cloud(tmp_path, terraform)
    cloud.state.write_text(json.dumps({"models": {}, "endpoints": {}}))
    for key, value in cloud.env.items():
        monkeypatch.setenv(key, value)
    cloud.log.write_text("")
    result = run_mlstack("vertex-deploy", str(terraform), cache=tmp_path / "cache")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: gcloud ai endpoints describe failed: ERROR: (gcloud) NOT_FOUND: endpoint "
        f"{cloud.endpoint}"
    )
