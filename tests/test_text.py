"""Normalisation, learned and configured chrome removal, and word shingles."""

from __future__ import annotations

import numpy as np
import polars as pl
import xxhash

from cluster.schema import CLEANED
from cluster.text import normalise, shingle_hash, shingle_hashes, strip_boilerplate, words


def frame(rows: list[tuple[str, str | None, str]]) -> pl.DataFrame:
    """Articles as (article_id, source, text)."""
    ids, sources, texts = zip(*rows, strict=True)
    return pl.DataFrame({"article_id": list(ids), "source": list(sources), "text": list(texts)},
                        schema={"article_id": pl.String, "source": pl.String, "text": pl.String})


def strip(rows, min_docs: int = 3, max_words: int = 60, patterns: list[str] | None = None) -> dict[str, dict]:
    cleaned = strip_boilerplate(frame(rows), min_docs, max_words, patterns or [])
    assert cleaned.schema == CLEANED
    return {row["article_id"]: row for row in cleaned.iter_rows(named=True)}


# ---------------------------------------------------------------- normalise


def test_normalise_plain_quotes_dashes_case_and_whitespace():
    assert normalise("\u201cIt\u2019s\u201d  \u2014 the\u00a0END\u2026\n\t\u2018ok\u2019 \u2013 \u2212") == '"it\'s" - the end... \'ok\' - -'


def test_normalise_applies_nfkc():
    assert normalise("\uff21\uff22\uff23 \ufb01le") == "abc file"


def test_words_are_normalised_tokens():
    assert words("The U.S.-led \u201cdeal\u201d, 2024: it\u2019s_done") == ["the", "u", "s", "led", "deal", "2024", "it", "s_done"]


# ---------------------------------------------------------------- strip_boilerplate


BANNER = "Get all your news in one place."


def test_line_in_three_articles_of_one_source_is_chrome():
    result = strip([
        ("a", "Hub", f"{BANNER}\nMinisters met on Monday."),
        ("b", "Hub", f"get ALL your news in one place\nThe storm moved north."),
        ("c", "Hub", f"  {BANNER}!  \nPrices rose again."),
    ])
    assert [result[k]["body"] for k in "abc"] == ["Ministers met on Monday.", "The storm moved north.", "Prices rose again."]
    assert [result[k]["chrome_lines"] for k in "abc"] == [1, 1, 1]
    assert [result[k]["chrome_chars"] for k in "abc"] == [len(BANNER), len("get ALL your news in one place"), len(BANNER) + 1]


def test_same_line_in_three_sources_is_kept():
    result = strip([
        ("a", "Alpha", f"{BANNER}\nMinisters met on Monday."),
        ("b", "Beta", f"{BANNER}\nThe storm moved north."),
        ("c", "Gamma", f"{BANNER}\nPrices rose again."),
    ])
    assert result["a"]["body"] == f"{BANNER}\nMinisters met on Monday."
    assert [result[k]["chrome_lines"] for k in "abc"] == [0, 0, 0]
    assert [result[k]["chrome_chars"] for k in "abc"] == [0, 0, 0]


def test_line_in_two_articles_is_below_min_docs():
    result = strip([("a", "Hub", f"{BANNER}\nOne."), ("b", "Hub", f"{BANNER}\nTwo."), ("c", "Hub", "Three.")])
    assert result["a"]["body"] == f"{BANNER}\nOne."
    assert strip([("a", "Hub", f"{BANNER}\nOne."), ("b", "Hub", f"{BANNER}\nTwo.")], min_docs=2)["a"]["body"] == "One."


def test_line_repeated_inside_one_article_counts_once():
    result = strip([("a", "Hub", f"{BANNER}\nOne.\n{BANNER}\n{BANNER}"), ("b", "Hub", "Two.")])
    assert result["a"]["chrome_lines"] == 0


