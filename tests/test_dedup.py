"""Syndicated-copy detection on small realistic articles: rules, guard, canonical choice, order and syndication."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster.config import CleanConfig, DedupConfig
from cluster.dedup import Deduplicator, group_id, syndication
from cluster.schema import ARTICLES, DUPLICATES, SYNDICATION
from cluster.chrome import strip_boilerplate

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
VOCAB = """
government minister said plan would take effect next year after vote parliament council city budget tax rates bank
inflation prices rose fell percent market shares investors company profit quarter workers union strike pay deal
talks agreed rejected proposal court judge ruled appeal case police arrested man woman suspect charged officers
hospital patients doctors health service waiting times report found study researchers university scientists data
climate energy power gas oil wind solar homes families school teachers pupils exam results water river flood storm
rain weather warning roads traffic train rail airport flights delays passengers election candidate campaign voters
poll party leader opposition spokesperson statement week month monday tuesday wednesday thursday friday weekend
morning evening local residents community project building housing rent owners land farm farmers crops food supply
shortage cost living support scheme funding million billion pounds dollars euros growth economy jobs unemployment
figures official office national regional county district north south east west coast border trade export import
""".split()
BANNER = "Get all your news in one place."
FOOTER = "Read the full story on the original site."


def prose(seed: int, words: int) -> str:
    """Deterministic news-like filler; different seeds share (practically) no four-word runs."""
    rng = random.Random(seed)
    tokens = [rng.choice(VOCAB) for _ in range(words)]
    sentences, start = [], 0
    while start < words:
        stop = min(start + rng.randint(8, 16), words)
        sentence = " ".join(tokens[start:stop])
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        start = stop
    return " ".join(sentences)


def paragraphs(seed: int, count: int, words: int = 50) -> list[str]:
    return [prose(seed * 100 + k, words) for k in range(count)]


def item(article_id: str, source: str | None, title: str, text: str, hours: float = 0.0, date_missing: bool = False):
    return {
        "article_id": article_id, "title": title, "text": text, "source": source, "url": None,
        "published_at": T0 + timedelta(hours=hours), "date_missing": date_missing, "file": "test.jsonl", "row": 0,
    }


def frames(rows: list[dict], clean: CleanConfig | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """ARTICLES and CLEANED frames for ``rows``, the second through the real boilerplate stripper."""
    clean = clean or CleanConfig()
    articles = pl.DataFrame(rows, schema=ARTICLES, orient="row").with_columns(pl.int_range(1, len(rows) + 1).alias("row"))
    cleaned = strip_boilerplate(articles, clean)
    return articles, cleaned


def dedup(rows: list[dict], **settings) -> dict[str, dict]:
    articles, cleaned = frames(rows)
    table = Deduplicator(DedupConfig(**settings)).fit(articles, cleaned).table_
    assert table.schema == DUPLICATES
    assert table["article_id"].to_list() == [r["article_id"] for r in rows]
    return {row["article_id"]: row for row in table.iter_rows(named=True)}


def partition(table: dict[str, dict]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for article_id, row in table.items():
        groups.setdefault(row["dup_group_id"], set()).add(article_id)
    return {frozenset(g) for g in groups.values()}


def teaser_world() -> list[dict]:
    """Three 200-word Wire originals and three aggregator teasers wrapped in the aggregator's chrome."""
    rows = []
    for n in range(3):
        body = paragraphs(n + 1, 4)
        rows.append(item(f"wire-{n}", "Wire", f"Wire story {n}", "\n".join(body), hours=n))
        lead = " ".join(" ".join(body).split()[:60])  # 30% of the article
        rows.append(item(f"hub-{n}", "NewsBreeze", f"Teaser {n}", f"{BANNER}\n{lead}\n{FOOTER}", hours=n + 1))
    return rows


# ---------------------------------------------------------------- copy rules


