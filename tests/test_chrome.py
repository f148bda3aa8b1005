"""Chrome removal: lines learned per source and across the corpus from varying surroundings, configured patterns,
bullets under chrome, and the cleaned body's line handling."""

from __future__ import annotations

import polars as pl
import pytest
from dedup_worlds import NEWS_PARAGRAPHS as BODIES

from cluster.chrome import strip_boilerplate
from cluster.config import CleanConfig
from cluster.schema import CLEANED


def frame(rows: list[tuple[str, str | None, str]]) -> pl.DataFrame:
    """Articles as (article_id, source, text)."""
    ids, sources, texts = zip(*rows, strict=True)
    return pl.DataFrame({"article_id": list(ids), "source": list(sources), "text": list(texts)},
                        schema={"article_id": pl.String, "source": pl.String, "text": pl.String})


def clean(min_docs: int = 3, max_words: int = 60, **settings) -> CleanConfig:
    """The clean config with these tests' per-source rule (3 articles, lines up to 60 words) and, unless a test asks
    for them, without the built-in patterns (these tests are about learned chrome); the rest as configured."""
    return CleanConfig(boilerplate_min_docs=min_docs, boilerplate_max_words=max_words,
                       **{"builtin_patterns": False, **settings})


def strip(rows, min_docs: int = 3, max_words: int = 60, patterns: list[str] | None = None) -> dict[str, dict]:
    cleaned = strip_boilerplate(frame(rows), clean(min_docs, max_words, patterns=patterns or []))
    assert cleaned.schema == CLEANED
    return {row["article_id"]: row for row in cleaned.iter_rows(named=True)}


# ---------------------------------------------------------------- per-source chrome, patterns and line handling


BANNER = "Get all your news in one place."


def test_line_in_three_articles_of_one_source_is_chrome():
    result = strip([
        ("a", "Hub", f"{BANNER}\nMinisters met on Monday."),
        ("b", "Hub", "get ALL your news in one place\nThe storm moved north."),
        ("c", "Hub", f"  {BANNER}!  \nPrices rose again."),
    ])
    assert [result[k]["body"] for k in "abc"] == [
        "Ministers met on Monday.", "The storm moved north.", "Prices rose again."
    ]
    assert [result[k]["chrome_lines"] for k in "abc"] == [1, 1, 1]
    assert [result[k]["chrome_chars"] for k in "abc"] == [
        len(BANNER), len("get ALL your news in one place"), len(BANNER) + 1
    ]


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
        [("a", "Wire",
          "Rates held.\nREAD THE FULL STORY at wire.example\nMore detail.\nSubscribe to our daily newsletter")],
        patterns=["^read the full story", "subscribe to .{0,40}newsletter"],
    )
    assert result["a"]["body"] == "Rates held.\nMore detail."
    assert result["a"]["chrome_lines"] == 2
    removed = len("READ THE FULL STORY at wire.example") + len("Subscribe to our daily newsletter")
    assert result["a"]["chrome_chars"] == removed


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
    result = strip_boilerplate(frame(rows), clean())
    assert result["article_id"].to_list() == [f"id{n}" for n in range(300)]
    expected = ["\n".join(f"Paragraph {i} of article {n}." for i in range(25)) for n in range(300)]
    assert result["body"].to_list() == expected
    assert result["chrome_lines"].to_list() == [1] * 300


def test_blank_lines_dropped_and_empty_text_gives_empty_body():
    result = strip([("a", None, "  First.  \n\n\n  Second.\n"), ("b", None, ""), ("c", None, "\n \n")])
    assert result["a"]["body"] == "First.\nSecond."
    assert (result["b"]["body"], result["b"]["chrome_lines"], result["b"]["chrome_chars"]) == ("", 0, 0)
    assert result["c"]["body"] == ""


def test_missing_source_is_one_shared_source():
    result = strip([(k, None, f"{BANNER}\nStory {k}.") for k in "abc"])
    assert result["c"]["body"] == "Story c."


# ---------------------------------------------------------------- learned chrome: context, corpus rule, blocks




