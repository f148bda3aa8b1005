"""Exit codes: one home for their numbers and meanings, and the click exceptions that end a command with them."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from jobs.exit_codes import (
    MEANINGS,
    ExitCode,
    NightLocked,
    NoInputForNight,
    RunFailed,
    StateRefused,
    TooManyRejects,
    UsageOrConfigError,
    exit_codes_markdown,
)


def test_codes_are_the_documented_numbers():
    assert {code.name: int(code) for code in ExitCode} == {
        "SUCCESS": 0, "FAILURE": 1, "USAGE": 2, "LOCKED": 3, "NO_INPUT": 4, "STATE_REFUSED": 5,
        "TOO_MANY_REJECTS": 6, "TERMINATED": 143,
    }
    assert set(MEANINGS) == set(ExitCode)


def test_markdown_table_has_one_row_per_code():
    lines = exit_codes_markdown().splitlines()
    assert lines[:2] == ["| code | meaning |", "|---|---|"]
    assert [line.split(" | ")[0] for line in lines[2:]] == [f"| `{int(code)}`" for code in ExitCode]


@pytest.mark.parametrize(
    ("error", "code"),
    [(RunFailed, 1), (UsageOrConfigError, 2), (NightLocked, 3), (NoInputForNight, 4), (StateRefused, 5),
     (TooManyRejects, 6)],
)
def test_each_error_exits_with_its_code_and_one_error_line(error, code):
    @click.command()
    def command() -> None:
        raise error("what went wrong")

    result = CliRunner().invoke(command, [])
    assert result.exit_code == code
    assert result.stderr == "error: what went wrong\n"
    assert result.stdout == ""