def test_teaser_inside_chrome_groups_with_original_by_containment():
    table = dedup(teaser_world())
    for n in range(3):
        teaser, original = table[f"hub-{n}"], table[f"wire-{n}"]
        assert teaser["rule"] == "containment"
        assert teaser["containment"] == 1.0
        assert teaser["jaccard"] == pytest.approx(57 / 197)  # 57 of the original's 197 four-word shingles
        assert teaser["canonical_id"] == original["canonical_id"] == f"wire-{n}"
        assert teaser["dup_group_id"] == original["dup_group_id"] == group_id(f"wire-{n}")
        assert (teaser["is_canonical"], original["is_canonical"]) == (False, True)
        assert (teaser["group_size"], original["group_size"]) == (2, 2)
        assert original["rule"] == "canonical"
        assert teaser["canonical_rule"] == original["canonical_rule"] == "earliest"


def test_teaser_is_not_matched_when_its_chrome_stays():
    # The same teasers from three different sources: no line is learned as chrome, so containment stays below 0.8.
    rows = teaser_world()
    for n, row in enumerate(rows):
        if row["source"] == "NewsBreeze":
            row["source"] = f"Hub {n}"
    table = dedup(rows)
    assert {row["rule"] for row in table.values()} == {"unique"}


def test_full_copy_with_new_headline_and_dropped_paragraph_groups_by_jaccard():
    body = paragraphs(7, 4)
    rows = [
        item("orig", "Wire", "Council approves new budget", "\n".join(body)),
        item("copy", "Courier", "Budget row: council finally says yes", "\n".join([body[0], body[1], body[3]]), hours=2),
    ]
    table = dedup(rows)
    assert table["copy"]["rule"] == "jaccard"
    assert table["copy"]["canonical_id"] == "orig"
    assert table["copy"]["jaccard"] == pytest.approx(144 / 200)  # 197 + 147 shingles, 144 shared
    assert table["copy"]["containment"] == pytest.approx(144 / 147)
    assert table["orig"]["rule"] == "canonical"
    assert (table["orig"]["jaccard"], table["orig"]["containment"]) == (1.0, 1.0)


def test_own_articles_sharing_one_quote_are_not_grouped():
    quote = '"We will not accept a deal that leaves workers worse off than they were last year," the union leader said.'
    rows = [
        item("alpha", "Alpha", "Union rejects offer", "\n".join([paragraphs(11, 1)[0], quote, *paragraphs(12, 2)])),
        item("beta", "Beta", "Strike talks collapse", "\n".join([*paragraphs(13, 2), quote, paragraphs(14, 1)[0]]), hours=1),
    ]
    table = dedup(rows)
    assert partition(table) == {frozenset({"alpha"}), frozenset({"beta"})}
    assert [table[k]["rule"] for k in ("alpha", "beta")] == ["unique", "unique"]
    assert [table[k]["group_size"] for k in ("alpha", "beta")] == [1, 1]
    assert table["alpha"]["jaccard"] is None
    assert table["alpha"]["canonical_rule"] is None


def test_shared_template_paragraph_does_not_chain_three_articles():
    template = prose(900, 80)  # e.g. a long standard notice every outlet pastes
    rows = [
        item("a", "Alpha", "Flood warning for the coast", "\n".join([template, *paragraphs(21, 3)])),
        item("b", "Beta", "Notice", "\n".join([template, prose(22, 10)]), hours=1),
        item("c", "Gamma", "Rail delays after storm", "\n".join([template, *paragraphs(23, 3)]), hours=2),
    ]
    articles, cleaned = frames(rows)
    model = Deduplicator(DedupConfig()).fit(articles, cleaned)
    assert model.n_verified_ == 2  # a~b and b~c verify by containment; a~c does not
    # b is contained in two articles that are not copies of each other: it is shared material, not a copy of either
    assert model.n_refused_ == 2
    table = {row["article_id"]: row for row in model.table_.iter_rows(named=True)}
    assert partition(table) == {frozenset({"a"}), frozenset({"b"}), frozenset({"c"})}
    assert {row["rule"] for row in table.values()} == {"unique"}


