"""Which files a list of paths, globs and folders names: each real file once, whatever links lead to it.

A folder is searched recursively (``Path.rglob``, which does not follow links to folders). A glob is matched here
rather than by ``glob.glob``: its ``**`` follows links to folders, like ``glob`` does, but enters each real folder
once, so a link back up the tree (a loop) is walked once instead of until the path is too long, and two loops do not
multiply into a walk that never ends. Files reached by several paths (a link and its target) count once, under the
first path in sorted order.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from .rows import InputError

_MAGIC = re.compile(r"[*?[]")


def expand_inputs(patterns: list[str], is_supported: Callable[[Path], bool], suffixes: tuple[str, ...]) -> list[Path]:
    """Files named by paths, globs and folders, sorted within each, each real file once (see the module docstring).

    A folder or glob that names no supported file, and a path that does not exist, is an ``InputError``: a run over
    nothing is a mistake in the config or the command line, never an empty night.
    """
    if not patterns:
        raise InputError("no input given: set input.paths in the config or pass --input")
    found: list[Path] = []
    seen: set[str] = set()
    for pattern in patterns:
        for path in _matches(pattern, is_supported, ", ".join(suffixes)):
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                found.append(path)
    return found


def _matches(pattern: str, is_supported: Callable[[Path], bool], suffixes: str) -> list[Path]:
    path = Path(pattern)
    if path.is_dir():
        matches = sorted(p for p in path.rglob("*") if p.is_file() and is_supported(p))
        if not matches:
            raise InputError(f"input folder {pattern} holds no {suffixes} files")
        return matches
    if _MAGIC.search(pattern):
        matches = sorted(p for p in glob_files(pattern) if p.is_file() and is_supported(p))
        if not matches:
            raise InputError(f"input pattern {pattern} matches no {suffixes} file")
        return matches
    if path.is_file():
        return [path]
    raise InputError(f"input file {pattern} does not exist")


def glob_files(pattern: str) -> Iterator[Path]:
    """The paths ``pattern`` matches (``*``, ``?``, ``[...]`` within a name, ``**`` for any folders below), as
    ``glob.glob(pattern, recursive=True)`` would give them but entering each real folder once per ``**``."""
    parts = Path(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if _MAGIC.search(part)), len(parts))
    yield from _match(Path(*parts[:fixed]) if fixed else Path(), parts[fixed:])


def _match(base: Path, parts: tuple[str, ...]) -> Iterator[Path]:
    if not parts:
        yield base
        return
    head, rest = parts[0], parts[1:]
    if head == "**":
        for folder in _real_folders(base):
            yield from _match(folder, rest)
            if not rest:  # a final "**" matches the files in every folder too
                yield from (folder / name for name in _names(folder) if not name.startswith("."))
    elif _MAGIC.search(head):
        hidden_too = head.startswith(".")
        for name in _names(base):
            if fnmatch.fnmatchcase(name, head) and (hidden_too or not name.startswith(".")):
                yield from _match(base / name, rest)
    else:
        yield from _match(base / head, rest)


def _real_folders(base: Path) -> Iterator[Path]:
    """``base`` and every folder below it (links followed, hidden folders skipped), each real folder once, breadth
    first: a folder reached both directly and through a link back up the tree keeps its shortest path."""
    seen: set[tuple[int, int]] = set()
    queue = deque([base])
    while queue:
        folder = queue.popleft()
        try:
            status = folder.stat()
        except OSError:
            continue
        if (status.st_dev, status.st_ino) in seen:
            continue
        seen.add((status.st_dev, status.st_ino))
        yield folder
        queue.extend(folder / name for name in _names(folder) if not name.startswith(".") and (folder / name).is_dir())


def _names(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []
