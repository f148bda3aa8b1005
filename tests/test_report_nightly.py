"""What a nightly run folder shows of tonight's copies of earlier nights' articles: the report lists them under their
story with the original named by its id, ``show story`` lists them, and the counts of stories add up (the log's
``stories=`` is tonight's clustered stories; the summary's stories include those reached only through copies)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from cluster.config import load_config
from jobs.cli import main
from jobs.nightly import run_nightly

REPO = Path(__file__).resolve().parent.parent
FERRY = ("Ferry crews at Porthaven walked out at dawn over the new roster, halting every sailing to the islands while "
         "union leaders and the operator met for talks that ran late into the evening without a deal.")
MUSEUM = ("The Kestrel Museum of Maritime History will reopen its east wing in June after a two-year restoration of "
          "the old customs house, curators said, with a new gallery of harbour photographs.")
NIGHT_1 = [
    {"id": "o1", "source": "Harbour Times", "title": "Ferry crews walk out", "text": FERRY,
     "url": "https://harbour.example/o1", "published_at": "2026-03-02T06:40:00Z"},
]
NIGHT_2 = [
    {"id": "c1", "source": "NewsBreeze", "title": "Ferry crews walk out over roster", "text": FERRY,
     "url": "https://newsbreeze.example/c1", "published_at": "2026-03-03T05:10:00Z"},
    {"id": "m1", "source": "Meridian Post", "title": "Kestrel Museum to reopen east wing", "text": MUSEUM,
     "url": "https://meridian.example/m1", "published_at": "2026-03-03T09:00:00Z"},
]
BAD_ROW = '{"id": "x1", "title": "", "text": ""}'


@pytest.fixture
def nights(tmp_path: Path, hashing_embedder) -> Path:
    """Two nights: the original o1 on night 1; its copy c1 (by an aggregator) and an unrelated m1 on night 2, plus a
    bad row. Returns night 2's run folder."""
    config = (REPO / "configs" / "nightly.yaml").read_text()
    config = config.replace('input: "feeds/{date}/*.jsonl*"', f'input: "{tmp_path}/feeds/{{date}}/*.jsonl*"')
    config = config.replace("state_dir: state", f"state_dir: {tmp_path}/state")
    config = config.replace("out_root: runs", f"out_root: {tmp_path}/runs")
    (tmp_path / "nightly.yaml").write_text(config)
    for day, rows, extra in (("2026-03-02", NIGHT_1, []), ("2026-03-03", NIGHT_2, [BAD_ROW])):
        folder = tmp_path / "feeds" / day
        folder.mkdir(parents=True)
        (folder / "articles.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + "".join(
            line + "\n" for line in extra), encoding="utf-8")
        loaded = load_config(tmp_path / "nightly.yaml")
        run_nightly(loaded, date.fromisoformat(day), input_pattern=loaded.nightly.input,
                    state_dir=loaded.nightly.state_dir, out_root=loaded.nightly.out_root, embedder=hashing_embedder)
    return tmp_path / "runs" / "2026-03-03"


def _story_of(run: Path, article_id: str) -> str:
    articles = pl.read_parquet(run / "articles.parquet")
    return articles.filter(pl.col("article_id") == article_id)["story_id"].item()


def test_every_row_of_the_night_is_an_article_or_a_reject(nights):
    articles, rejects = pl.read_parquet(nights / "articles.parquet"), pl.read_parquet(nights / "rejects.parquet")
    assert sorted(articles["article_id"]) == ["c1", "m1"]
    assert rejects.select("row", "reason").rows() == [(3, "empty title and text")]
    copy = articles.filter(pl.col("article_id") == "c1").row(0, named=True)
    assert (copy["canonical_id"], copy["is_canonical"]) == ("o1", False)  # o1 is last night's


