"""The original publisher is named, not the aggregator or partner that reprinted it, on a small night with the
default config and with a user's own config (end to end through ``newsclust dedup``)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from jobs.cli import main

REPO = Path(__file__).resolve().parent.parent

STORY = [
    "Negotiators from Sudan's warring parties resumed talks in Jeddah on Tuesday, the first direct meeting in five "
    "months, as aid agencies warned that famine had spread to three more regions.",
    "Mediators from Saudi Arabia and the United States said the sessions would focus on a humanitarian ceasefire "
    "and safe corridors for food convoys into Darfur and Kordofan.",
    "A spokesman for the army delegation said it had come with a mandate to agree a truce, but accused the Rapid "
    "Support Forces of shelling markets in El Fasher hours before the talks began.",
    "The RSF said in a statement that it was committed to the process and would allow monitors into areas under its "
    "control if the army stopped air strikes.",
    "More than eight million people have fled their homes since fighting broke out, according to the United "
    "Nations, which says it has received less than a fifth of the money it asked for this year.",
]
INKL_TOP = ["Get all your news in one place.", "100's of premium titles.", "One app.", "Start reading",
            "Al Jazeera", "World"]
INKL_BOTTOM = ["Sign up to read this article", "Already a member? Sign in", "Related Stories",
               "Top stories on inkl right now", "Our Picks", "Fourteen days free", "Download the app"]
OTHER = ("Storm Darragh brought gusts of more than 90 miles an hour to the west coast overnight, cutting power to "
         "tens of thousands of homes and closing the main rail line north for most of Saturday morning.")


def row(article_id: str, source: str, url: str, lines: list[str], day: str = "2024-06-04") -> dict:
    return {"id": article_id, "title": "Sudan talks resume in Jeddah as famine spreads", "text": "\n".join(lines),
            "source": source, "url": url, "published_at": day}


ORIGINAL = row("aj-1", "Al Jazeera", "https://www.aljazeera.com/news/2024/6/4/sudan-talks-resume", STORY)
UNRELATED = {"id": "bbc-9", "title": "Storm cuts power in the west", "text": OTHER, "source": "BBC News",
             "url": "https://www.bbc.co.uk/news/uk-9", "published_at": "2024-06-04"}


def dedup(tmp_path: Path, rows: list[dict], config: str | None = None) -> pl.DataFrame:
    feed = tmp_path / "night.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["dedup", "-q", "--input", str(feed), "--out", str(tmp_path / "out")]
    if config is not None:
        (tmp_path / "mine.yaml").write_text(config)
        args += ["--config", str(tmp_path / "mine.yaml")]
    else:
        args += ["--config", str(REPO / "configs" / "default.yaml")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return pl.read_parquet(tmp_path / "out" / "duplicates.parquet")


def member(table: pl.DataFrame, article_id: str) -> dict:
    return table.filter(pl.col("article_id") == article_id).row(0, named=True)


def test_an_inkl_reprint_of_al_jazeera_names_al_jazeera_on_a_three_article_night(tmp_path):
    inkl = row("inkl-1", "inkl", "https://www.inkl.com/news/sudan-talks-resume-in-jeddah",
               INKL_TOP + STORY + INKL_BOTTOM)
    table = dedup(tmp_path, [inkl, ORIGINAL, UNRELATED])
    copy = member(table, "inkl-1")
    assert copy["canonical_id"] == "aj-1" and not copy["is_canonical"]
    assert copy["canonical_rule"] == "not_aggregator"  # inkl is on the built-in list
    assert (copy["attribution"], copy["attribution_rule"]) == ("Al Jazeera", "name_line")
    assert "bbc-9" not in table["article_id"].to_list()


def test_an_unlisted_app_wrapping_the_article_is_not_the_original(tmp_path):
    app = row("hub-1", "Morning Stack", "https://morningstack.example/s/4411",
              ["Morning Stack", "Your briefing, curated", "Al Jazeera", *STORY, "More from Morning Stack",
               "Download the app", "Get it on Google Play"])
    table = dedup(tmp_path, [app, ORIGINAL, UNRELATED])
    assert member(table, "hub-1")["canonical_id"] == "aj-1"


def test_a_partner_reprint_with_an_attribution_line_names_its_origin(tmp_path):
    partner = row("part-1", "Gulf Daily Ledger", "https://gulfledger.example/world/sudan-talks",
                  [*STORY, "This article was originally published by Al Jazeera and is republished with permission."])
    table = dedup(tmp_path, [partner, ORIGINAL])
    copy = member(table, "part-1")
    assert copy["canonical_id"] == "aj-1" and copy["canonical_rule"] == "attribution"
    assert copy["attribution_rule"] == "originally_published"


def test_an_attributed_copy_dated_earlier_than_its_original_is_still_the_copy(tmp_path):
    partner = row("part-2", "Gulf Daily Ledger", "https://gulfledger.example/world/sudan-talks-2",
                  [*STORY, "Source: Al Jazeera"], day="2024-06-02")
    table = dedup(tmp_path, [partner, ORIGINAL])
    assert member(table, "part-2")["canonical_id"] == "aj-1"
    assert member(table, "aj-1")["canonical_rule"] == "attribution"


def test_a_teaser_is_never_canonical_over_the_full_text(tmp_path):
    words = " ".join(STORY).split()
    teaser = row("tease-1", "Daily Brief", "https://dailybrief.example/a/77", [" ".join(words[:45])])
    table = dedup(tmp_path, [teaser, ORIGINAL])
    assert member(table, "tease-1")["canonical_id"] == "aj-1"


@pytest.mark.parametrize("config", ["dedup:\n  num_perm: 128\n", "clean:\n  patterns: ['^my own footer$']\n"])
def test_a_users_config_without_the_built_in_patterns_still_strips_app_chrome(tmp_path, config):
    inkl = row("inkl-1", "inkl", "https://www.inkl.com/news/sudan", INKL_TOP + STORY + INKL_BOTTOM)
    table = dedup(tmp_path, [inkl, ORIGINAL], config=config)
    assert member(table, "inkl-1")["canonical_id"] == "aj-1"
    articles = pl.read_parquet(tmp_path / "out" / "articles.parquet")
    assert member(articles, "inkl-1")["chrome_lines"] >= 8  # banners, sign-up box, lists, app footer


def test_the_built_in_lists_can_be_switched_off(tmp_path):
    inkl = row("inkl-1", "inkl", "https://www.inkl.com/news/sudan", INKL_TOP + STORY + INKL_BOTTOM)
    table = dedup(tmp_path, [inkl, ORIGINAL],
                  config="clean:\n  builtin_patterns: false\ndedup:\n  builtin_aggregators: false\n")
    copy = member(table, "inkl-1")
    assert copy["canonical_id"] == "aj-1"  # still: the reprint names Al Jazeera on a line of its own
    assert copy["canonical_rule"] == "attribution"
    articles = pl.read_parquet(tmp_path / "out" / "articles.parquet")
    assert member(articles, "inkl-1")["chrome_lines"] == 0
