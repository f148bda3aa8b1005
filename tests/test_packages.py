"""Files of installed packages found without importing them (``cluster.packages``)."""

from __future__ import annotations

import subprocess
import sys

from cluster.packages import package_file


def test_a_shipped_file_is_found_and_anything_else_is_none():
    assert package_file("plotly", "package_data/plotly.min.js").is_file()
    assert package_file("plotly", "package_data/no-such-file.js") is None
    assert package_file("no_such_package_for_newsclust", "x.py") is None
    assert package_file("json", "no-such-file") is None  # a package of the standard library


def test_finding_a_file_imports_nothing():
    code = ("import sys; from cluster.packages import package_file; package_file('sklearn', 'x'); "
            "package_file('plotly', 'package_data/plotly.min.js'); "
            "print('sklearn' in sys.modules, 'plotly' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout == "False False\n"