def test_syndicated_body_lines_repeated_with_their_neighbours_are_kept():
    # One source republishes the same three-paragraph article three times: same lines, same neighbours.
    body = "\n".join(BODIES[:3])
    others = [(k, "Hub", f"{BANNER}\n{BODIES[n]}") for n, k in zip(range(3, 7), "defg", strict=True)]
    result = strip([(k, "Hub", f"{BANNER}\n{body}") for k in "abc"] + others)
    assert [result[k]["body"] for k in "abc"] == [body] * 3
    assert result["d"]["body"] == BODIES[3]
    assert [result[k]["chrome_lines"] for k in "abcdefg"] == [1] * 7  # the banner sits before 5 different texts


def test_a_dropped_or_cut_paragraph_does_not_make_body_lines_chrome():
    # Three copies by one source: one drops the middle paragraph, one is cut short mid-paragraph.
    full = "\n".join(BODIES[:3])
    dropped = "\n".join([BODIES[0], BODIES[2]])
    cut = "\n".join([BODIES[0], BODIES[1][:40] + "..."])
    result = strip([("a", "Hub", full), ("b", "Hub", dropped), ("c", "Hub", cut)])
    assert [result[k]["body"] for k in "abc"] == [full, dropped, cut]


def test_a_block_of_chrome_is_peeled_line_by_line():
    # The middle footer line always sits between the same two chrome lines: it is found once those are.
    footer = "Share this story\nFacebook / X / Email\nCopyright 2024 Hub Media"
    rows = [(str(k), "Hub", f"{BODIES[k]}\n{footer}") for k in range(4)]
    result = strip(rows)
    assert [result[str(k)]["body"] for k in range(4)] == BODIES[:4]
    assert {result[str(k)]["chrome_lines"] for k in range(4)} == {3}


def test_corpus_rule_finds_short_lines_across_sources_in_varying_context():
    rows = [(str(k), f"Outlet {k % 3}", f"Advertisement\n{BODIES[k]}") for k in range(6)]
    stats: dict = {}
    cleaned = strip_boilerplate(frame(rows), clean(corpus_min_docs=6, corpus_min_sources=3), stats=stats)
    assert cleaned["body"].to_list() == BODIES[:6]
    assert (stats["chrome_lines_corpus"], stats["chrome_lines_source"], stats["chrome_lines_pattern"]) == (6, 0, 0)
    assert stats["chrome_chars_corpus"] == 6 * len("Advertisement")
    total = sum(len(f"Advertisement\n{b}") for b in BODIES[:6])
    assert stats["chrome_share_chars"] == pytest.approx(6 * len("Advertisement") / total)
    # below the thresholds, or with the corpus rule off, nothing is learned
    assert strip_boilerplate(frame(rows[:5]), clean())["chrome_lines"].sum() == 0
    assert strip_boilerplate(frame(rows), clean(corpus_min_docs=0))["chrome_lines"].sum() == 0
    # 0 words is below the key's validated range (every line has a word): set unvalidated to shut the rule out
    no_short_lines = clean().model_copy(update={"corpus_max_words": 0})
    assert strip_boilerplate(frame(rows), no_short_lines)["chrome_lines"].sum() == 0


def test_corpus_rule_keeps_a_short_line_syndicated_across_sources():
    # Six aggregators copy the same article; its short one-line quote paragraph keeps its neighbours everywhere.
    quote = '"We will rebuild," the mayor said.'
    article = "\n".join([BODIES[1], quote, BODIES[2]])
    rows = [(str(k), f"Aggregator {k}", f"Aggregator {k} news\n{article}") for k in range(6)]
    result = strip(rows, patterns=["^aggregator \\d news$"])
    assert {result[str(k)]["body"] for k in range(6)} == {article}


def test_long_bullets_under_chrome_are_body_text():
    text = f"Related stories:\n- {BODIES[0]} {BODIES[1]}\n- Markets slip"
    result = strip([("a", "Wire", text)], patterns=["^related stories"])
    assert result["a"]["body"] == f"- {BODIES[0]} {BODIES[1]}\n- Markets slip"
    text = "Related stories:\n- Markets slip\n- Oil climbs"
    assert strip([("a", "Wire", text)], patterns=["^related stories"])["a"]["body"] == ""
