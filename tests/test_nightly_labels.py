"""Labels that keep up (``cluster.relabel``): a continuing story is renamed from its coverage so far once it has
doubled, under the same id; a story that gains a little keeps its label; ``run.json``, ``stories`` and ``diff`` say
so; a state snapshot from before the registry kept ``label_articles`` still loads.

Three nights of a ferry strike written for this test (``fixtures/strike_nights.jsonl``): two articles about the
crews walking out, then four about the strike (the story triples), then one more; beside it a rates story of two
articles that gains one. Run with the fast hashing embedder and with the real packaged model.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from handmade_runs import invoke

from cluster.config import load_config
from cluster.state import REGISTRY, StateStore
from jobs.nightly import run_nightly

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NIGHTS = ("2026-03-02", "2026-03-03", "2026-03-04")
EMBEDDERS = ["hashing_embedder", pytest.param("real_embedder", marks=pytest.mark.model)]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """``feeds/<night>/articles.jsonl`` from ``fixtures/strike_nights.jsonl``, cut by publication day."""
    lines = (FIXTURES / "strike_nights.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    for night in NIGHTS:
        folder = tmp_path / "feeds" / night
        folder.mkdir(parents=True)
        tonight = [line for line in lines if json.loads(line)["published_at"].startswith(night)]
        (folder / "articles.jsonl").write_text("".join(tonight), encoding="utf-8")
    return tmp_path


def _night(site: Path, night: str, embedder) -> None:
    config = load_config(REPO / "configs" / "nightly.yaml")
    run_nightly(config, date.fromisoformat(night), input_pattern=str(site / "feeds" / "{date}" / "*.jsonl"),
                state_dir=site / "state", out_root=site / "runs", embedder=embedder)


def _ferry_and_rates(site: Path, night: str) -> dict[str, dict]:
    """Tonight's stories keyed "ferry" and "rates" by their articles' ids (``f…``, ``r…``)."""
    stories = pl.read_parquet(site / "runs" / night / "stories.parquet")
    articles = pl.read_parquet(site / "runs" / night / "articles.parquet")
    kind = {s: ("ferry" if a.startswith("f") else "rates") for a, s in zip(articles["article_id"],
                                                                           articles["story_id"], strict=True)}
    return {kind[row["story_id"]]: row for row in stories.iter_rows(named=True)}


def _registry(site: Path, night: str) -> dict[str, dict]:
    table = pl.read_parquet(site / "state" / "snapshots" / night / "stories.parquet")
    return {row["story_id"]: row for row in table.iter_rows(named=True)}


def _renamed_count(site: Path, night: str) -> int:
    return json.loads((site / "runs" / night / "run.json").read_text())["counts"]["renamed_stories"]


@pytest.mark.parametrize("embedder_name", EMBEDDERS)
def test_a_growing_story_is_renamed_under_its_id_once_it_doubles_and_then_holds(site, embedder_name, request):
    embedder = request.getfixturevalue(embedder_name)
    for night in NIGHTS:
        _night(site, night, embedder)
    first, second, third = (_ferry_and_rates(site, night) for night in NIGHTS)
    ferry = first["ferry"]["story_id"]
    assert second["ferry"]["story_id"] == third["ferry"]["story_id"] == ferry
    assert second["rates"]["story_id"] == first["rates"]["story_id"]

    # night 1: the crews walk out; night 2: the strike triples the story (2 → 6 articles) and names it
    assert "strike" not in first["ferry"]["label"].lower() and first["ferry"]["previous_label"] is None
    assert second["ferry"]["label"].startswith("Porthaven ferry strike")
    assert (second["ferry"]["status"], second["ferry"]["previous_label"]) == ("continuing", first["ferry"]["label"])
    # the rates story gained one article (2 → 3): it keeps its label
    assert (second["rates"]["label"], second["rates"]["previous_label"]) == (first["rates"]["label"], None)
    # night 3: one more article (6 → 7) is no reason to rename again
    assert (third["ferry"]["label"], third["ferry"]["previous_label"]) == (second["ferry"]["label"], None)

    assert [_renamed_count(site, night) for night in NIGHTS] == [0, 1, 0]
    page = (site / "runs" / NIGHTS[1] / "report.html").read_text(encoding="utf-8")
    assert f"Renamed tonight as it grew; until now: {first['ferry']['label']}</p>" in page
    assert "data-key='renamed_stories'><b>1</b>" in page and "(1 renamed as it grew)" in page
    registry = [_registry(site, night)[ferry] for night in NIGHTS]
    assert [(r["n_articles"], r["label_articles"]) for r in registry] == [(2, 2), (6, 6), (7, 6)]
    assert registry[1]["base_label"] == second["ferry"]["label"]


def test_diff_of_two_nights_reports_the_renamed_story_under_its_id(site, hashing_embedder):
    for night in NIGHTS[:2]:
        _night(site, night, hashing_embedder)
    first, second = (_ferry_and_rates(site, night) for night in NIGHTS[:2])
    ferry = first["ferry"]
    code, out = invoke("diff", str(site / "runs" / NIGHTS[0]), str(site / "runs" / NIGHTS[1]), "--json")
    assert code == 0
    diff = json.loads(out)
    assert diff["summary"]["renamed"] == 1 and diff["summary"]["reissued"] == 0
    (renamed,) = diff["renamed"]
    assert (renamed["story_id"], renamed["previous_label"], renamed["label"]) == (
        ferry["story_id"], ferry["label"], second["ferry"]["label"])
    assert (renamed["before"], renamed["after"]) == (2, 4)  # a night's run folder holds that night's articles
    code, text = invoke("diff", str(site / "runs" / NIGHTS[0]), str(site / "runs" / NIGHTS[1]))
    assert (f"renamed (same id, new label): 1\n  {ferry['story_id']}  {ferry['label']}  → {second['ferry']['label']}"
            "  2 → 4 articles (+2)\n") in text


def test_a_snapshot_from_before_label_articles_loads_and_counts_its_labels_as_set_then(site, hashing_embedder):
    _night(site, NIGHTS[0], hashing_embedder)
    snapshot = site / "state" / "snapshots" / NIGHTS[0] / "stories.parquet"
    pl.read_parquet(snapshot).drop("label_articles").write_parquet(snapshot)  # as an older newsclust wrote it
    manifest = json.loads((snapshot.parent / "manifest.json").read_text())
    prior = StateStore(site / "state").load_before(date.fromisoformat(NIGHTS[1]), manifest["fingerprint"])
    assert prior.registry.schema == REGISTRY
    assert prior.registry["label_articles"].to_list() == prior.registry["n_articles"].to_list() == [2, 2]
    _night(site, NIGHTS[1], hashing_embedder)
    assert _renamed_count(site, NIGHTS[1]) == 1  # labelled at 2 articles, 6 now: renamed
    ferry = _ferry_and_rates(site, NIGHTS[1])["ferry"]["story_id"]
    assert _registry(site, NIGHTS[1])[ferry]["label_articles"] == 6