def test_headline_only_items_match_on_letters_and_digits_only():
    rows = [
        item("h1", "Alpha", "Markets rally as \u2018rates\u2019 fall", ""),
        item("h2", "Beta", "  MARKETS rally as 'rates'   fall ", "", hours=1),
        item("h3", "Gamma", "Markets rally as 'rates' fall sharply", "", hours=2),
        item("h4", "Delta", "Markets rally as rates fall", "", hours=3),  # quotes dropped: the same headline
    ]
    table = dedup(rows)
    assert partition(table) == {frozenset({"h1", "h2", "h4"}), frozenset({"h3"})}
    assert table["h2"]["rule"] == table["h4"]["rule"] == "exact_short"
    assert (table["h2"]["jaccard"], table["h2"]["containment"]) == (1.0, 1.0)
    assert table["h2"]["canonical_id"] == "h1"


def test_near_identical_headlines_match_on_characters_but_not_across_numbers_or_words():
    rows = [
        item("a", "Alpha", "Government announces new funding for rural hospitals", ""),
        item("b", "Beta", "Goverment announces new funding for rural hospitals", "", hours=1),  # a typo: one edit
        item("c", "Gamma", "Government announces new funding for rural schools", "", hours=2),  # another story
        item("d", "Delta", "Death toll in mountain rail crash rises to 120", "", hours=3),
        item("e", "Echo", "Death toll in mountain rail crash rises to 121", "", hours=4),  # one edit, a new number
        item("f", "Alpha", "Man arrested after stabbing in city centre", "", hours=5),
        item("g", "Beta", "Woman arrested after stabbing in city centre", "", hours=6),  # two edits in 37 letters
    ]
    table = dedup(rows)
    assert partition(table) == {frozenset({"a", "b"}), *(frozenset({k}) for k in "cdefg")}
    assert table["b"]["rule"] == "near_short"
    assert table["b"]["canonical_id"] == "a"
    assert 0.8 < table["b"]["jaccard"] < 1.0  # character 3-grams
    assert all(dedup(rows, short_edit_share=0)[k]["rule"] == "unique" for k in "abcdefg")


def test_long_headline_only_item_is_not_a_copy_of_the_article_that_lists_it():
    headline = prose(31, 16).rstrip(".")  # 13 shingles: enough to be compared on shingles if it were a body
    rows = [
        item("story", "Wire", "Budget vote delayed", f"{prose(32, 30)}\nRelated: {headline}"),
        item("headline", "Wire", headline, "", hours=1),
    ]
    table = dedup(rows)
    assert partition(table) == {frozenset({"story"}), frozenset({"headline"})}


def test_short_stub_bodies_match_only_when_identical():
    rows = [
        item("s1", "Alpha", "Breaking", "Polls close at ten tonight."),
        item("s2", "Beta", "Breaking", "Polls close at ten tonight.", hours=1),
        item("s3", "Gamma", "Breaking", "Polls close at ten tonight in the city.", hours=2),
    ]
    table = dedup(rows)
    assert partition(table) == {frozenset({"s1", "s2"}), frozenset({"s3"})}
    assert table["s2"]["rule"] == "exact_short"


# ---------------------------------------------------------------- canonical choice


def copy_pair(first: tuple, second: tuple, drop_paragraph_from_second: bool = False) -> list[dict]:
    """Two copies of one article: (id, source, hours[, date_missing]) each."""
    body = paragraphs(41, 4)
    second_body = [body[0], body[1], body[3]] if drop_paragraph_from_second else body
    return [
        item(first[0], first[1], "Storm hits the coast", "\n".join(body), *first[2:]),
        item(second[0], second[1], "Coast battered by storm", "\n".join(second_body), *second[2:]),
    ]


