"""``newsclust show story|article`` and ``newsclust diff``: exact output on two small hand-made run folders, then the
same commands on a real run of the sample (with the packaged model)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from cluster.inspect import diff_runs, load_run, story_view
from cluster.schema import DUPLICATES, STORIES, TIME
from jobs.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample" / "articles.jsonl"

# (article_id, source, title, published_at, canonical_id, story_id, centrality, jaccard, containment, rule)
NIGHT_1 = [
    ("a1", "Harbour Times", "Ferry crews walk out", "2026-03-02 06:40", "a1", "s-ferry", 0.95, None, None, None),
    ("c1", "NewsBreeze", "Ferry crews walk out", "2026-03-02 12:40", "a1", "s-ferry", 0.95, 0.91, 1.0, "jaccard"),
    ("c2", "PressPortal", "Watch: ferry crews walk out", "2026-03-02 18:40", "a1", "s-ferry", 0.95, 0.3, 0.97, "containment"),
    ("a2", "Coastal Courier", "Island sailings halted", "2026-03-03 08:00", "a2", "s-ferry", 0.85, None, None, None),
    ("b1", "Capital Wire", "Fisheries talks open", "2026-03-02 09:30", "b1", "s-talks", 0.9, None, None, None),
    ("b2", "Eastfield Chronicle", "Talks stall over cod", "2026-03-03 10:00", "b2", "s-talks", 0.8, None, None, None),
    ("b3", "Ridgeway Gazette", "Quota fears in Kettleby", "2026-03-03 11:00", "b3", "s-talks", 0.7, None, None, None),
    ("f1", "Valley Ledger", "Wildfire near Eastbrook", "2026-03-03 15:00", "f1", "s-fire", 1.0, None, None, None),
    ("f2", "Meridian Post", "Smoke over Eastbrook", "2026-03-03 16:00", "f2", "s-smoke", 1.0, None, None, None),
    ("m1", "Meridian Post", "Museum to reopen", "2026-03-02 20:00", "m1", "s-museum", 1.0, None, None, None),
    ("h1", "Capital Wire", "Chess final level", "2026-03-03 21:00", "h1", "s-chess", 1.0, None, None, None),
]
NIGHT_2 = [row for row in NIGHT_1 if row[0] not in {"b3", "f2", "m1", "h1"}] + [
    ("a3", "Harbour Times", "Ferry strike ends", "2026-03-04 09:00", "a3", "s-ferry", 0.9, None, None, None),
    ("b3", "Ridgeway Gazette", "Quota fears in Kettleby", "2026-03-03 11:00", "b3", "s-quota", 1.0, None, None, None),
    ("f2", "Meridian Post", "Smoke over Eastbrook", "2026-03-03 16:00", "f2", "s-fire", 0.97, None, None, None),
    ("h1", "Capital Wire", "Chess final level", "2026-03-03 21:00", "h1", "s-chess-final", 0.9, None, None, None),
    ("h2", "Valley Ledger", "Okonedo wins the final", "2026-03-04 22:00", "h2", "s-chess-final", 0.9, None, None, None),
    ("r1", "Capital Wire", "Bank lifts rates", "2026-03-04 11:00", "r1", "s-rates", 1.0, None, None, None),
    ("b4", "Capital Wire", "Fisheries talks resume", "2026-03-12 09:00", "b4", "s-talks2", 1.0, None, None, None),
]
# story_id: (label, chain_id, round, headline)
STORY_META = {
    "s-ferry": ("Porthaven ferry strike", "c-ferry", 1, "Ferry crews walk out"),
    "s-talks": ("Alvora talks round 1", "c-talks", 1, "Talks stall over cod"),
    "s-talks2": ("Alvora talks round 2", "c-talks", 2, "Fisheries talks resume"),
    "s-quota": ("Kettleby quota fears", "c-quota", 1, "Quota fears in Kettleby"),
    "s-fire": ("Eastbrook wildfire", "c-fire", 1, "Wildfire near Eastbrook"),
    "s-smoke": ("Eastbrook smoke", "c-smoke", 1, "Smoke over Eastbrook"),
    "s-museum": ("Kestrel Museum", "c-museum", 1, "Museum to reopen"),
    "s-chess": ("Grand Harbour chess", "c-chess", 1, "Chess final level"),
    "s-chess-final": ("Grand Harbour chess final", "c-chess-final", 1, "Okonedo wins the final"),
    "s-rates": ("Bank of Valdoria rates", "c-rates", 1, "Bank lifts rates"),
}


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)


def write_run(folder: Path, rows: list[tuple], formats: tuple[str, ...] = ("parquet", "csv")) -> Path:
    """A run folder with the pipeline's tables (articles, duplicates, stories) and a run.json, from ``rows``."""
    folder.mkdir(parents=True)
    frame = pl.DataFrame(
        [dict(zip(("article_id", "source", "title", "published_at", "canonical_id", "story_id", "centrality",
                   "jaccard", "containment", "rule"), row)) for row in rows],
        schema_overrides={"jaccard": pl.Float64, "containment": pl.Float64, "rule": pl.String},
        orient="row",
    ).with_columns(
        pl.col("published_at").map_elements(_utc, return_dtype=TIME),
        (pl.col("article_id") == pl.col("canonical_id")).alias("is_canonical"),
        ("g-" + pl.col("canonical_id")).alias("dup_group_id"),
    )
    frame = frame.with_columns(pl.len().over("dup_group_id").cast(pl.Int32).alias("group_size"))
    labels = {sid: meta[0] for sid, meta in STORY_META.items()}
    articles = frame.with_columns(
        (pl.lit("https://news.example/") + pl.col("article_id")).alias("url"),
        pl.lit(False).alias("date_missing"),
        pl.col("story_id").replace_strict(labels, return_dtype=pl.String).alias("story_label"),
        pl.lit(0, dtype=pl.Int32).alias("chrome_lines"),
        pl.lit("feeds/night.jsonl").alias("file"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("row"),
    ).select("article_id", "source", "title", "url", "published_at", "date_missing", "dup_group_id", "canonical_id",
             "is_canonical", "story_id", "story_label", "centrality", "chrome_lines", "file", "row").sort("published_at", "article_id")
    duplicates = frame.filter(pl.col("group_size") > 1).with_columns(
        pl.when(pl.col("is_canonical")).then(1.0).otherwise(pl.col("jaccard")).alias("jaccard"),
        pl.when(pl.col("is_canonical")).then(1.0).otherwise(pl.col("containment")).alias("containment"),
        pl.when(pl.col("is_canonical")).then(pl.lit("canonical")).otherwise(pl.col("rule")).alias("rule"),
        pl.lit("not_aggregator").alias("canonical_rule"),
    ).select(list(DUPLICATES)).sort(["dup_group_id", "is_canonical", "article_id"], descending=[False, True, False])
    stories = (
        articles.group_by("story_id").agg(
            pl.len().cast(pl.Int32).alias("n_articles"), pl.col("canonical_id").n_unique().cast(pl.Int32).alias("n_unique"),
            pl.col("source").n_unique().cast(pl.Int32).alias("n_sources"),
            pl.col("published_at").min().alias("first_seen"), pl.col("published_at").max().alias("last_seen"),
        )
        .with_columns(
            pl.col("story_id").replace_strict({s: m[0] for s, m in STORY_META.items()}, return_dtype=pl.String).alias("label"),
            pl.col("story_id").replace_strict({s: m[1] for s, m in STORY_META.items()}, return_dtype=pl.String).alias("chain_id"),
            pl.col("story_id").replace_strict({s: m[2] for s, m in STORY_META.items()}, return_dtype=pl.Int32).alias("round"),
            pl.col("story_id").replace_strict({s: m[3] for s, m in STORY_META.items()}, return_dtype=pl.String).alias("headline"),
            pl.lit("new").alias("status"),
        )
        .select(list(STORIES)).sort("first_seen", "story_id")
    )
    for name, table in (("articles", articles), ("duplicates", duplicates), ("stories", stories)):
        if "parquet" in formats:
            table.write_parquet(folder / f"{name}.parquet")
        if "csv" in formats:
            table.write_csv(folder / f"{name}.csv", datetime_format="%Y-%m-%dT%H:%M:%SZ")
    manifest = {"started_at": "2026-03-05T02:00:00+00:00", "counts": {"accepted": articles.height},
                "config": {"dedup": {"jaccard_threshold": 0.5, "containment_threshold": 0.8}}}
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def nights(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("nights")
    return write_run(root / "night1", NIGHT_1), write_run(root / "night2", NIGHT_2)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


# ---------------------------------------------------------------- show story

STORY_FERRY = """\
story      s-ferry
label      Porthaven ferry strike
headline   Ferry crews walk out
size       4 articles: 2 unique + 2 copies, from 4 sources
seen       2026-03-02 06:40 → 2026-03-03 08:00 UTC
chain      c-ferry, round 1 (no other round in this run)

sources
  Coastal Courier  1  1 original
  Harbour Times    1  1 original
  NewsBreeze       1  1 copy
  PressPortal      1  1 copy

articles (originals by time, each followed by its copies)
  2026-03-02 06:40  a1    Harbour Times    original, centrality 0.950          Ferry crews walk out
  2026-03-02 12:40  ↳ c1  NewsBreeze       copy: jaccard (J 0.91, C 1.00)      Ferry crews walk out
  2026-03-02 18:40  ↳ c2  PressPortal      copy: containment (J 0.30, C 0.97)  Watch: ferry crews walk out
  2026-03-03 08:00  a2    Coastal Courier  original, centrality 0.850          Island sailings halted
"""


def test_show_story_exact(nights):
    code, out = invoke("show", "story", "s-ferry", "--run", str(nights[0]))
    assert code == 0
    assert out == STORY_FERRY


STORY_TALKS_NIGHT_2 = """\
story      s-talks
label      Alvora talks round 1
headline   Talks stall over cod
size       2 articles: 2 unique + 0 copies, from 2 sources
seen       2026-03-02 09:30 → 2026-03-03 10:00 UTC
chain      c-talks, round 1 of 2

rounds
  round 1  s-talks   Alvora talks round 1  2026-03-02 → 2026-03-03  2 articles  ← this story
  round 2  s-talks2  Alvora talks round 2  2026-03-12 → 2026-03-12  1 article

sources
  Capital Wire         1  1 original
  Eastfield Chronicle  1  1 original

articles (originals by time, each followed by its copies)
  2026-03-02 09:30  b1  Capital Wire         original, centrality 0.900  Fisheries talks open
  2026-03-03 10:00  b2  Eastfield Chronicle  original, centrality 0.800  Talks stall over cod
"""


def test_show_story_with_rounds_and_a_unique_prefix(nights):
    code, out = invoke("show", "story", "s-talks", "--run", str(nights[1]))
    assert (code, out) == (0, STORY_TALKS_NIGHT_2)
    code, out = invoke("show", "story", "s-ta", "--run", str(nights[0]))  # unique prefix in night 1
    assert code == 0 and out.startswith("story      s-talks\n")


def test_show_story_json(nights):
    code, out = invoke("show", "story", "s-ferry", "--run", str(nights[0]), "--json")
    assert code == 0
    view = json.loads(out)
    assert view["n_articles"] == 4 and view["n_copies"] == 2 and view["first_seen"] == "2026-03-02T06:40:00Z"
    assert [a["article_id"] for a in view["articles"]] == ["a1", "c1", "c2", "a2"]
    assert view["articles"][2] == {
        "article_id": "c2", "source": "PressPortal", "title": "Watch: ferry crews walk out", "url": "https://news.example/c2",
        "published_at": "2026-03-02T18:40:00Z", "is_canonical": False, "canonical_id": "a1", "dup_group_id": "g-a1",
        "centrality": 0.95, "jaccard": 0.3, "containment": 0.97, "rule": "containment",
    }
    assert view["rounds"] == [{"round": 1, "story_id": "s-ferry", "label": "Porthaven ferry strike",
                               "first_seen": "2026-03-02T06:40:00Z", "last_seen": "2026-03-03T08:00:00Z",
                               "n_articles": 4, "this_story": True}]


# ---------------------------------------------------------------- show article

ARTICLE_COPY = """\
article    c2
source     PressPortal
title      Watch: ferry crews walk out
url        https://news.example/c2
published  2026-03-02 18:40 UTC
input      feeds/night.jsonl row 3

group      g-a1 (3 articles)
canonical  a1  Harbour Times  2026-03-02 06:40
           chosen by not_aggregator: the other members come from listed aggregators (dedup.aggregators)
match      jaccard 0.300  containment 0.970  (thresholds 0.5 / 0.8)
rule       containment: share of the shorter text's shingles found in the other at or above dedup.containment_threshold (a teaser or cut copy)

members
  a1  Harbour Times  2026-03-02 06:40  canonical
  c1  NewsBreeze     2026-03-02 12:40  jaccard      J 0.910  C 1.000
  c2  PressPortal    2026-03-02 18:40  containment  J 0.300  C 0.970  ← this article

story      s-ferry  Porthaven ferry strike
           Ferry crews walk out
           chain c-ferry, round 1; 4 articles, 2 unique
centrality 0.950 (of its canonical a1): cosine to the story's centre; rank 1 of 2 originals, range 0.850–0.950
"""

ARTICLE_ALONE = """\
article    b3
source     Ridgeway Gazette
title      Quota fears in Kettleby
url        https://news.example/b3
published  2026-03-03 11:00 UTC
input      feeds/night.jsonl row 7

group      none: no other article in this run is a copy of it, or it of another

story      s-talks  Alvora talks round 1
           Talks stall over cod
           chain c-talks, round 1; 3 articles, 3 unique
centrality 0.700: cosine to the story's centre; rank 3 of 3 originals, range 0.700–0.900
"""


def test_show_article_exact(nights):
    assert invoke("show", "article", "c2", "--run", str(nights[0])) == (0, ARTICLE_COPY)
    assert invoke("show", "article", "b3", "--run", str(nights[0])) == (0, ARTICLE_ALONE)


def test_show_article_json(nights):
    code, out = invoke("show", "article", "c2", "--run", str(nights[0]), "--json")
    assert code == 0
    view = json.loads(out)
    assert view["group"]["canonical"]["article_id"] == "a1"
    assert view["group"]["match"]["rule"] == "containment"
    assert (view["group"]["match"]["jaccard"], view["group"]["match"]["containment"]) == (0.3, 0.97)
    assert view["story"]["story_id"] == "s-ferry" and view["story"]["centrality"] == 0.95


def test_csv_only_run_gives_the_same_views(nights, tmp_path):
    csv_only = write_run(tmp_path / "csv", NIGHT_1, formats=("csv",))
    for args in (("show", "story", "s-ferry"), ("show", "article", "c2"), ("show", "article", "b3")):
        parquet = invoke(*args, "--run", str(nights[0]), "--json")
        csv = invoke(*args, "--run", str(csv_only), "--json")
        assert csv == parquet


def test_unknown_ids_and_unfinished_folders_are_usage_errors(nights, tmp_path):
    code, out = invoke("show", "story", "s-nope", "--run", str(nights[0]))
    assert code == 2 and "error: no story 's-nope' in" in out and "(6 stories)" in out
    code, out = invoke("show", "article", "zz", "--run", str(nights[0]))
    assert code == 2 and "error: no article 'zz' in" in out
    code, out = invoke("show", "story", "s-", "--run", str(nights[0]))
    assert code == 2 and "is ambiguous" in out
    unfinished = tmp_path / "unfinished"
    shutil.copytree(nights[0], unfinished)
    (unfinished / "run.json").unlink()
    code, out = invoke("show", "story", "s-ferry", "--run", str(unfinished))
    assert code == 2 and "is not a finished run (no run.json)" in out
    code, out = invoke("diff", str(nights[0]), str(tmp_path / "missing"))
    assert code == 2 and "does not exist" in out


# ---------------------------------------------------------------- diff

DIFF = """\
A  {a}  (6 stories, 11 articles)
B  {b}  (7 stories, 14 articles)

appeared 2  ended 1  grew 1  shrank 0  split 1  merged 1  renamed 1  unchanged 0

appeared (in B only): 2
  s-rates   Bank of Valdoria rates  1 article  2026-03-04 → 2026-03-04
  s-talks2  Alvora talks round 2    1 article  2026-03-12 → 2026-03-12

ended (in A only): 1
  s-museum  Kestrel Museum  1 article  2026-03-02 → 2026-03-02

grew: 1
  s-ferry  Porthaven ferry strike  4 → 5 articles (+1)

renamed: 1
  s-chess  Grand Harbour chess  → s-chess-final  Grand Harbour chess final

split: 1
  s-talks  Alvora talks round 1 (3 articles in A) → 2 stories in B
    → s-talks  Alvora talks round 1  2 of its articles
    → s-quota  Kettleby quota fears  1 of its articles

merged: 1
  s-fire  Eastbrook wildfire (2 articles in B) ← 2 stories in A
    ← s-fire   Eastbrook wildfire  1 of its articles
    ← s-smoke  Eastbrook smoke     1 of its articles
"""


def test_diff_exact(nights):
    a, b = nights
    assert invoke("diff", str(a), str(b)) == (0, DIFF.format(a=a, b=b))


def test_diff_json_and_identity(nights):
    a, b = nights
    code, out = invoke("diff", str(a), str(b), "--json")
    assert code == 0
    diff = json.loads(out)
    assert diff["summary"] == {"appeared": 2, "ended": 1, "grew": 1, "shrank": 0, "split": 1, "merged": 1, "renamed": 1,
                               "unchanged": 0}
    assert [p["story_id"] for p in diff["split"][0]["into"]] == ["s-talks", "s-quota"]
    assert diff["renamed"][0]["now"]["story_id"] == "s-chess-final"
    same = diff_runs(load_run(a), load_run(a))
    assert same["summary"]["unchanged"] == 6 and sum(same["summary"].values()) == 6


def test_every_command_help_has_an_example():
    for args in (["show"], ["show", "story"], ["show", "article"], ["diff"]):
        code, out = invoke(*args, "--help")
        assert code == 0 and "Example:" in out and "newsclust " + " ".join(args) in out


# ---------------------------------------------------------------- on a real run of the sample


def test_show_every_story_and_article_of_the_sample(sample_run_with_rejects):
    run = load_run(sample_run_with_rejects)
    assert run.stories is not None
    total = 0
    for story_id in run.stories["story_id"]:
        view = story_view(run, story_id)
        total += len(view["articles"])
        assert sum(s["articles"] for s in view["sources"]) == view["n_articles"] == len(view["articles"])
    assert total == run.articles.height == 133
    copy = run.duplicates.filter(~pl.col("is_canonical")).row(0, named=True)
    code, out = invoke("show", "article", copy["article_id"], "--run", str(sample_run_with_rejects), "--json")
    view = json.loads(out)
    assert code == 0 and view["group"]["match"]["rule"] == copy["rule"]
    assert view["group"]["canonical"]["article_id"] == copy["canonical_id"]
    assert view["story"]["centrality"] is not None


@pytest.mark.model
def test_diff_of_an_earlier_cut_of_the_sample(sample_run_with_rejects, tmp_path, real_embedder):
    """Run the sample's first week, then diff it against the whole sample: ids are stable, later stories appear."""
    from cluster.config import load_config
    from cluster.pipeline import run_to_folder

    early = tmp_path / "early.jsonl"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    early.write_text("".join(line for line in lines if json.loads(line)["published_at"] < "2026-03-09"), encoding="utf-8")
    out = tmp_path / "early"
    run_to_folder(load_config(REPO / "configs" / "default.yaml", {"input.paths": [str(early)], "output.dir": str(out)}),
                  out, embedder=real_embedder)
    diff = diff_runs(load_run(out), load_run(sample_run_with_rejects))
    assert diff["summary"]["ended"] == diff["summary"]["renamed"] == diff["summary"]["shrank"] == 0
    assert diff["summary"]["appeared"] >= 1 and diff["summary"]["grew"] >= 1
    assert all(e["first_seen"] >= "2026-03-09" for e in diff["appeared"])
    assert diff["summary"]["unchanged"] + diff["summary"]["grew"] + diff["summary"]["split"] + diff["summary"]["merged"] >= 1
