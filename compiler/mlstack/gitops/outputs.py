"""`mlstack publish --terraform-outputs DIR`: the Terraform outputs the cluster needs join the
commit that publishes the Kubernetes side (`gitops.terraform.apply: ci` and `none`).

Publish compiles afresh, so a file written into out/ before it would be gone; the outputs
are given instead as `DIR/STACK/ENV.json` (`terraform output -json` of that environment,
after its apply) and turned into the Azure client-id env file of that environment's freshly
compiled `kubernetes/` (client_ids.py), which publish adds to the commit; out/ keeps exactly
what compile wrote. An environment whose
kustomization wires no client ids ignores its file, so CI can save the outputs of every
environment it applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from mlstack.emit import Environment
from mlstack.gitops.client_ids import ClientIdError, render, wiring
from mlstack.gitops.repo import PublishError

Given = dict[str, dict[str, bytes]]
"""stack -> path inside its folder (`ENV/kubernetes/azure-client-ids.env`) -> content."""


def client_id_files(
    outputs: Path, out: Path, stacks: Mapping[str, Sequence[Environment]]
) -> tuple[Given, list[str]]:
    """The env file of every compiled environment that has outputs in `outputs` and needs
    them, for publish to add to the commit (out/ stays what compile wrote); one line each."""
    files: Given = {}
    said = []
    for stack, environments in sorted(stacks.items()):
        for environment in environments:
            given = outputs / stack / f"{environment.name}.json"
            kustomization = out / stack / environment.name / "kubernetes" / "kustomization.yaml"
            if not given.is_file() or not kustomization.is_file():
                continue
            try:
                wiring(kustomization.read_bytes())
            except ClientIdError:
                continue
            try:
                with given.open(encoding="utf-8") as source:
                    name, text, count = render(kustomization.read_bytes(), source)
            except ClientIdError as error:
                raise PublishError(f"{given}: {error}") from None
            path = f"{environment.name}/kubernetes/{name}"
            files.setdefault(stack, {})[path] = text.encode()
            said.append(f"{stack}/{path} from {given} ({count} ServiceAccounts)")
    return files, said
