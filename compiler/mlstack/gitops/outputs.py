"""`mlstack publish --terraform-outputs DIR`: the Terraform outputs the cluster needs join the
commit that publishes the Kubernetes side (`gitops.terraform.apply: ci` and `none`).

Publish compiles afresh, so a file written into out/ before it would be gone; the outputs
are given instead as `DIR/STACK/ENV.json` (`terraform output -json` of that environment,
after its apply) and turned into the Azure client-id env file of that environment's freshly
compiled `kubernetes/` (client_ids.py) before anything is committed. An environment whose
kustomization wires no client ids ignores its file, so CI can save the outputs of every
environment it applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from mlstack.emit import Environment
from mlstack.gitops.client_ids import ClientIdError, wiring, write
from mlstack.gitops.repo import PublishError


def write_outputs(
    outputs: Path, out: Path, stacks: Mapping[str, Sequence[Environment]]
) -> list[str]:
    """Write the env file of every compiled environment that has outputs in `outputs` and
    needs them; one line per file written."""
    said = []
    for stack, environments in sorted(stacks.items()):
        for environment in environments:
            given = outputs / stack / f"{environment.name}.json"
            folder = out / stack / environment.name / "kubernetes"
            kustomization = folder / "kustomization.yaml"
            if not given.is_file() or not kustomization.is_file():
                continue
            try:
                wiring(kustomization.read_bytes())
            except ClientIdError:
                continue
            try:
                with given.open(encoding="utf-8") as source:
                    target, count = write(folder, source)
            except ClientIdError as error:
                raise PublishError(f"{given}: {error}") from None
            said.append(f"wrote {target} from {given} ({count} ServiceAccounts)")
    return said
