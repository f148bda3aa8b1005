"""``newsclust show story|article``: exact output on two small hand-made run folders (``handmade_runs``), then every
story and article of a real run of the sample (with the packaged model)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner
from handmade_runs import invoke, write_run

from cluster.display import json_text
from cluster.runs import load_run
from cluster.views.show import story_view
from jobs.cli import main

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
        "published_at": "2026-03-02T18:40:00Z", "is_canonical": False, "canonical_id": "a1", "canonical_in_run": True,
        "dup_group_id": "g-a1", "centrality": 0.95, "jaccard": 0.3, "containment": 0.97, "rule": "containment",
    }
    assert view["rounds"] == [{"round": 1, "story_id": "s-ferry", "label": "Porthaven ferry strike",
                               "first_seen": "2026-03-02T06:40:00Z", "last_seen": "2026-03-03T08:00:00Z",
                               "n_articles": 4, "this_story": True}]


def test_show_story_says_what_a_renamed_story_was_called(nights):
    code, out = invoke("show", "story", "s-ferry", "--run", str(nights[1]))
    assert code == 0
    assert out.startswith("story      s-ferry\nlabel      Porthaven ferry strike ends\n"
                          "renamed    from Porthaven ferry strike (in this run, as the story grew)\n"
                          "headline   Ferry crews walk out\n")
    code, out = invoke("show", "story", "s-ferry", "--run", str(nights[1]), "--json")
    assert json.loads(out)["previous_label"] == "Porthaven ferry strike"
    _, before = invoke("show", "story", "s-ferry", "--run", str(nights[0]), "--json")
    assert json.loads(before)["previous_label"] is None


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
           chosen by not_aggregator: the other members come from aggregators (the built-in list or dedup.aggregators, by source name or URL host)
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
"""  # noqa: E501 (the rule explanation is one line)

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


def test_unknown_and_ambiguous_ids_are_usage_errors(nights):
    code, out = invoke("show", "story", "s-nope", "--run", str(nights[0]))
    assert code == 2 and "error: no story 's-nope' in" in out and "(7 stories)" in out
    code, out = invoke("show", "article", "zz", "--run", str(nights[0]))
    assert code == 2 and "error: no article 'zz' in" in out
    code, out = invoke("show", "story", "s-", "--run", str(nights[0]))
    assert code == 2 and "is ambiguous" in out


def test_every_command_help_has_an_example():
    for args in (["show"], ["show", "story"], ["show", "article"]):
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


# ---------------------------------------------------------------- feed text on a terminal

HOSTILE_TITLE = "Ferry\x1b]0;pwned\x07 crews\x1b[2J walk\u202eout\x9b31m\nNOW\tnow\x7f"
HOSTILE_SOURCE = "Harbour\x1b[31m Times"
HOSTILE_LABEL = "Porthaven\x1bc ferry strike"
HOSTILE_ROWS = [
    ("a1", HOSTILE_SOURCE, HOSTILE_TITLE, "2026-03-02 06:40", "a1", "s-ferry", 0.95, None, None, None),
    ("c1", "NewsBreeze", HOSTILE_TITLE, "2026-03-02 12:40", "a1", "s-ferry", 0.95, 0.91, 1.0, "jaccard"),
]


def hostile_run(folder: Path) -> Path:
    """A run folder whose feed text (a title, a source, the story label) holds terminal escapes, controls, a bidi
    override and a C1 CSI."""
    write_run(folder, HOSTILE_ROWS, formats=("parquet",))
    for name, column in (("stories", "label"), ("articles", "story_label")):
        table = pl.read_parquet(folder / f"{name}.parquet").with_columns(pl.lit(HOSTILE_LABEL).alias(column))
        table.write_parquet(folder / f"{name}.parquet")
    return folder


def invoke_on_a_terminal(*args: str) -> tuple[int, str]:
    """The CLI's output as a terminal gets it (click strips ANSI sequences only when it writes to a pipe)."""
    result = CliRunner().invoke(main, list(args), color=True)
    return result.exit_code, result.output


SHOW_HOSTILE_STORY = r"""story      s-ferry
label      Porthaven\x1bc ferry strike
headline   Ferry crews walk out
size       2 articles: 1 unique + 1 copy, from 2 sources
seen       2026-03-02 06:40 → 2026-03-02 12:40 UTC
chain      c-ferry, round 1 (no other round in this run)

sources
  Harbour\x1b[31m Times  1  1 original
  NewsBreeze             1  1 copy

articles (originals by time, each followed by its copies)
  2026-03-02 06:40  a1    Harbour\x1b[31m Times  original, centrality 0.950      Ferry\x1b]0;pwned\x07 crews\x1b[2J walk\u202eout\x9b31m\nNOW\tnow\x7f
  2026-03-02 12:40  ↳ c1  NewsBreeze             copy: jaccard (J 0.91, C 1.00)  Ferry\x1b]0;pwned\x07 crews\x1b[2J walk\u202eout\x9b31m\nNOW\tnow\x7f
"""  # noqa: E501


def test_show_prints_control_characters_of_feed_text_as_visible_escapes(tmp_path):
    run = hostile_run(tmp_path / "run")
    assert invoke_on_a_terminal("show", "story", "s-ferry", "--run", str(run)) == (0, SHOW_HOSTILE_STORY)
    code, out = invoke_on_a_terminal("show", "article", "a1", "--run", str(run))
    assert code == 0
    assert "source     Harbour\\x1b[31m Times\n" in out
    assert "title      Ferry\\x1b]0;pwned\\x07 crews\\x1b[2J walk\\u202eout\\x9b31m\\nNOW\\tnow\\x7f\n" in out
    assert "story      s-ferry  Porthaven\\x1bc ferry strike\n" in out
    for text in (SHOW_HOSTILE_STORY, out):
        assert not (set(text) - {"\n"}) & {chr(c) for c in [*range(32), *range(0x7F, 0xA0), 0x202E]}


def test_show_json_is_valid_escaped_json_of_the_exact_feed_text(tmp_path):
    run = hostile_run(tmp_path / "run")
    code, out = invoke_on_a_terminal("show", "story", "s-ferry", "--run", str(run), "--json")
    assert code == 0
    view = json.loads(out)
    assert view["label"] == HOSTILE_LABEL and view["articles"][0]["title"] == HOSTILE_TITLE
    assert view["sources"][0]["source"] == HOSTILE_SOURCE
    assert not set(out) & {chr(c) for c in range(32)} - {"\n"}  # json.dumps escapes every C0 control


def test_show_json_escapes_del_c1_and_bidi_controls(tmp_path):
    run = hostile_run(tmp_path / "run")
    code, out = invoke_on_a_terminal("show", "story", "s-ferry", "--run", str(run), "--json")
    assert code == 0 and not set(out) & {"\x7f", "\x9b", "\u202e"}


def test_json_text_escapes_what_json_dumps_leaves_raw_and_decodes_to_the_same_view():
    view = {"title": HOSTILE_TITLE, "n": 1, "items": [HOSTILE_SOURCE, None]}
    text = json_text(view)
    assert json.loads(text) == view
    assert not set(text) & ({chr(c) for c in [*range(32), *range(0x7F, 0xA0), 0x202E]} - {"\n"})
    assert "\\u001b]0;pwned\\u0007" in text and "\\u007f" in text and "\\u009b" in text and "\\u202e" in text
