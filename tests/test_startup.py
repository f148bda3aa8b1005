"""The CLI starts without the numeric and model stack: ``--help`` and config checks stay fast."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "sentence_transformers", "sklearn", "scipy", "datasketch", "transformers")


def test_importing_the_cli_loads_no_model_or_numeric_stack():
    code = f"import sys, jobs.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