def test_earliest_is_canonical():
    table = dedup(copy_pair(("late", "Wire", 3.0), ("early", "Courier", 1.0)))
    assert table["late"]["canonical_id"] == "early"
    assert table["late"]["canonical_rule"] == table["early"]["canonical_rule"] == "earliest"


def test_listed_aggregator_is_never_canonical():
    rows = copy_pair(("agg", "NewsBreeze", 0.0), ("orig", "Wire", 2.0))
    assert dedup(rows)["agg"]["is_canonical"] is True
    table = dedup(rows, aggregators=["NewsBreeze"])
    assert table["orig"]["is_canonical"] is True
    assert table["agg"]["canonical_id"] == "orig"
    assert table["agg"]["canonical_rule"] == "not_aggregator"


def test_dated_article_beats_one_without_a_date():
    # The undated copy carries the run-date fallback, which is earlier than the dated original.
    rows = copy_pair(("undated", "Courier", -8.0, True), ("dated", "Wire", 2.0))
    table = dedup(rows)
    assert table["undated"]["canonical_id"] == "dated"
    assert table["dated"]["canonical_rule"] == "dated"


def test_source_priority_breaks_a_time_tie():
    rows = copy_pair(("wire", "Wire", 1.0), ("courier", "Courier", 1.0))
    table = dedup(rows, source_priority=["Courier", "Wire"])
    assert table["wire"]["canonical_id"] == "courier"
    assert table["wire"]["canonical_rule"] == "source_priority"
    assert dedup(rows, source_priority=["Wire"])["courier"]["canonical_id"] == "wire"


def test_most_complete_breaks_a_remaining_tie():
    table = dedup(copy_pair(("z-full", "Wire", 1.0), ("a-short", "Courier", 1.0), drop_paragraph_from_second=True))
    assert table["a-short"]["canonical_id"] == "z-full"
    assert table["a-short"]["canonical_rule"] == "most_complete"


def test_lowest_id_breaks_a_full_tie():
    table = dedup(copy_pair(("b", "Wire", 1.0), ("a", "Wire", 1.0)))
    assert table["b"]["canonical_id"] == "a"
    assert table["b"]["canonical_rule"] == "lowest_id"


# ---------------------------------------------------------------- order independence


def mixed_world() -> list[dict]:
    body = paragraphs(51, 4)
    template = prose(952, 80)
    return teaser_world() + [
        item("orig", "Wire", "Council approves new budget", "\n".join(body), hours=0.5),
        item("copy1", "Courier", "Budget approved", "\n".join([body[0], body[1], body[3]]), hours=2),
        item("copy2", "Herald", "Council says yes", "\n".join(body[1:]), hours=2),
        item("t-a", "Alpha", "Flood warning", "\n".join([template, *paragraphs(61, 3)])),
        item("t-b", "Beta", "Notice", "\n".join([template, prose(62, 10)]), hours=1),
        item("t-c", "Gamma", "Rail delays", "\n".join([template, *paragraphs(63, 3)]), hours=2),
        item("h1", "Alpha", "Markets rally as rates fall", "", hours=3),
        item("h2", "Beta", "markets rally as rates fall", "", hours=4),
        item("solo", "Gamma", "Farmers count cost of dry spring", "\n".join(paragraphs(71, 3)), hours=5),
    ]


def test_groups_are_a_partition_independent_of_row_order():
    rows = mixed_world()
    expected = dedup(rows)
    groups = partition(expected)
    assert sorted(len(g) for g in groups) == [1, 1, 1, 1, 2, 2, 2, 2, 3]  # the template trio stays apart
    assert sum(len(g) for g in groups) == len(rows)
    assert frozenset({"orig", "copy1", "copy2"}) in groups
    assert all(row["group_size"] == len(g) for g in groups for row in (expected[i] for i in g))
    canonical = {g: {expected[i]["canonical_id"] for i in g} for g in groups}
    assert all(len(ids) == 1 and next(iter(ids)) in g for g, ids in canonical.items())
    for seed in range(5):
        shuffled = list(rows)
        random.Random(seed).shuffle(shuffled)
        table = dedup(shuffled)
        assert partition(table) == groups
        assert {k: (v["canonical_id"], v["rule"], v["canonical_rule"]) for k, v in table.items()} == {
            k: (v["canonical_id"], v["rule"], v["canonical_rule"]) for k, v in expected.items()
        }


