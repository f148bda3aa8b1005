"""Rounds the coverage states ("the third round of talks", "round 3"), and rounds that keep a chain in order."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster.config import load_config
from cluster.ordinals import agreed_round, article_round, article_rounds, stated_round
from cluster.pipeline import run
from cluster.story_table import ChainRounds


@pytest.mark.parametrize(("text", "expected"), [
    ("Third round of Istanbul talks ends without a ceasefire deal", 3),
    ("Russian and Ukrainian delegations meet for the 3rd round in Istanbul", 3),
    ("Delegations return to Istanbul for round 3", 3),
    ("Round Three of the Istanbul talks opens at Dolmabahce Palace", 3),
    ("Round II of the Geneva talks", 2),
    ("Second Trump-Kim summit set for Hanoi", 2),
    ("Central bank delivers fourth rate rise this year", 4),
    ("Fed announces its fourth interest rate hike", 4),
    ("England level the series in the Second Test", 2),
    ("After the second round collapsed, a third round of talks began", 3),  # the occurrence it reports
    ("the 21st meeting of the commission", 21),
])
def test_a_text_states_the_occurrence_it_reports(text, expected):
    assert stated_round(text) == expected


@pytest.mark.parametrize("text", [
    "Crews walked out on the second day of the strike",  # a part of one occurrence
    "It was the first time a vote had been held on the island",
    "First lady opens the new wing",
    "Profits rose in the first quarter",
    "Champions win round 3-1 on aggregate",  # a score
    "The 2018 round of tenders",  # a year is no round number
    "Talks resume in Istanbul",
    "She won in round 2018 of the league",
])
def test_texts_that_number_nothing_state_no_round(text):
    assert stated_round(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("ſecond round of talks", 2),  # long s: IGNORECASE reads it as "second", lower() does not (this crashed)
    ("Round İİ of the talks", 2),  # dotted capital I: "ii" to the pattern, "i̇i̇" to lower() (this crashed)
    ("fİrst summit", 1), ("round ٣", 3), ("round ıı", None),
])
def test_ordinals_the_patterns_read_case_insensitively_are_valued_as_they_read_them(text, expected):
    assert stated_round(text) == expected


STATING = ["Third round of Istanbul talks ends", "Delegations return to Istanbul for ROUND 3", "Round II of the talks",
           "the 21st meeting of the commission", "Second Trump-Kim summit", "Leg Two of the tour", "SESSION 4 opens"]


def test_a_column_of_articles_reads_only_those_that_may_state_a_round_and_gives_the_same_rounds():
    """The polars pass that rules texts out must never rule out one that states a round (capitals, digits, a
    round stated only in the lead, nulls)."""
    titles = [*STATING, "Talks resume in Istanbul", "", None, "Ferry crews walk out", "Firstly, a word"]
    leads = ["", "", "", "", "", "", "", "The third round opens on Monday.", None, "x", "after a 2nd strike vote", ""]
    expected = [article_round(t or "", x or "") for t, x in zip(titles, leads, strict=True)]
    assert article_rounds(pl.Series(titles, dtype=pl.String), pl.Series(leads, dtype=pl.String)) == expected
    assert expected[:7] == [3, 3, 2, 21, 2, 2, 4] and expected[7] == 3 and expected[10] == 2


PIECES = ["third", "3rd", "21st", "Second", "round", "ROUND", "Round", "summit", "rate rise", "leg", "no.", "No", "3",
          "II", "two", "Trump-Kim", "x²", "e\u0301te", "of", "the", "day", " ", "  ", "\u00a0", "\x1c", "\u2003", "-",
          "\n", ":", "3-1", "%", "talks", "Ⅲ", "½", "ſecond", "fİrst", "İİ", "ıı", "٣"]


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.sampled_from(PIECES), max_size=10).map(" ".join), st.lists(st.sampled_from(PIECES), max_size=6)
       .map("".join))
def test_the_polars_pass_never_rules_out_a_text_that_states_a_round(spaced, joined):
    # unicode spaces Python's \s holds and polars' may not, marks, superscripts, case folding: a superset or wrong
    for text in (spaced, joined):
        if stated_round(text) is not None:
            assert article_rounds(pl.Series([text]), pl.Series([""])) == [stated_round(text)]
            assert article_rounds(pl.Series([""]), pl.Series([text])) == [stated_round(text)]


def test_words_and_digits_give_the_same_round():
    assert stated_round("third round of talks") == stated_round("3rd round of talks") == stated_round("round 3") == 3
    assert stated_round("twelfth summit") == stated_round("12th summit") == 12


def test_an_article_states_its_headlines_round_before_its_leads():
    lead = "Drivers walked out again on Monday, and the union warned of a third walkout next month."
    assert article_round("Second rail strike shuts the Tamsin Valley line", lead) == 2
    assert article_round("Tamsin Valley line shut", lead) == 3


def story_round(articles: list[tuple[str, str]]) -> int | None:
    """The round a story of ``(headline, lead)`` articles states, as the label stage reads it."""
    titles, leads = zip(*articles, strict=True)
    return agreed_round(article_rounds(pl.Series(titles, dtype=pl.String), pl.Series(leads, dtype=pl.String)))


def test_a_story_takes_the_round_most_of_its_stating_articles_agree_on():
    articles = [("Third round of Istanbul talks opens", ""), ("Istanbul talks: round 3 begins", ""),
                ("Delegates arrive in Istanbul", ""), ("Talks resume after the second round", "")]
    assert story_round(articles) == 3
    assert story_round([("Third round of talks", ""), ("Second round of talks", "")]) is None  # conflicting
    assert story_round([("Talks resume", ""), ("Delegates arrive", "")]) is None  # absent
    # one article of six looking ahead does not number the story
    assert story_round([("Second launch attempt set for Thursday", "")] + [("Rocket launch scrubbed", "")] * 5) is None


def test_stated_rounds_keep_a_chain_in_order_and_the_count_takes_over_otherwise():
    rounds = ChainRounds()
    assert rounds.assign("c-talks", 1, 3) == (3, True)  # a first night that reads "third round": round 3
    assert rounds.assign("c-talks", 2, None) == (4, False)  # the chain's next story counts on from there
    assert rounds.assign("c-talks", 3, 2) == (5, False)  # a stated round below the chain's is a conflict
    assert rounds.assign("c-rates", 1, 1) == (1, False)  # "first" numbers nothing new
    assert rounds.assign("c-new", 4, 6, earlier=3) == (6, True)  # a new round of a chain from earlier nights


ISTANBUL = [
    ("ist1", "Third round of Russia-Ukraine talks opens in Istanbul",
     "Russian and Ukrainian delegations met in Istanbul on Wednesday for the third round of direct peace talks, "
     "with prisoner exchanges and a ceasefire on the agenda."),
    ("ist2", "Istanbul talks: round 3 ends after an hour",
     "The third round of talks between Russia and Ukraine in Istanbul ended after about an hour, with both sides "
     "agreeing to a further exchange of prisoners."),
    ("ist3", "Russia and Ukraine agree prisoner swap at Istanbul talks",
     "Negotiators from Moscow and Kyiv agreed in Istanbul to exchange more prisoners of war, officials said after "
     "the third round of talks at Ciragan Palace."),
    ("vol1", "Volcano erupts on remote Pacific island",
     "A volcano erupted on a remote island in the South Pacific on Wednesday, sending ash several kilometres into "
     "the sky and forcing flights to divert."),
]


def test_a_first_night_reads_the_round_from_its_articles(tmp_path: Path, hashing_embedder):
    feed = tmp_path / "night.jsonl"
    feed.write_text("".join(json.dumps({"id": i, "title": t, "text": x, "source": f"Outlet {k}",
                                        "published_at": f"2025-07-23T{9 + k:02d}:00:00Z"}) + "\n"
                            for k, (i, t, x) in enumerate(ISTANBUL)))
    config = load_config(None, {"input.paths": [str(feed)], "output.dir": str(tmp_path / "out")})
    tables = run(config, embedder=hashing_embedder).tables
    story_of = dict(zip(tables["articles"]["article_id"], tables["articles"]["story_id"], strict=True))
    assert story_of["ist1"] == story_of["ist2"] == story_of["ist3"] != story_of["vol1"]
    stories = {row["story_id"]: row for row in tables["stories"].iter_rows(named=True)}
    talks, volcano = stories[story_of["ist1"]], stories[story_of["vol1"]]
    assert talks["round"] == 3 and talks["label"].endswith(" round 3")
    assert volcano["round"] == 1 and "round" not in volcano["label"]
