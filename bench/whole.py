"""Whole commands timed as a user times them: wall time from process start to exit, and the process's peak memory.

Used by ``dedup_e2e.py`` and ``night.py``. Each command runs in a fresh process; ``os.wait4`` gives that process's
own peak resident set (``ru_maxrss``), so two commands never share a peak. The machine line names what the figures
were measured on.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SCRIPT = Path(sys.executable).parent / "newsclust"
NEWSCLUST = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "jobs.cli"]  # the command a user types


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_mb: float
    tree_peak_mb: float = 0.0  # with ``tree``: the peak of the summed memory of the process and all its descendants


def timed(argv: list[str], cwd: Path = ROOT, tree: bool = False) -> Timed:
    """Run ``argv`` to its end (its output discarded unless it fails) and return its wall time and peak memory.

    With ``tree``, the resident memory of the process and its descendants (a Spark driver's JVM and its Python
    workers) is also summed from ``/proc`` every 0.2 s, and the peak of the sum returned.
    """
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty command never blocks on a full pipe
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        sampler = _TreeSampler(process.pid) if tree else None
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        tree_peak = sampler.stop() if sampler else 0.0
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {code}:\n{stderr[-3000:]}")
    return Timed(seconds, usage.ru_maxrss / 1024.0, tree_peak)


class _TreeSampler:
    """The peak of the summed RSS of a process tree, sampled on a thread."""

    def __init__(self, root: int, every: float = 0.2) -> None:
        self.root, self.every, self.peak_mb = root, every, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak_mb

    def _run(self) -> None:
        while not self._done.wait(self.every):
            self.peak_mb = max(self.peak_mb, sum(_rss_kb(pid) for pid in _tree(self.root)) / 1024.0)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    """Cores, memory, Python and the accelerator (if any), for the header of a benchmark's output."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            memory = f", {int(meminfo.readline().split()[1]) / 1024 ** 2:.0f} GiB"
    except OSError:
        pass
    gpu = "CPU only"
    try:
        import torch

        if torch.cuda.is_available():
            gpu = f"GPU {torch.cuda.get_device_name(0)}"
    except ImportError:
        pass
    return f"{platform.machine()}, {cores} cores{memory}, Python {platform.python_version()}, {gpu}"
