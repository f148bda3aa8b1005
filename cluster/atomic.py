"""Folders that appear whole or not at all: stage into a hidden sibling, fsync, then swap it in with renames.

Readers therefore see either the previous complete folder or the new complete one, never a mix. ``atomic_folder``
is the one-step form (a run folder); the nightly job uses ``stage_folder`` and ``commit_folder`` separately so that
its journal can sit between staging and commit. ``state.recover_folders`` cleans what a killed process leaves.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class FolderInUse(Exception):
    """A folder to be replaced holds something the new folder would not: replacing it would delete that."""


def ensure_replaceable(target: str | Path, will_write: set[str]) -> None:
    """Refuse to replace ``target`` when it holds an entry not in ``will_write``.

    Replacing swaps the whole folder, so anything else in it would be deleted: a folder of the user's, another
    program's files, or the tables of an earlier, fuller run. A missing or empty folder is always replaceable.
    """
    target = Path(target)
    if not target.exists():
        return
    if not target.is_dir():
        raise FolderInUse(f"{target} exists and is not a folder; choose another output folder")
    foreign = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in target.iterdir()
                     if entry.name not in will_write)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise FolderInUse(
            f"{target} holds {shown}, which this run would not write; replacing the folder would delete "
            f"{'them' if len(foreign) > 1 else 'it'}. Choose another output folder (--out) or move "
            f"{'them' if len(foreign) > 1 else 'it'} away"
        )


@contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces ``target`` whole, on failure it is removed."""
    staging = stage_folder(target)
    try:
        yield staging
        fsync_tree(staging)
        commit_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def stage_folder(target: str | Path) -> Path:
    """An empty hidden sibling of ``target`` to write into (``.NAME.tmp-PID``)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    return staging


def commit_folder(staging: Path, target: str | Path) -> None:
    """Put a complete staged folder in place of ``target``: two renames, then the old folder is deleted.

    A crash between the renames leaves ``.NAME.old-PID`` and no ``NAME``; ``state.recover_folders`` puts it back.
    """
    target = Path(target)
    retired = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    _fsync_dir(target.parent)
    if retired.exists():
        shutil.rmtree(retired)


def fsync_tree(folder: Path) -> None:
    """Flush every file under ``folder`` and the folder itself to disk, so a rename never publishes unwritten data."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
