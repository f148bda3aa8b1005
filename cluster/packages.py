"""Files that installed packages ship, found without importing the packages: importing scikit-learn or plotly
costs a run more than the one file it needs from them (a word list, a template, plotly.js)."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_file(package: str, relative: str) -> Path | None:
    """``relative`` inside the installed top-level ``package``'s folder, or None when the package is not installed,
    is not a folder, or lacks the file."""
    spec = importlib.util.find_spec(package)  # a top-level package is found, not run
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    found = Path(folders[0]) / relative if folders else None
    return found if found is not None and found.is_file() else None
