"""The one place a test asks for something outside Python: a program or a folder.

Outside CI a missing tool is a skip whose reason says how to install it, so a contributor
without terraform can still run the rest. Under `CI=true` it is a failure: CI that silently
skips the checks against real tools would pass while checking nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import KIT

TF_PLUGIN_DIR = Path(os.environ.get("MLSTACK_TF_PLUGIN_DIR", "/opt/tf-plugins"))
"""A local provider mirror (`terraform init -plugin-dir`): CI has no registry access."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def missing(what: str, install: str) -> None:
    """Fail under CI, skip elsewhere; `install` names the step that provides `what`."""
    message = f"{what} is missing: {install}"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def require(program: str, install: str) -> str:
    """The path of `program` on PATH (or an absolute path to it)."""
    found = shutil.which(program)
    if found is None:
        missing(program, install)
    assert found is not None
    return found


KUBECTL_INSTALL = "install kubectl (it carries kustomize), e.g. /usr/bin/kubectl as on CI machines"
TERRAFORM_INSTALL = "install terraform >= 1.5, e.g. /usr/local/bin/terraform as on CI machines"


def require_kubectl() -> str:
    return require("kubectl", KUBECTL_INSTALL)


def require_terraform() -> tuple[str, Path]:
    """terraform and the provider mirror `terraform init -plugin-dir` reads instead of a registry."""
    program = require("terraform", TERRAFORM_INSTALL)
    plugins = require_path(
        TF_PLUGIN_DIR,
        install="unpack hashicorp/aws into a local mirror "
        "(DIR/registry.terraform.io/hashicorp/aws/VERSION/linux_amd64/) and set MLSTACK_TF_PLUGIN_DIR=DIR",
    )
    return program, plugins


def require_path(path: Path, install: str) -> Path:
    """A folder or file the tests read that lives outside this repository."""
    if not path.exists():
        missing(str(path), install)
    return path


def require_kit() -> Path:
    """The schema kit; the repository carries it, so missing means a broken checkout."""
    return require_path(
        KIT / "MANIFEST.txt",
        install="restore tests/kit (git checkout -- tests/kit, or scripts/refresh_kit.py trim)",
    ).parent
