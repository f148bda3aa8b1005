"""Ask a finished run folder "why": ``show`` (one story or one article) and ``diff`` (what changed between two runs).

Each view reads a ``cluster.runs.Run`` and returns a plain dict, ready for ``--json``; its ``format_*`` function turns
the dict into the terminal text of ``newsclust show`` or ``newsclust diff``. Nothing here runs the pipeline or loads
a model.
"""