def test_long_repeated_line_is_never_chrome():
    quote = "The minister said the plan would take effect next year after a vote."  # 13 words
    result = strip([(k, "Wire", f"{quote}\nStory {k}.") for k in "abc"], max_words=12)
    assert result["a"]["body"] == f"{quote}\nStory a."
    assert strip([(k, "Wire", f"{quote}\nStory {k}.") for k in "abc"], max_words=13)["a"]["body"] == "Story a."


def test_pattern_lines_are_removed_case_insensitively():
    result = strip(
        [("a", "Wire", "Rates held.\nREAD THE FULL STORY at wire.example\nMore detail.\nSubscribe to our daily newsletter")],
        patterns=["^read the full story", "subscribe to .{0,40}newsletter"],
    )
    assert result["a"]["body"] == "Rates held.\nMore detail."
    assert result["a"]["chrome_lines"] == 2
    assert result["a"]["chrome_chars"] == len("READ THE FULL STORY at wire.example") + len("Subscribe to our daily newsletter")


def test_bullets_under_a_chrome_line_are_chrome():
    text = "Rates held.\nRelated stories:\n- Markets slip\n- Oil climbs\nThe bank will meet again in June."
    result = strip([("a", "Wire", text)], patterns=["^related stories"])
    assert result["a"]["body"] == "Rates held.\nThe bank will meet again in June."
    assert result["a"]["chrome_lines"] == 3


def test_body_keeps_line_order_and_row_order():
    rows = [
        (f"id{n}", f"src{n % 7}", "\n".join([BANNER] + [f"Paragraph {i} of article {n}." for i in range(25)]))
        for n in range(300)
    ]
    result = strip_boilerplate(frame(rows), 3, 60, [])
    assert result["article_id"].to_list() == [f"id{n}" for n in range(300)]
    assert result["body"].to_list() == ["\n".join(f"Paragraph {i} of article {n}." for i in range(25)) for n in range(300)]
    assert result["chrome_lines"].to_list() == [1] * 300


def test_blank_lines_dropped_and_empty_text_gives_empty_body():
    result = strip([("a", None, "  First.  \n\n\n  Second.\n"), ("b", None, ""), ("c", None, "\n \n")])
    assert result["a"]["body"] == "First.\nSecond."
    assert (result["b"]["body"], result["b"]["chrome_lines"], result["b"]["chrome_chars"]) == ("", 0, 0)
    assert result["c"]["body"] == ""


def test_missing_source_is_one_shared_source():
    result = strip([(k, None, f"{BANNER}\nStory {k}.") for k in "abc"])
    assert result["c"]["body"] == "Story c."


# ---------------------------------------------------------------- shingles


def test_shingle_hashes_are_sorted_unique_uint32():
    tokens = "the cat sat on the mat the cat sat on the mat".split()
    hashes = shingle_hashes(tokens, 3)
    assert hashes.dtype == np.uint32
    assert np.all(np.diff(hashes.astype(np.int64)) > 0)
    expected = {xxhash.xxh32_intdigest(" ".join(tokens[i : i + 3]).encode()) for i in range(len(tokens) - 2)}
    assert set(hashes.tolist()) == expected
    assert len(hashes) == 6  # the cat sat / cat sat on / sat on the / on the mat / the mat the / mat the cat


def test_short_token_list_gives_one_shingle():
    assert shingle_hashes(["breaking", "news"], 4).tolist() == [xxhash.xxh32_intdigest(b"breaking news")]
    assert shingle_hashes(["a", "b", "c", "d"], 4).tolist() == [shingle_hash("a b c d")]


def test_no_tokens_give_no_shingles():
    empty = shingle_hashes([], 4)
    assert empty.dtype == np.uint32
    assert empty.size == 0


def test_shingle_hash_accepts_text_or_bytes():
    assert shingle_hash("a b c") == shingle_hash(b"a b c") == xxhash.xxh32_intdigest(b"a b c")
