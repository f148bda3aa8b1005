"""The CLI starts without the numeric and model stack (``--help`` and config checks stay fast) and ends without
walking its objects."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "sentence_transformers", "sklearn", "scipy", "datasketch", "transformers")


def test_importing_the_cli_loads_no_model_or_numeric_stack():
    code = f"import sys, jobs.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_the_program_exits_with_its_objects_frozen_out_of_the_collector_and_keeps_its_exit_code():
    """``program`` (the installed ``newsclust``) freezes at exit, after the command has run, and a failing command
    still ends with its own exit code. The check is registered first, so it runs after the program's own handler."""
    code = ("import atexit, gc, sys, jobs.cli\n"
            "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
            "sys.argv = ['newsclust'] + sys.argv[1:]\n"
            "jobs.cli.program()\n")
    done = subprocess.run([sys.executable, "-c", code, "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "frozen True"
    failed = subprocess.run([sys.executable, "-c", code, "run", "--config", "no-such-config.yaml"],
                            capture_output=True, text=True)
    assert failed.returncode == 2 and failed.stdout.splitlines()[-1] == "frozen True"
    assert "no-such-config.yaml" in failed.stderr
