"""The renaming rule (``cluster.relabel``): a continuing story takes its coverage's label only when that label is new
and the story has doubled since it was last labelled, alone in its chain; "round N" stays; ids never change."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import polars as pl
import pytest

from cluster.continuity import Continuation
from cluster.relabel import RELABEL_GROWTH, Relabeller, with_round
from cluster.schema import TIME
from cluster.state import REGISTRY
from cluster.story_table import stories_table, story_rows

DAY0 = datetime(2026, 3, 2, tzinfo=timezone.utc)


def _entry(story: str = "s-ferry", chain: str = "c-ferry", round_number: int = 1, n_articles: int = 4,
           label_articles: int = 4, base_label: str = "Porthaven ferry crews") -> dict:
    label = with_round(base_label, round_number)
    return {"story_id": story, "chain_id": chain, "round": round_number, "label": label, "base_label": base_label,
            "centroid": [1.0, 0.0], "n_articles": n_articles, "label_articles": label_articles,
            "first_seen": DAY0, "last_seen": DAY0 + timedelta(hours=20), "last_night": date(2026, 3, 2)}


def _registry(*entries: dict) -> pl.DataFrame:
    return pl.DataFrame(list(entries), schema=REGISTRY, orient="row")


def _continues(entry: dict, chain: str | None = None) -> Continuation:
    return Continuation(entry["story_id"], chain or entry["chain_id"], entry["round"], "continuing", entry["label"])


def _new_base(entry: dict, tonight: int, coverage: str = "Porthaven ferry strike", others: tuple[dict, ...] = (),
              chain: str | None = None) -> str | None:
    relabeller = Relabeller.of({entry["story_id"]: coverage}, _registry(entry, *others))
    return relabeller.new_base(entry, _continues(entry, chain), tonight)


def test_a_story_that_doubled_since_its_label_takes_the_label_of_its_coverage():
    assert RELABEL_GROWTH == 2
    assert _new_base(_entry(n_articles=4, label_articles=4), tonight=4) == "Porthaven ferry strike"
    assert _new_base(_entry(n_articles=10, label_articles=5), tonight=0) == "Porthaven ferry strike"


def test_a_story_that_grew_less_keeps_its_label_however_its_coverage_reads():
    assert _new_base(_entry(n_articles=4, label_articles=4), tonight=3) is None
    assert _new_base(_entry(n_articles=30, label_articles=16), tonight=1) is None


@pytest.mark.parametrize("coverage", ["Porthaven ferry crews", "porthaven Ferry Crews", "untitled story"])
def test_the_same_label_case_aside_or_no_label_at_all_is_no_rename(coverage):
    assert _new_base(_entry(), tonight=20, coverage=coverage) is None


def test_the_rounds_of_a_chain_keep_the_chains_name():
    round_2 = _entry("s-talks2", "c-talks", round_number=2, base_label="Alvora talks")
    round_1 = _entry("s-talks", "c-talks", base_label="Alvora talks")
    assert _new_base(round_2, tonight=20, coverage="Alvora mackerel quotas", others=(round_1,)) is None


def test_a_story_that_joins_an_older_chain_tonight_is_not_renamed():
    assert _new_base(_entry(), tonight=20, chain="c-older") is None


def _spans(story: str, n_articles: int) -> pl.DataFrame:
    return pl.DataFrame(
        {"story_id": [story], "n_articles": [n_articles], "n_unique": [n_articles], "n_sources": [2],
         "first_seen": [DAY0 + timedelta(days=1)], "last_seen": [DAY0 + timedelta(days=1, hours=5)]},
        schema_overrides={"n_articles": pl.Int32, "n_unique": pl.Int32, "n_sources": pl.Int32, "first_seen": TIME,
                          "last_seen": TIME},
    )


def _label_tonight(entry: dict, tonight: int, coverage: str) -> tuple[dict, dict[str, str]]:
    """The stories row of ``entry`` continued tonight by ``tonight`` articles (tonight's cluster ``s-temp``) whose
    coverage so far reads ``coverage``, and the base labels."""
    registry = _registry(entry)
    continued = {"s-temp": _continues(entry)}
    chains = pl.DataFrame(schema={"story_id": pl.String, "chain_id": pl.String, "round": pl.Int32,
                                  "chain_length": pl.Int32})
    rows = story_rows(_spans(entry["story_id"], tonight), chains, continued, {entry["story_id"]: "tonight only"},
                      registry, {}, Relabeller.of({entry["story_id"]: coverage}, registry))
    table = stories_table(rows, _spans(entry["story_id"], tonight).schema, {})
    return table.row(0, named=True), rows.base_labels


def test_a_renamed_story_keeps_its_id_and_the_round_its_articles_stated():
    entry = _entry("s-launch", "c-launch", round_number=3, n_articles=3, label_articles=3,
                   base_label="Aurora-3 launch seconds")
    row, base = _label_tonight(entry, tonight=3, coverage="Aurora-3 satellite orbit attempt")
    assert (row["story_id"], row["status"], row["round"]) == ("s-launch", "continuing", 3)
    assert row["label"] == "Aurora-3 satellite orbit attempt round 3"
    assert row["previous_label"] == "Aurora-3 launch seconds round 3"
    assert base == {"s-launch": "Aurora-3 satellite orbit attempt"}


def test_a_kept_label_has_no_previous_label():
    row, base = _label_tonight(_entry(), tonight=1, coverage="Porthaven ferry strike")
    assert (row["label"], row["previous_label"]) == ("Porthaven ferry crews", None)
    assert base == {"s-ferry": "Porthaven ferry crews"}
