"""docs/kubernetes.md's add-on table says what compiler/mlstack/data/addons.json holds: every
chart or upstream path, repository, version, namespace and release, in the data's order,
and nothing else."""

from __future__ import annotations

import re

from mlstack import addons
from tests.helpers import ROOT


def _rows() -> list[list[str]]:
    text = (ROOT / "docs" / "kubernetes.md").read_text("utf-8")
    section = text[text.index("## Add-ons") :]
    header = "| add-on | installs | chart or path | repository | version | namespace | release |"
    table = section[section.index(header) :].split("\n\n", 1)[0].splitlines()[2:]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in table]


def test_the_table_is_the_data() -> None:
    expected = [
        [
            f"`{a.name}`",
            a.installs,
            f"chart `{s.chart}`" if s.chart else f"path `{s.path}`",
            f"`{s.repo_url}`",
            f"`{s.target_revision}`",
            f"`{a.namespace}`",
            a.release,
        ]
        for a in addons.table().values()
        for s in a.sources
    ]
    assert _rows() == expected


def test_the_spec_field_lists_the_same_names() -> None:
    schema = (ROOT / "mlstack.schema.json").read_text("utf-8")
    for name in addons.names():
        assert re.search(rf'"{re.escape(name)}"', schema), name
