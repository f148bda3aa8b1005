"""SIGTERM (what cron, systemd and Kubernetes send to stop a job) as an exception, so a run stops cleanly.

``stop_on_sigterm`` turns SIGTERM into ``Terminated``, a ``BaseException``: it unwinds through every ``finally`` and
``except BaseException`` on its way out, so staging folders are removed and the nightly lock is released, and the
CLI exits with 143 (128 + 15, what a shell reports for a process ended by SIGTERM). ``sigterm_deferred`` holds the
signal back during a step that must not be cut in two (the renames after the nightly commit point) and raises it
when the step is done.
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


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _deferred
    if _deferring:
        _deferred = True
        return
    raise Terminated()


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """While the block runs, SIGTERM raises ``Terminated``; the previous handler is restored after it."""
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
