"""The whole dedup stage on small realistic articles: copy rules, every transform an aggregator makes, what is not
a copy, order independence and the counters."""

from __future__ import annotations

import random

import pytest
from dedup_worlds import dedup, frames, item, mixed_world, paragraphs, partition, prose, teaser_world
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster.config import CleanConfig, DedupConfig
from cluster.dedup import Deduplicator
from cluster.ids import group_id

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
    # The same teasers from three different sources: no line is learned as chrome, so containment stays below 0.8
    # (the built-in patterns, which know this banner and footer, are off here).
    rows = teaser_world()
    for n, row in enumerate(rows):
        if row["source"] == "NewsBreeze":
            row["source"] = f"Hub {n}"
    table = dedup(rows, CleanConfig(builtin_patterns=False))
    assert {row["rule"] for row in table.values()} == {"unique"}

def test_full_copy_with_new_headline_and_dropped_paragraph_groups_by_jaccard():
    body = paragraphs(7, 4)
    rows = [
        item("orig", "Wire", "Council approves new budget", "\n".join(body)),
        item("copy", "Courier", "Budget row: council finally says yes", "\n".join([body[0], body[1], body[3]]),
             hours=2),
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
        item("beta", "Beta", "Strike talks collapse", "\n".join([*paragraphs(13, 2), quote, paragraphs(14, 1)[0]]),
             hours=1),
    ]
    table = dedup(rows)
    assert partition(table) == {frozenset({"alpha"}), frozenset({"beta"})}
    assert [table[k]["rule"] for k in ("alpha", "beta")] == ["unique", "unique"]
    assert [table[k]["group_size"] for k in ("alpha", "beta")] == [1, 1]
    assert table["alpha"]["jaccard"] is None
    assert table["alpha"]["canonical_rule"] is None


# ---------------------------------------------------------------- every transform an aggregator makes, on real text


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
    text = "\n".join(paragraphs_ or ARTICLE)
    return item(article_id, "Wire", "Landslides cut off villages after record rain", text, hours)

def aggregator_world(copy_text: str, title: str = "Landslides cut off villages after record rain",
                     source: str = "Briefly") -> list[dict]:
    """The original, one copy, and three unrelated aggregator items so that the aggregator's chrome is learned."""
    rows = [original(), item("copy", source, title, copy_text, hours=2)]
    for n in range(3):
        filler = f"{AGG_HEAD}\n{prose(500 + n, 60)}\n{AGG_FOOT}"
        rows.append(item(f"filler-{n}", source, f"Other story {n}", filler, hours=3 + n))
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
    rows = Deduplicator(DedupConfig()).fit(articles, cleaned).table_.iter_rows(named=True)
    table = {r["article_id"]: r for r in rows}
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
    title = "Velmora: what we know about the landslides"
    table = dedup(aggregator_world("\n".join(ARTICLE), title=title, source="Courier"))
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
    fancy = [p.replace('"', "\u201c", 1).replace('"', "\u201d", 1).replace(", ", " \u2014 ", 1).upper()
             for p in ARTICLE]
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
    stub = item("stub", "Briefly", "Landslides cut off villages after record rain", "Developing story.", hours=1)
    rows = [original(), stub]
    assert partition(dedup(rows)) == {frozenset({"wire"}), frozenset({"stub"})}


# ---------------------------------------------------------------- order independence and properties


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


# ---------------------------------------------------------------- counters


def test_counters_and_timings_are_reported():
    articles, cleaned = frames(mixed_world())
    model = Deduplicator(DedupConfig()).fit(articles, cleaned)
    assert model.n_candidates_ >= max(model.n_candidates_lsh_, model.n_candidates_sampled_) > 0
    assert model.n_candidates_ >= model.n_checked_ > 0
    assert model.n_verified_ == len([1 for m in model.verdicts_.values() if m]) or model.n_verified_ > 0
    assert model.n_short_ == 2  # h1 and h2
    assert set(model.timings_) == {"shingles", "signatures", "candidates", "verify", "short", "groups"}
    assert model.index_bytes_ >= model.signatures_.nbytes
    assert len(model.shingles_) == articles.height
