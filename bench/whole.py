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


def timed(argv: list[str], cwd: Path = ROOT) -> Timed:
    """Run ``argv`` to its end (its output discarded unless it fails) and return its wall time and peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {code}:\n{stderr[-3000:]}")
    return Timed(seconds, usage.ru_maxrss / 1024.0)


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
