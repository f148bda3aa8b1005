"""newsclust: nightly news deduplication and story clustering.

The library is one module per stage (see ``pipeline.py`` for their order):
``io`` → ``text`` → ``dedup`` (with ``minhash``) → ``embed`` → ``stories`` → ``label`` → ``report``.
A finished run folder is read back by ``runs``; ``views`` answers ``newsclust show`` and ``newsclust diff``.
"""

__version__ = "0.1.0"