# ---------------------------------------------------------------- syndication


def test_syndication_counts_copies_and_median_delay_per_origin_and_copier():
    rows = teaser_world()  # NewsBreeze copies each Wire story one hour later
    rows[3]["published_at"] = rows[2]["published_at"] + timedelta(hours=3)  # hub-1: 3 h after wire-1
    rows[5]["published_at"] = rows[4]["published_at"] + timedelta(hours=4)  # hub-2: 4 h after wire-2
    body = paragraphs(81, 4)
    rows += [
        item("courier-orig", "Courier", "Pay deal agreed", "\n".join(body), hours=10),
        item("wire-copy", "Wire", "Deal agreed on pay", "\n".join(body[:3]), hours=10.5),
    ]
    articles, cleaned = frames(rows)
    duplicates = Deduplicator(DedupConfig()).fit(articles, cleaned).table_
    table = syndication(articles, duplicates)
    assert table.schema == SYNDICATION
    assert table.rows() == [("Wire", "NewsBreeze", 3, 3.0), ("Courier", "Wire", 1, 0.5)]


def test_syndication_of_no_groups_is_empty():
    rows = [item("a", "Wire", "One", "\n".join(paragraphs(91, 2))), item("b", None, "Two", "\n".join(paragraphs(92, 2)))]
    articles, cleaned = frames(rows)
    duplicates = Deduplicator(DedupConfig()).fit(articles, cleaned).table_
    table = syndication(articles, duplicates)
    assert table.schema == SYNDICATION
    assert table.height == 0


# ---------------------------------------------------------------- every transform an aggregator makes, on real-looking text

ARTICLE = [  # a fictional wire story, four paragraphs, about 230 words
    "Rescue teams worked through the night on Tuesday to reach villagers cut off by landslides in the hills above "
    "the river port of Velmora, after three days of record rain washed away roads and at least two bridges.",
    "The regional governor, Ana Petrescu, said 1,200 people had been moved to schools and sports halls in the valley. "
    "\"We are asking everyone who lives below the old quarry to leave their homes until the slopes are checked,\" "
    "she told reporters at the flood centre.",
    "Forecasters expect the rain to ease on Thursday, but warned that the ground would stay unstable for weeks. The "
    "national weather office said more rain had fallen in the past 72 hours than in a normal October, and that river "
    "levels downstream were still rising by several centimetres an hour.",
    "Engineers from the army have begun building a temporary crossing at Dorna, where the main road to the coast "
    "collapsed on Sunday. Officials said the crossing could open to emergency vehicles by the weekend, and that "
    "schools across the district would stay closed until at least Monday while inspectors examine buildings.",
]
OTHER = [  # the same event, written by another outlet in its own words
    "Thousands of people have left their homes around Velmora as heavy rain triggered landslides across the hills, "
    "officials said on Tuesday, with soldiers sent to help clear blocked roads.",
    "\"We are asking everyone who lives below the old quarry to leave their homes until the slopes are checked,\" "
    "governor Ana Petrescu said, as rescuers used boats to reach farms on the flooded plain.",
    "Local businesses said the closure of the coast road would cost them dearly in the last weeks of the tourist "
    "season, and the chamber of commerce asked the government for emergency loans.",
]
AGG_HEAD, AGG_FOOT = "Briefly | all the news in one feed", "Read more on Briefly: the app for busy readers"


