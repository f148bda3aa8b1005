"""Atomic folders: a folder is replaced whole on success and left as it was on failure, with nothing left over."""

from __future__ import annotations

import os

import pytest

from cluster.atomic import atomic_folder


def leftovers(parent, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def test_atomic_folder_success_replaces_existing_folder_whole(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.csv").write_text("old")
    (target / "shared.csv").write_text("old")
    with atomic_folder(target) as staging:
        assert staging != target
        assert staging.parent == target.parent
        (staging / "shared.csv").write_text("new")
        (staging / "new.parquet").write_text("new")
        assert (target / "old.csv").read_text() == "old"
    assert sorted(p.name for p in target.iterdir()) == ["new.parquet", "shared.csv"]
    assert (target / "shared.csv").read_text() == "new"
    assert leftovers(tmp_path, "out") == []


def test_atomic_folder_creates_missing_parents(tmp_path):
    target = tmp_path / "a" / "b" / "out"
    with atomic_folder(target) as staging:
        (staging / "x.csv").write_text("x")
    assert (target / "x.csv").read_text() == "x"


def test_atomic_folder_failure_keeps_previous_output_and_no_staging(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.csv").write_text("old")
    with pytest.raises(RuntimeError, match="stage failed"), atomic_folder(target) as staging:
        (staging / "old.csv").write_text("half-written")
        (staging / "partial.csv").write_text("half")
        raise RuntimeError("stage failed")
    assert sorted(p.name for p in target.iterdir()) == ["old.csv"]
    assert (target / "old.csv").read_text() == "old"
    assert leftovers(tmp_path, "out") == []
    assert not (tmp_path / f".out.tmp-{os.getpid()}").exists()


def test_atomic_folder_failure_without_previous_output_leaves_nothing(tmp_path):
    with pytest.raises(KeyError), atomic_folder(tmp_path / "out") as staging:
        (staging / "partial.csv").write_text("half")
        raise KeyError("boom")
    assert list(tmp_path.iterdir()) == []
