"""Regenerate compiler/mlstack/data/backends.json from the offline backend schemas.

The backend block of `platform.terraform.backend` is passed to Terraform verbatim, so the
accepted argument names must be Terraform's own. They are copied from the ConfigSchema() of
each backend (../shared/schemas/terraform/backends/config_schema) with their provenance, so a
Terraform upgrade is one re-run of this script.

Usage: python scripts/backends_from_schema.py [SCHEMAS_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Arguments that carry a credential: Terraform reads them from the environment instead, and a
# literal in the spec would end up in a reviewed file and in the generated main.tf.json.
CREDENTIALS = {
    "s3": {"access_key", "secret_key", "token", "sse_customer_key"},
    "gcs": {"access_token", "credentials", "encryption_key"},
    "azurerm": {
        "access_key",
        "client_certificate",
        "client_certificate_password",
        "client_secret",
        "oidc_request_token",
        "oidc_token",
        "sas_token",
    },
    "local": set(),
}


def _kind(attribute: dict[str, object]) -> str:
    kind = attribute.get("type")
    if kind is None:
        return "object"
    if isinstance(kind, list):
        return "list" if kind[0] in ("list", "set") else "object"
    return str(kind)


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    schemas = Path(sys.argv[1]) if len(sys.argv) > 1 else here.parent / "shared" / "schemas"
    out: dict[str, object] = {}
    for backend in sorted(CREDENTIALS):
        raw = json.loads(
            (schemas / "terraform/backends/config_schema" / f"{backend}.json").read_text()
        )
        attributes = raw["schema"]["block"]["attributes"]
        out[backend] = {
            "source": f"{raw['source_repository']} {raw['source_ref']} "
            f"({raw['source_commit']}) {raw['source_path']}",
            "arguments": {
                name: {
                    "type": _kind(attr),
                    "required": bool(attr.get("required")),
                    "deprecated": bool(attr.get("deprecated")),
                    "credential": name in CREDENTIALS[backend],
                    "description": attr.get("description", ""),
                }
                for name, attr in sorted(attributes.items())
            },
        }
    target = here / "compiler/mlstack/data/backends.json"
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
