"""SIGTERM (what cron, systemd and Kubernetes send to stop a job) as an exception, so a run stops cleanly.

``stop_on_sigterm`` turns SIGTERM into ``Terminated``, a ``BaseException``: it unwinds through every ``finally`` and
``except BaseException`` on its way out, so staging folders are removed and the nightly lock is released, and the
CLI exits with 143 (128 + 15, what a shell reports for a process ended by SIGTERM). ``sigterm_deferred`` holds the
signal back during a step that must not be cut in two (the renames after the nightly commit point) and raises it
when the step is done. A step may turn ``Terminated`` into an error of its own (an extension module whose import it
cuts fails with ``ImportError: initialization failed``), so ``sigterm_received`` says whether the signal came.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(BaseException):
    """The process received SIGTERM; raised in the main thread where it was running."""

    def __init__(self) -> None:
        super().__init__("stopped by SIGTERM")


_deferring = False
_deferred = False
_received = False


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _deferred, _received
    _received = True
    if _deferring:
        _deferred = True
        return
    raise Terminated()


def sigterm_received() -> bool:
    """Whether SIGTERM arrived since ``stop_on_sigterm`` was entered."""
    return _received


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """While the block runs, SIGTERM raises ``Terminated``; the previous handler is restored after it."""
    global _received
    _received = False
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def sigterm_deferred() -> Iterator[None]:
    """Hold SIGTERM back until the block is done, then raise it (outside the block)."""
    global _deferring, _deferred
    _deferring, _deferred = True, False
    try:
        yield
    finally:
        _deferring = False
    if _deferred:
        _deferred = False
        raise Terminated()