def test_story_counts_add_up_and_name_their_parts(nights):
    manifest = json.loads((nights / "run.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    counters = {stage["name"]: stage for stage in manifest["stages"]}
    assert counts["stories"] == 2 == counts["clustered_stories"] + counts["stories_only_from_copies"]
    assert counts["clustered_stories"] == counters["stories"]["stories"] == 1  # the log's "stories=1"
    assert counts["stories_only_from_copies"] == counters["continuity"]["inherited"] == 1
    page = (nights / "report.html").read_text(encoding="utf-8")
    assert ("<p class='lede'>3 articles came in; 1 could not be used. 1 syndicated copy collapsed into 1 duplicate "
            "group, leaving 1 unique article in 2 stories: 1 clustered from tonight&#x27;s originals, 1 holding only "
            "copies of earlier nights&#x27; articles. 1 new, 1 continuing from earlier nights. 2 sources.</p>") in page
    assert "data-key='stories_only_from_copies'><b>1</b><span>stories only from copies</span>" in page
    assert "<h2>The night in numbers</h2>" in page


def test_report_lists_copies_of_earlier_nights_articles_under_their_story(nights):
    page = (nights / "report.html").read_text(encoding="utf-8")
    ferry = _story_of(nights, "c1")
    card = re.search(rf"<article class='story' id='{ferry}'.*?</article>", page, flags=re.DOTALL)
    assert card is not None
    shown = card.group()
    assert f"<code class='sid' title='newsclust show story {ferry}'>{ferry}</code>" in shown
    assert "<summary>1 copy of an earlier night&#x27;s article</summary>" in shown
    assert ("<li class='earlier'><span class='muted'>a copy of an article from an earlier night (id <code>o1</code>)"
            "</span><div><time>Mar 3 05:10</time><span class='src'>NewsBreeze</span>"
            "<a href='https://newsbreeze.example/c1' rel='noopener noreferrer' target='_blank'>"
            "Ferry crews walk out over roster</a> <span class='muted'>jaccard</span></div></li>") in shown
    assert "class='headline'" not in shown  # the stories table repeats the label: no headline of its own tonight
    group = re.search(r"<div class='group'.*?</ol>", page, flags=re.DOTALL)
    assert group is not None
    assert "<b>2 articles, 1 of them from earlier nights</b>" in group.group()
    assert "<b>original</b> · an article from an earlier night (id <code>o1</code>)" in group.group()


SHOW_FERRY = """\
story      s-a473a8c1ab29
label      Ferry crews walk
headline   Ferry crews walk
size       1 article: 0 originals + 1 copy (1 of earlier nights' articles); 1 unique, from 1 source
seen       2026-03-03 05:10 → 2026-03-03 05:10 UTC
chain      c-a473a8c1ab29, round 1 (no other round in this run)

sources
  NewsBreeze  1  1 copy

articles (originals by time, each followed by its copies; then copies of earlier nights' articles)
  2026-03-03 05:10  ↳ c1  NewsBreeze  copy of o1, an earlier night's article: jaccard (J 1.00, C 1.00)  Ferry crews walk out over roster
"""  # noqa: E501

SHOW_COPY_GROUP = """\
group      g-a473a8c1ab29 (2 articles, 1 of earlier nights)
canonical  o1  an earlier night's article (not in this run)
           chosen by not_aggregator: the other members come from aggregators (the built-in list or dedup.aggregators, by source name or URL host)
match      jaccard 1.000  containment 1.000  (thresholds 0.5 / 0.8)
rule       jaccard: shingle Jaccard at or above dedup.jaccard_threshold

members
  c1  NewsBreeze  2026-03-03 05:10  jaccard  J 1.000  C 1.000  ← this article
"""  # noqa: E501 (the rule explanation is one line)


def test_show_story_lists_copies_of_earlier_nights_articles(nights):
    assert _story_of(nights, "c1") == "s-a473a8c1ab29"
    result = CliRunner().invoke(main, ["show", "story", "s-a473a8c1ab29", "--run", str(nights)])
    assert (result.exit_code, result.output) == (0, SHOW_FERRY)
    result = CliRunner().invoke(main, ["show", "article", "c1", "--run", str(nights)])
    assert result.exit_code == 0 and SHOW_COPY_GROUP in result.output