def original(article_id: str = "wire", paragraphs_: list[str] | None = None, hours: float = 0.0) -> dict:
    return item(article_id, "Wire", "Landslides cut off villages after record rain", "\n".join(paragraphs_ or ARTICLE), hours)


def aggregator_world(copy_text: str, title: str = "Landslides cut off villages after record rain",
                     source: str = "Briefly") -> list[dict]:
    """The original, one copy, and three unrelated aggregator items so that the aggregator's chrome is learned."""
    rows = [original(), item("copy", source, title, copy_text, hours=2)]
    for n in range(3):
        rows.append(item(f"filler-{n}", source, f"Other story {n}", f"{AGG_HEAD}\n{prose(500 + n, 60)}\n{AGG_FOOT}", hours=3 + n))
    return rows


def assert_copy(table: dict, rule: str | None = None) -> None:
    assert table["copy"]["canonical_id"] == "wire"
    assert table["copy"]["is_canonical"] is False
    assert table["wire"]["is_canonical"] is True
    assert table["wire"]["group_size"] == 2
    if rule:
        assert table["copy"]["rule"] == rule


def test_copy_inside_chrome_before_and_after():
    text = "\n".join([AGG_HEAD, *ARTICLE, AGG_FOOT])
    table = dedup(aggregator_world(text))
    assert_copy(table, "jaccard")
    assert table["copy"]["jaccard"] == 1.0  # the chrome was stripped before shingling


def test_copy_with_configured_chrome_pattern_and_related_list():
    text = "\n".join([*ARTICLE, "This article originally appeared on Wire.", "Related stories:", "- Storm hits coast",
                      "- Rail strike called off"])
    articles, cleaned = frames([original(), item("copy", "Solo Site", "Landslides", text, hours=1)],
                               CleanConfig(patterns=[r"^this article originally appeared", "^related stories"]))
    table = {r["article_id"]: r for r in Deduplicator(DedupConfig()).fit(articles, cleaned).table_.iter_rows(named=True)}
    assert_copy(table, "jaccard")
    assert table["copy"]["jaccard"] == 1.0


@pytest.mark.parametrize("kept", [0.25, 0.32, 0.45, 0.7])
def test_teaser_keeping_a_quarter_or_more_of_the_body(kept):
    words_ = " ".join(ARTICLE).split()
    teaser = " ".join(words_[: int(len(words_) * kept)]) + "\u2026"
    table = dedup(aggregator_world("\n".join([AGG_HEAD, teaser, AGG_FOOT])))
    assert_copy(table, "containment" if kept < 0.5 else None)
    assert table["copy"]["containment"] == 1.0


def test_copy_with_a_new_headline():
    table = dedup(aggregator_world("\n".join(ARTICLE), title="Velmora: what we know about the landslides", source="Courier"))
    assert_copy(table, "jaccard")
    assert table["copy"]["jaccard"] == 1.0


def test_copy_with_a_dateline_added():
    dated = [f"VELMORA, Oct 14 (Wire) \u2014 {ARTICLE[0]}", *ARTICLE[1:]]
    table = dedup(aggregator_world("\n".join(dated), source="Courier"))
    assert_copy(table, "jaccard")
    assert 0.95 < table["copy"]["jaccard"] < 1.0


def test_copy_with_a_paragraph_dropped():
    table = dedup(aggregator_world("\n".join([ARTICLE[0], ARTICLE[1], ARTICLE[3]]), source="Courier"))
    assert_copy(table, "jaccard")
    assert table["copy"]["containment"] > 0.95


def test_copy_with_a_paragraph_appended():
    extra = ("Additional reporting by Tom Okafor. This report has been updated with comment from the regional "
             "governor and will be updated again as more details become available.")
    table = dedup(aggregator_world("\n".join([*ARTICLE, extra]), source="Courier"))
    assert_copy(table, "jaccard")
    assert table["copy"]["containment"] == 1.0


