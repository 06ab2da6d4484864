"""Spec schedules in the cron dialect of each cloud's scheduler (targets/terraform/cron.py)."""

from __future__ import annotations

import pytest

from mlstack.targets.terraform import cron


@pytest.mark.parametrize(
    ("schedule", "unix", "azure"),
    [
        ("@weekly", "0 0 * * 0", "0 0 * * 0"),
        ("15 3 * jan sun", "15 3 * JAN SUN", "15 3 * JAN SUN"),
        ("0 2 * * 7", "0 2 * * 7", "0 2 * * 0"),
        ("0 2 * * 5-7", "0 2 * * 5-7", "0 2 * * 5,6,0"),
        ("0 2 * * fri-7,2", "0 2 * * FRI-7,2", "0 2 * * 5,6,0,2"),
        ("0 2 * * 1-7/3", "0 2 * * 1-7/3", "0 2 * * 1,4,0"),
        ("*/5 * * * 1-5", "*/5 * * * 1-5", "*/5 * * * 1-5"),
    ],
)
def test_schedules_in_each_clouds_cron(schedule: str, unix: str, azure: str) -> None:
    assert (cron.unix(schedule), cron.azure(schedule)) == (unix, azure)
