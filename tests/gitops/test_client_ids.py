"""`mlstack azure-client-ids` on a real compiled Azure environment: it takes either shape of
`terraform output -json`, writes exactly the ServiceAccounts the kustomization wires, and
refuses input that would leave one without its identity, writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlstack.gitops.client_ids import command
from mlstack.names import AZURE_CLIENT_IDS_FILE
from mlstack.pipeline import check
from mlstack.targets import kubernetes
from tests.helpers import ROOT

ACCOUNTS = [
    "drift-label-api",
    "mlflow",
    "notebook-vision-lab",
    "serve-label-api",
    "serve-ocr",
    "train-label-classifier",
]
IDS = {name: f"00000000-0000-4000-8000-{index:012d}" for index, name in enumerate(ACCOUNTS)}


def _compiled(tmp_path: Path, spec: str) -> Path:
    plan = check(ROOT / "specs" / spec / "mlstack.yaml").plans[-1]
    for artifact in kubernetes.compile_plan(plan):
        (tmp_path / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / artifact.path).write_bytes(artifact.content)
    return tmp_path / "kubernetes"


def _run(folder: Path, document: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(command, [str(folder)], input=json.dumps(document))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "document",
    [
        {**IDS, "serve-retired": "00000000-0000-4000-8000-999999999999"},
        {
            "azure_workload_client_ids": {"sensitive": False, "type": ["map"], "value": IDS},
            "azure_client_id_mlflow": {
                "sensitive": False,
                "type": "string",
                "value": IDS["mlflow"],
            },
        },
    ],
    ids=["one-output", "all-outputs"],
)
def test_writes_the_wired_serviceaccounts(tmp_path: Path, document: object) -> None:
    folder = _compiled(tmp_path, "vision-azure")
    code, out, err = _run(folder, document)
    assert (code, err) == (0, "")
    assert out == f"wrote {folder / AZURE_CLIENT_IDS_FILE} (6 ServiceAccounts)\n"
    lines = (folder / AZURE_CLIENT_IDS_FILE).read_text().splitlines()
    assert [line for line in lines if not line.startswith("#")] == [
        f"{name}={IDS[name]}" for name in ACCOUNTS
    ]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {k: v for k, v in IDS.items() if k != "serve-ocr"},
            "azure_workload_client_ids has no client id for serve-ocr: apply the Terraform of "
            "the same compile as this kustomization",
        ),
        ({**IDS, "mlflow": "(known after apply)"}, "not a client id (a GUID) for mlflow"),
        (
            {"bucket": {"sensitive": False, "type": "string", "value": "x"}},
            "the Terraform outputs have no azure_workload_client_ids: is this an Azure stack?",
        ),
        ([IDS], "expected a JSON object from `terraform output -json azure_workload_client_ids`"),
    ],
    ids=["missing", "not-a-guid", "other-outputs", "not-an-object"],
)
def test_refuses_input_that_leaves_a_serviceaccount_out(
    tmp_path: Path, document: object, message: str
) -> None:
    folder = _compiled(tmp_path, "vision-azure")
    assert _run(folder, document) == (1, "", f"error: {message}\n")
    assert not (folder / AZURE_CLIENT_IDS_FILE).exists()


def test_refuses_a_kustomization_without_client_ids(tmp_path: Path) -> None:
    folder = _compiled(tmp_path, "fraud")
    code, _, err = _run(folder, IDS)
    assert code == 1 and err.startswith("error: this kustomization wires no Azure client ids")
    assert not (folder / AZURE_CLIENT_IDS_FILE).exists()
