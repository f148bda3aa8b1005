"""The README's generated blocks: the configuration tables and the exit-code table, rendered from the code.

A generated block sits between marker comments; the start marker names the generator and its arguments:

    <!-- config-table:start input output -->   ...   <!-- config-table:end -->
    <!-- exit-codes:start -->                  ...   <!-- exit-codes:end -->
    <!-- stage-table:start -->                 ...   <!-- stage-table:end -->   (docs/architecture.md)
    <!-- rules:start canonical -->             ...   <!-- rules:end -->         (match, canonical, attribution)

``render_readme`` returns the text with every block re-rendered and the prose around them untouched; a test fails
when it differs from the committed README.

    python -m jobs.readme [FILE ...]      # rewrite the blocks in place (default: README.md, docs/architecture.md)
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from cluster.config_reference import config_reference_markdown
from cluster.pipeline import stage_table_markdown
from cluster.rules import rules_markdown
from jobs.exit_codes import exit_codes_markdown

GENERATORS: dict[str, Callable[[list[str]], str]] = {
    "config-table": lambda sections: config_reference_markdown(sections or None),
    "exit-codes": lambda _args: exit_codes_markdown(),
    "stage-table": lambda _args: stage_table_markdown(),
    "rules": lambda names: rules_markdown(names[0]),
}
DOCUMENTS = ("README.md", "docs/architecture.md", "docs/dedup.md")  # the files with generated blocks
_BLOCK = re.compile(
    r"(?P<start><!-- (?P<name>[a-z-]+):start(?P<args>(?: [a-z_]+)*) -->\n)(?P<body>.*?)(?P<end><!-- (?P=name):end -->)",
    re.DOTALL,
)


def render_readme(text: str) -> str:
    """``text`` with the body of every generated block replaced by its generator's output."""

    def rendered(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in GENERATORS:
            raise ValueError(f"README block {name!r} has no generator (known: {', '.join(GENERATORS)})")
        body = GENERATORS[name](match["args"].split())
        return f"{match['start']}{body}\n{match['end']}"

    return _BLOCK.sub(rendered, text)


def generated_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(generator name, arguments) of each generated block, in order."""
    return [(m["name"], m["args"].split()) for m in _BLOCK.finditer(text)]


if __name__ == "__main__":
    for document in [Path(name) for name in (sys.argv[1:] or DOCUMENTS)]:
        document.write_text(render_readme(document.read_text(encoding="utf-8")), encoding="utf-8")