def test_copy_with_quotes_dashes_and_case_normalised():
    fancy = [p.replace('"', "\u201c", 1).replace('"', "\u201d", 1).replace(", ", " \u2014 ", 1).upper() for p in ARTICLE]
    table = dedup(aggregator_world("\n".join(fancy), source="Courier"))
    assert_copy(table, "jaccard")
    assert table["copy"]["jaccard"] == 1.0


def test_combined_teaser_with_new_headline_dateline_and_chrome():
    words_ = " ".join(ARTICLE).split()
    teaser = "VELMORA (Wire) \u2014 " + " ".join(words_[: len(words_) // 3]) + "\u2026"
    table = dedup(aggregator_world("\n".join([AGG_HEAD, teaser, AGG_FOOT]), title="Explainer: Velmora landslides"))
    assert_copy(table, "containment")


# ---------------------------------------------------------------- not a duplicate


def test_same_event_in_another_outlets_own_words_sharing_a_quote_stays_apart():
    rows = [original(), item("other", "Herald", "Thousands flee Velmora landslides", "\n".join(OTHER), hours=1)]
    table = dedup(rows)
    assert partition(table) == {frozenset({"wire"}), frozenset({"other"})}


def test_follow_up_story_reusing_one_background_paragraph_stays_apart():
    follow_up = [
        "The temporary crossing at Dorna opened to emergency vehicles on Saturday, two days earlier than planned, "
        "and the first supply lorries reached the cut-off villages by the afternoon.",
        ARTICLE[2],  # background reused from the first story
        "Residents who had been moved to schools in the valley began returning to homes above the quarry after "
        "geologists declared the slopes stable, though some streets remain closed.",
        "The governor said damage to roads and bridges would cost at least forty million to repair.",
    ]
    rows = [original(), item("later", "Wire", "Dorna crossing opens early", "\n".join(follow_up), hours=96)]
    assert partition(dedup(rows)) == {frozenset({"wire"}), frozenset({"later"})}


def test_stub_is_not_a_copy_of_the_full_article():
    rows = [original(), item("stub", "Briefly", "Landslides cut off villages after record rain", "Developing story.", hours=1)]
    assert partition(dedup(rows)) == {frozenset({"wire"}), frozenset({"stub"})}


def test_text_contained_in_two_unrelated_articles_links_neither():
    shared = prose(777, 70)  # a standard paragraph two outlets paste into different articles
    rows = [
        item("a", "Alpha", "Port strike ends", "\n".join([shared, *paragraphs(701, 3)])),
        item("c", "Gamma", "Bank profits rise", "\n".join([shared, *paragraphs(702, 3)]), hours=1),
        item("notice", "Beta", "Notice", shared, hours=2),
        item("teaser", "Delta", "Port strike", " ".join("\n".join([shared, *paragraphs(701, 3)]).split()[:120]), hours=3),
    ]
    articles, cleaned = frames(rows)
    model = Deduplicator(DedupConfig()).fit(articles, cleaned)
    table = {r["article_id"]: r for r in model.table_.iter_rows(named=True)}
    # the notice is refused (contained in a and c); the teaser is contained only in a's group
    assert partition(table) == {frozenset({"a", "teaser"}), frozenset({"c"}), frozenset({"notice"})}


def test_notices_made_of_the_same_shared_paragraph_are_not_copies_of_each_other():
    shared = prose(778, 70)
    rows = [
        item("a", "Alpha", "Port strike ends", "\n".join([*paragraphs(711, 3), shared])),
        item("c", "Gamma", "Bank profits rise", "\n".join([*paragraphs(712, 3), shared]), hours=1),
        item("n1", "Desk 1", "Notice", f"{prose(713, 12)}\n{shared}", hours=2),
        item("n2", "Desk 2", "Notice", f"{prose(714, 12)}\n{shared}", hours=3),  # Jaccard with n1 about 0.7
        item("n1-copy", "Briefly", "Notice", f"{prose(713, 12)}\n{shared}", hours=4),  # n1 verbatim
    ]
    articles, cleaned = frames(rows)
    model = Deduplicator(DedupConfig()).fit(articles, cleaned)
    table = {r["article_id"]: r for r in model.table_.iter_rows(named=True)}
    assert partition(table) == {frozenset({"a"}), frozenset({"c"}), frozenset({"n1", "n1-copy"}), frozenset({"n2"})}
    assert table["n1-copy"]["rule"] == "jaccard"
    assert model.n_refused_ > 0


# ---------------------------------------------------------------- properties


def family_world(seed: int) -> list[dict]:
    """Random families: an original and copies (full, teaser, dropped paragraph, appended, headline-only), plus
    unrelated articles and headline-only items."""
    rng = random.Random(seed)
    rows = []
    for f in range(rng.randint(2, 5)):
        body = paragraphs(seed * 50 + f, rng.randint(2, 5))
        title = f"Story {seed} {f} about {prose(seed * 50 + f, 6)}"
        rows.append(item(f"o{f}", f"Outlet {f}", title, "\n".join(body), hours=f))
        for c in range(rng.randint(0, 4)):
            kind = rng.choice(["full", "teaser", "drop", "append", "headline"])
            text = "\n".join(body)
            if kind == "teaser":
                w = text.split()
                text = " ".join(w[: max(int(len(w) * rng.uniform(0.3, 0.9)), 20)])
            elif kind == "drop" and len(body) > 2:
                text = "\n".join(body[:1] + body[2:])
            elif kind == "append":
                text += "\n" + prose(seed * 90 + c, 15)
            elif kind == "headline":
                text = ""
            rows.append(item(f"o{f}-c{c}", f"Agg {c}", title, text, hours=f + 1 + c))
    return rows


@settings(max_examples=15, deadline=None, database=None)
@given(seed=st.integers(0, 10_000), order=st.randoms(use_true_random=False))
def test_groups_are_a_partition_that_does_not_depend_on_input_order(seed, order):
    rows = family_world(seed)
    first = dedup(rows)
    groups = partition(first)
    assert sum(len(g) for g in groups) == len(rows)  # every article in exactly one group
    for g in groups:
        canonical = {first[a]["canonical_id"] for a in g}
        assert len(canonical) == 1 and next(iter(canonical)) in g
        assert all(first[a]["group_size"] == len(g) for a in g)
    shuffled = list(rows)
    order.shuffle(shuffled)
    second = dedup(shuffled)
    assert partition(second) == groups
    assert {k: (v["canonical_id"], v["rule"]) for k, v in second.items()} == {
        k: (v["canonical_id"], v["rule"]) for k, v in first.items()
    }


@settings(max_examples=15, deadline=None, database=None)
@given(seed=st.integers(0, 10_000))
def test_rerunning_on_the_canonicals_finds_no_new_groups(seed):
    rows = family_world(seed)
    table = dedup(rows)
    canonicals = [r for r in rows if table[r["article_id"]]["is_canonical"]]
    again = dedup(canonicals)
    assert all(row["group_size"] == 1 for row in again.values())


def test_counters_and_timings_are_reported():
    articles, cleaned = frames(mixed_world())
    model = Deduplicator(DedupConfig()).fit(articles, cleaned)
    assert model.n_candidates_ >= max(model.n_candidates_lsh_, model.n_candidates_sampled_) > 0
    assert model.n_candidates_ >= model.n_checked_ > 0
    assert model.n_verified_ == len([1 for m in model._matches.values() if m]) or model.n_verified_ > 0
    assert model.n_short_ == 2  # h1 and h2
    assert set(model.timings_) == {"shingles", "signatures", "candidates", "verify", "short", "groups"}
    assert model.index_bytes_ >= model.signatures_.nbytes
    assert len(model.sets_) == articles.height
