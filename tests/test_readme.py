"""The README's generated blocks (configuration tables, exit codes) equal what the code renders today."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from cluster.config import Config
from jobs.readme import generated_blocks, render_readme

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_blocks_match_the_code():
    text = README.read_text(encoding="utf-8")
    rendered = render_readme(text)
    diff = "".join(difflib.unified_diff(text.splitlines(True), rendered.splitlines(True), "README.md", "rendered"))
    assert rendered == text, f"README.md is out of date; run `python -m jobs.readme`:\n{diff}"


def test_readme_tables_cover_every_config_section_once():
    blocks = generated_blocks(README.read_text(encoding="utf-8"))
    sections = [section for name, args in blocks if name == "config-table" for section in args]
    assert sorted(sections) == sorted(Config.model_fields)
    assert ("exit-codes", []) in blocks


def test_a_block_without_a_generator_is_an_error():
    with pytest.raises(ValueError, match="'no-such' has no generator"):
        render_readme("<!-- no-such:start -->\nx\n<!-- no-such:end -->\n")


def test_rendering_keeps_the_prose_and_replaces_only_block_bodies():
    text = "Before.\n<!-- exit-codes:start -->\nstale\n<!-- exit-codes:end -->\nAfter.\n"
    rendered = render_readme(text)
    assert rendered.startswith("Before.\n<!-- exit-codes:start -->\n| code | meaning |\n")
    assert rendered.endswith("\n<!-- exit-codes:end -->\nAfter.\n")
    assert "stale" not in rendered


@pytest.mark.parametrize("doc, block", [("docs/architecture.md", ("stage-table", [])),
                                        ("docs/dedup.md", ("rules", ["canonical"]))])
def test_generated_blocks_in_the_docs_match_the_code(doc, block):
    text = (README.parent / doc).read_text(encoding="utf-8")
    assert block in generated_blocks(text)
    assert render_readme(text) == text, f"{doc} is out of date; run `python -m jobs.readme`"
