"""Configs that would crash or hang later are refused on load, fast, with exit 2 and the file and key named."""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner

from jobs.cli import main

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9) if previous else ', '.join(['x'] * 9)}]\n"
    for previous, name in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True)
) + "label:\n  max_words: *h\n"


def _check(tmp_path: Path, content: bytes) -> tuple[int, str]:
    config = tmp_path / "config.yaml"
    config.write_bytes(content)
    result = CliRunner().invoke(main, ["check-config", str(config)])
    return result.exit_code, result.output.replace(str(config), "CONFIG")


def test_an_infinite_threshold_is_refused_with_its_key(tmp_path):
    code, output = _check(tmp_path, b"stories:\n  article_threshold: .inf\n")
    assert code == 2
    assert output == ("error: config CONFIG: 1 error(s)\n"
                      "  stories.article_threshold: Input should be a finite number (got inf)\n")


def test_nan_is_refused(tmp_path):
    code, output = _check(tmp_path, b"dedup:\n  jaccard_threshold: .nan\n")
    assert code == 2 and "dedup.jaccard_threshold: Input should be a finite number" in output


def test_a_config_that_is_not_utf8_is_refused_naming_the_byte(tmp_path):
    code, output = _check(tmp_path, "label:\n  max_words: 5  # café\n".encode("latin-1"))
    assert code == 2
    assert output == "error: config CONFIG: not UTF-8 text (byte 0xe9 at offset 28); save it as UTF-8\n"


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    assert len(BOMB) < 600
    started = time.perf_counter()
    code, output = _check(tmp_path, BOMB.encode())
    assert time.perf_counter() - started < 5
    assert code == 2 and "more than 100,000 values once YAML aliases are expanded" in output


def test_small_aliases_still_work(tmp_path):
    code, output = _check(tmp_path, b"x: &words 7\nlabel:\n  max_words: *words\n")
    assert code == 2 and "x: unknown key" in output  # the alias resolved; only the helper key is unknown


def test_deeply_nested_yaml_is_refused_not_a_crash(tmp_path):
    code, output = _check(tmp_path, b"label: " + b"[" * 5000 + b"]" * 5000 + b"\n")
    assert code == 2 and output.startswith("error: config CONFIG:")
