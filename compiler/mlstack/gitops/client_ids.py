"""`mlstack azure-client-ids`: the deploy step's end of the Azure Workload Identity flow.

After `terraform apply`, the output `azure_workload_client_ids` maps each ServiceAccount to
its managed identity's client id. This command writes it as the env file an Azure
environment's kustomization reads (targets/kubernetes/azure_client_ids.py), without jq. It
takes the file name and the ServiceAccounts from the kustomization itself, and refuses input
that misses one of them or holds something that is no client id (a GUID), so a mismatch stops
the deploy step rather than Argo CD's build.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import click
import yaml

from mlstack.names import AZURE_CLIENT_ID_ANNOTATION, AZURE_CLIENT_IDS

OUTPUT = "azure_workload_client_ids"
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class ClientIdError(Exception):
    """Input or kustomization that cannot give the env file; one line for the user."""


def wiring(kustomization: bytes) -> tuple[str, list[str]]:
    """The env file the client-id ConfigMap is generated from, and the ServiceAccounts whose
    annotation the replacements fill from it."""
    document = yaml.safe_load(kustomization) or {}
    envs = [
        env
        for generator in document.get("configMapGenerator") or []
        if generator.get("name") == AZURE_CLIENT_IDS
        for env in generator.get("envs") or []
    ]
    accounts = sorted(
        str(replacement["source"]["fieldPath"]).removeprefix("data.")
        for replacement in document.get("replacements") or []
        if replacement.get("source", {}).get("name") == AZURE_CLIENT_IDS
    )
    if len(envs) != 1 or not accounts:
        raise ClientIdError(
            "this kustomization wires no Azure client ids (an Azure environment whose "
            "workloads read cloud storage has them)"
        )
    return str(envs[0]), accounts


def client_ids(document: Any) -> dict[str, Any]:
    """The map from `terraform output -json azure_workload_client_ids`, or the same output
    taken out of `terraform output -json` (every output as {value, type, sensitive})."""
    if not isinstance(document, dict):
        raise ClientIdError(f"expected a JSON object from `terraform output -json {OUTPUT}`")
    whole = document.get(OUTPUT)
    if isinstance(whole, dict) and "value" in whole:
        found = whole["value"]
        return dict(found) if isinstance(found, dict) else {}
    if all(isinstance(value, dict) and "value" in value for value in document.values()):
        raise ClientIdError(f"the Terraform outputs have no {OUTPUT}: is this an Azure stack?")
    return dict(document)


def env_file(ids: Mapping[str, Any], accounts: list[str]) -> str:
    """`SERVICEACCOUNT=CLIENT_ID` for exactly `accounts`, sorted, under a comment saying where
    the values came from (kustomize skips `#` lines)."""
    missing = [account for account in accounts if account not in ids]
    if missing:
        raise ClientIdError(
            f"{OUTPUT} has no client id for {', '.join(missing)}: apply the Terraform of the "
            "same compile as this kustomization"
        )
    wrong = [a for a in accounts if not isinstance(ids[a], str) or not _GUID.fullmatch(ids[a])]
    if wrong:
        raise ClientIdError(f"not a client id (a GUID) for {', '.join(wrong)}")
    lines = [
        f"# ServiceAccount={AZURE_CLIENT_ID_ANNOTATION}, from the Terraform output {OUTPUT}",
        "# (written by `mlstack azure-client-ids` after `terraform apply`).",
        *(f"{account}={ids[account]}" for account in accounts),
    ]
    return "\n".join(lines) + "\n"


def render(kustomization: bytes, source: TextIO) -> tuple[str, str, int]:
    """The env file's name beside the kustomization, its text and its entry count."""
    name, accounts = wiring(kustomization)
    try:
        document = json.load(source)
    except json.JSONDecodeError as error:
        raise ClientIdError(f"the input is not JSON ({error})") from None
    return name, env_file(client_ids(document), accounts), len(accounts)


def write(folder: Path, source: TextIO) -> tuple[Path, int]:
    """Write the env file beside `folder`'s kustomization.yaml; its path and entry count."""
    kustomization = folder / "kustomization.yaml"
    if not kustomization.is_file():
        raise ClientIdError(f"{folder} has no kustomization.yaml (give a compiled kubernetes/)")
    name, text, count = render(kustomization.read_bytes(), source)
    target = folder / name
    target.write_text(text, encoding="utf-8")
    return target, count


@click.command(name="azure-client-ids")
@click.argument(
    "folder", type=click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)
)
@click.option(
    "-i",
    "--input",
    "source",
    type=click.File("r", encoding="utf-8"),
    default="-",
    show_default=True,
    help=f"`terraform output -json {OUTPUT}` (or all of `terraform output -json`); - is stdin.",
)
def command(folder: Path, source: TextIO) -> None:
    """Write an Azure environment's client ids beside its kustomization.

    FOLDER is the environment's compiled kubernetes/ folder (in out/ or a checkout of the
    deploy repo). Run after `terraform apply` of the same environment:

    \b
    terraform -chdir=ENV/terraform output -json azure_workload_client_ids \\
      | mlstack azure-client-ids ENV/kubernetes

    Until the file is there, kustomize (and Argo CD) cannot build the environment.
    """
    try:
        target, count = write(folder, source)
    except ClientIdError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(f"wrote {target} ({count} ServiceAccounts)")
