"""Exit codes of ``newsclust``, and the click exceptions that end a command with each of them.

The one home of the codes: the CLI raises these exceptions, and the README's exit-code table is rendered from
``MEANINGS`` (see ``jobs/readme.py``). Codes 3 to 5 come only from ``nightly``, which a cron wrapper tells apart;
6 says a run finished but its input needs a look (cron mails only on failure).
Each exception prints ``error: MESSAGE`` on stderr, one line a cron mail or a log can quote.
"""

from __future__ import annotations

from enum import IntEnum
from typing import IO, Any

import click


class ExitCode(IntEnum):
    SUCCESS = 0
    FAILURE = 1
    USAGE = 2
    LOCKED = 3
    NO_INPUT = 4
    STATE_REFUSED = 5
    TOO_MANY_REJECTS = 6
    TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process ended by it


MEANINGS: dict[ExitCode, str] = {
    ExitCode.SUCCESS: "success",
    ExitCode.FAILURE: "failure during the run (an input that cannot be read at all, a model that cannot be loaded, "
    "an output folder that cannot be written); after `nightly`, outputs and state are unchanged",
    ExitCode.USAGE: "usage or config error (nothing was run)",
    ExitCode.LOCKED: "`nightly` only: another run holds the lock",
    ExitCode.NO_INPUT: "`nightly` only: no input file for the night",
    ExitCode.STATE_REFUSED: "`nightly` only: state refused (other settings, or a later night already processed)",
    ExitCode.TOO_MANY_REJECTS: "too many rows rejected (more than `input.max_reject_share`, default half) or no "
    "article accepted; the outputs (and, after `nightly`, the state) were written: see `rejects`",
    ExitCode.TERMINATED: "stopped by SIGTERM (cron, systemd, Kubernetes): staging folders removed, the nightly lock "
    "released, outputs and state as before the run",
}


def exit_codes_markdown() -> str:
    """The README's exit-code table."""
    rows = [f"| `{code.value}` | {MEANINGS[code]} |" for code in ExitCode]
    return "\n".join(["| code | meaning |", "|---|---|", *rows])


class CommandError(click.ClickException):
    """A command that cannot go on; shown as ``error: MESSAGE`` on stderr (click's own form is ``Error: ...``)."""

    exit_code = ExitCode.FAILURE

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=file is None)


class RunFailed(CommandError):
    """The run started and failed: unreadable input, a model that does not load, outputs that cannot be written."""

    exit_code = ExitCode.FAILURE


class UsageOrConfigError(CommandError):
    """Bad options, a missing or invalid config, or nothing to run; nothing was run."""

    exit_code = ExitCode.USAGE


class NightLocked(CommandError):
    """Another nightly run holds the lock."""

    exit_code = ExitCode.LOCKED


class NoInputForNight(CommandError):
    """The night's input pattern matches no file."""

    exit_code = ExitCode.NO_INPUT


class Stopped(CommandError):
    """The run was stopped by SIGTERM and cleaned up after itself."""

    exit_code = ExitCode.TERMINATED


class StateRefused(CommandError):
    """The state store refuses the night: written with other settings, or a later night is already processed."""

    exit_code = ExitCode.STATE_REFUSED


class TooManyRejects(CommandError):
    """The run finished and wrote its outputs, but rejected too many rows or accepted no article."""

    exit_code = ExitCode.TOO_MANY_REJECTS
