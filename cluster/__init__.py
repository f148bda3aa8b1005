"""newsclust: nightly news deduplication and story clustering.

The library is one module per stage (see ``pipeline.py`` for their order):
``ingest`` (with ``readers``) → ``chrome`` → ``dedup`` (with ``minhash``) → ``embed`` → ``stories`` → ``label`` →
``report``; run folders are written whole by ``atomic``.
A finished run folder is read back by ``runs``; ``views`` answers ``newsclust show`` and ``newsclust diff``.
"""

__version__ = "0.1.0"
