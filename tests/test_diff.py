"""``newsclust diff``: exact output between the two hand-made nights (``handmade_runs``), then a run of the sample's
first week against the whole sample (with the packaged model)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from handmade_runs import NIGHT_1, NIGHT_2, invoke, write_run

from cluster.runs import load_run
from cluster.views.diff import diff_runs
from jobs.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample" / "articles.jsonl"

DIFF = """\
A  {a}  (7 stories, 12 articles)
B  {b}  (8 stories, 16 articles)

appeared 2  ended 1  grew 1  shrank 0  renamed 1  split 1  merged 1  reissued 1  unchanged 0

appeared (in B only): 2
  s-rates   Bank of Valdoria rates  1 article  2026-03-04 → 2026-03-04
  s-talks2  Alvora talks round 2    1 article  2026-03-12 → 2026-03-12

ended (in A only): 1
  s-museum  Kestrel Museum  1 article  2026-03-02 → 2026-03-02

grew: 1
  s-bridge  Kessford bridge  1 → 2 articles (+1)

renamed (same id, new label): 1
  s-ferry  Porthaven ferry strike  → Porthaven ferry strike ends  4 → 5 articles (+1)

reissued (same articles, new id): 1
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
    assert diff["summary"] == {"appeared": 2, "ended": 1, "grew": 1, "shrank": 0, "renamed": 1, "split": 1,
                               "merged": 1, "reissued": 1, "unchanged": 0}
    assert [p["story_id"] for p in diff["split"][0]["into"]] == ["s-talks", "s-quota"]
    assert diff["reissued"][0]["now"]["story_id"] == "s-chess-final"
    (renamed,) = diff["renamed"]
    assert (renamed["story_id"], renamed["previous_label"], renamed["label"]) == (
        "s-ferry", "Porthaven ferry strike", "Porthaven ferry strike ends")
    assert (renamed["before"], renamed["after"]) == (4, 5)
    same = diff_runs(load_run(a), load_run(a))
    assert same["summary"]["unchanged"] == 7 and sum(same["summary"].values()) == 7


def test_a_renamed_story_of_unchanged_size_shows_its_one_size(tmp_path):
    a = write_run(tmp_path / "a", NIGHT_1, formats=("parquet",))
    b = write_run(tmp_path / "b", NIGHT_1, formats=("parquet",), renamed={"s-museum": "Kestrel Museum reopening"})
    code, out = invoke("diff", str(a), str(b))
    assert code == 0
    assert "renamed 1  split 0  merged 0  reissued 0  unchanged 6\n" in out
    assert "renamed (same id, new label): 1\n  s-museum  Kestrel Museum  → Kestrel Museum reopening  1 article\n" in out


def test_diff_help_has_an_example():
    code, out = invoke("diff", "--help")
    assert code == 0 and "Example:" in out and "newsclust diff" in out


# ---------------------------------------------------------------- on a real run of the sample


@pytest.mark.model
def test_diff_of_an_earlier_cut_of_the_sample(sample_run_with_rejects, tmp_path, real_embedder):
    """Run the sample's first week, then diff it against the whole sample: ids are stable, later stories appear."""
    from cluster.config import load_config
    from cluster.pipeline import run_to_folder

    early = tmp_path / "early.jsonl"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    first_week = [line for line in lines if json.loads(line)["published_at"] < "2026-03-09"]
    early.write_text("".join(first_week), encoding="utf-8")
    out = tmp_path / "early"
    run_to_folder(load_config(REPO / "configs" / "default.yaml", {"input.paths": [str(early)], "output.dir": str(out)}),
                  out, embedder=real_embedder)
    diff = diff_runs(load_run(out), load_run(sample_run_with_rejects))
    assert diff["summary"]["ended"] == diff["summary"]["reissued"] == diff["summary"]["shrank"] == 0
    assert diff["summary"]["appeared"] >= 1 and diff["summary"]["grew"] >= 1
    assert all(e["first_seen"] >= "2026-03-09" for e in diff["appeared"])
    # a story that gained articles may be labelled from them differently: same id, its sizes in both runs
    assert all(e["previous_label"] != e["label"] and e["after"] >= e["before"] for e in diff["renamed"])
    summary = diff["summary"]
    assert summary["unchanged"] + summary["grew"] + summary["renamed"] + summary["split"] + summary["merged"] >= 1


def test_diff_prints_control_characters_of_labels_as_visible_escapes(tmp_path):
    """Story labels come from feed titles: a label holding a terminal escape is printed as text."""
    a = write_run(tmp_path / "a", NIGHT_1, formats=("parquet",))
    b = write_run(tmp_path / "b", NIGHT_2, formats=("parquet",))
    stories = pl.read_parquet(b / "stories.parquet").with_columns(
        pl.when(pl.col("story_id") == "s-ferry").then(pl.lit("Ferry\x1b]0;pwned\x07 strike\x1b[2J\u202e"))
        .otherwise(pl.col("label")).alias("label"))
    stories.write_parquet(b / "stories.parquet")
    result = CliRunner().invoke(main, ["diff", str(a), str(b)], color=True)  # as on a terminal: nothing stripped
    assert result.exit_code == 0
    assert ("renamed (same id, new label): 1\n  s-ferry  Porthaven ferry strike  "
            "→ Ferry\\x1b]0;pwned\\x07 strike\\x1b[2J\\u202e  4 → 5 articles (+1)\n") in result.output
    assert not set(result.output) & ({chr(c) for c in [*range(32), *range(0x7F, 0xA0), 0x202E]} - {"\n"})
