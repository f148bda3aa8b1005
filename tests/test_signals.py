"""SIGTERM as a clean stop (``jobs.signals``), with the real signal sent to this process."""

from __future__ import annotations

import signal

import pytest

from jobs.cli import _run_failures
from jobs.exit_codes import ExitCode, RunFailed, Stopped
from jobs.signals import Terminated, sigterm_deferred, sigterm_received, stop_on_sigterm


def test_sigterm_raises_terminated_and_is_remembered():
    with stop_on_sigterm():
        assert not sigterm_received()
        with pytest.raises(Terminated):
            signal.raise_signal(signal.SIGTERM)
        assert sigterm_received()
    with stop_on_sigterm():
        assert not sigterm_received()  # each run starts without it


def test_a_sigterm_that_a_step_turned_into_another_error_is_still_a_stop():
    # a SIGTERM that lands in the import of an extension module surfaces as "ImportError: initialization failed";
    # the run must still end as stopped (exit 143), not as a failure with that traceback
    with pytest.raises(Stopped) as stopped, _run_failures(str):
        try:
            signal.raise_signal(signal.SIGTERM)
        except Terminated:
            raise ImportError("initialization failed") from None
    assert stopped.value.exit_code == ExitCode.TERMINATED


def test_an_error_without_a_sigterm_is_a_failure_as_before():
    with pytest.raises(RunFailed), _run_failures(lambda exc: f"cannot write: {exc}"):
        raise PermissionError("read-only")
    with pytest.raises(ZeroDivisionError), _run_failures(str):
        raise ZeroDivisionError


def test_a_deferred_sigterm_is_raised_after_its_block():
    finished = []
    with stop_on_sigterm(), pytest.raises(Terminated), sigterm_deferred():
        signal.raise_signal(signal.SIGTERM)
        finished.append(True)  # the block is not cut
    assert finished == [True]
