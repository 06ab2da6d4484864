"""Value types and credential detection, on the edges users actually hit."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from mlstack import secrets
from mlstack.schema import build
from mlstack.spec.types import (
    Duration,
    Image,
    Name,
    Quantity,
    Schedule,
    duration_seconds,
    quantity_value,
)


def _ok(kind: Any, value: object) -> bool:
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", 0.5),
        ("4Gi", 4 * 2**30),
        ("2", 2.0),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("128974848", 128974848.0),
    ],
)
def test_quantities(text: str, value: float) -> None:
    assert _ok(Quantity, text)
    assert quantity_value(text) == value


@pytest.mark.parametrize("text", ["4 GB", "4GB", "-1", "1.2.3", "Gi", ""])
def test_bad_quantities(text: str) -> None:
    assert not _ok(Quantity, text)


def test_durations() -> None:
    assert duration_seconds("1h30m") == 5400
    assert duration_seconds("250ms") == 0.25
    assert not _ok(Duration, "10") and not _ok(Duration, "10 min") and not _ok(Duration, 10)


@pytest.mark.parametrize(
    "text",
    [
        "@hourly",
        "0 3 * * 1",
        "*/15 * * * *",
        "0 0 1 jan,jul *",
        "0 9-17/2 * * mon-fri",
        "0 0 * * 7",
    ],
)
def test_schedules(text: str) -> None:
    assert _ok(Schedule, text)


@pytest.mark.parametrize(
    "text",
    [
        "@often",
        "0 3 * *",
        "60 * * * *",
        "0 24 * * *",
        "0 0 0 * *",
        "0 0 * 13 *",
        "*/0 * * * *",
        "0 0 * * funday",
    ],
)
def test_bad_schedules(text: str) -> None:
    assert not _ok(Schedule, text)


@pytest.mark.parametrize("name", ["a", "fraud-api", "x" * 40, "a1-b2"])
def test_names(name: str) -> None:
    assert _ok(Name, name)


@pytest.mark.parametrize("name", ["x" * 41, "Fraud", "a_b", "-a", "a-", ""])
def test_bad_names(name: str) -> None:
    assert not _ok(Name, name)


@pytest.mark.parametrize(
    "image",
    [
        "busybox",
        "ghcr.io/acme/x:1.4.2",
        "localhost:5000/a/b:c",
        "repo/x@sha256:" + "a" * 64,
        "nvcr.io/nvidia/tritonserver:24.08-py3",
    ],
)
def test_images(image: str) -> None:
    assert _ok(Image, image)


@pytest.mark.parametrize("image", ["Ghcr.io/Acme/X", "x:", "a b", "repo/x@sha256:zz"])
def test_bad_images(image: str) -> None:
    assert not _ok(Image, image)


@pytest.mark.parametrize(
    "value",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN RSA PRIVATE KEY-----",
        "postgres://ml:hunter2@db:5432/mlflow",
        "ghp_" + "a1B2" * 9,
        "hf_" + "abcDEF" * 6,
        "xoxb-1234-5678-abcdefgh",
    ],
)
def test_credentials_are_found(value: str) -> None:
    assert secrets.credential_kind(value) is not None


@pytest.mark.parametrize(
    "value",
    [
        "s3://acme-models/fraud/xgb/v7",
        "ghcr.io/acme/fraud-train:1.4.2",
        "python",
        "train.py",
        "https://mlflow.acme.example",
        "3f2a9c0d" * 5,
    ],
)
def test_ordinary_values_are_not_credentials(value: str) -> None:
    assert secrets.credential_kind(value) is None


def test_command_flags_with_literal_secrets() -> None:
    found = list(
        secrets.scan(
            {
                "command": [
                    "python",
                    "x.py",
                    "--password",
                    "hunter2",
                    "--token=abc",
                    "--api-key",
                    "$(KEY)",
                    "--epochs",
                    "3",
                ]
            }
        )
    )
    assert [path for path, _ in found] == [("command", 3), ("command", 4)]


def test_every_field_has_a_description() -> None:
    schema = build()
    missing = [
        f"{name}.{field}"
        for name, definition in schema["$defs"].items()
        if not name.startswith("Partial")
        for field, node in definition.get("properties", {}).items()
        if not node.get("description")
    ]
    missing += [
        field for field, node in schema["properties"].items() if not node.get("description")
    ]
    assert missing == []
