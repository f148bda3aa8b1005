"""CSV outputs never hold a formula (``cluster.csv_cells``): text cells starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return are written with a quote in front, Parquet stays exact, and reading a CSV back (``cluster.runs``,
``newsclust eval``) restores every cell exactly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster.csv_cells import FORMULA_CHARS, neutralise, restore
from cluster.runs import TABLES, load_run, read_table, read_table_file
from cluster.schema import REJECTS
from cluster.table_files import LocalTableWriter
from jobs.cli import main

REPO = Path(__file__).resolve().parent.parent
TEXT = ("Harbour pilots at Porthaven voted to strike from Monday over night-shift pay, the union said, after talks "
        "with the port authority broke down for the third time this month.")
# id, source, title, url: every cell that comes from the feed starts with a formula character, or with a quote
# before one (which must survive the round trip), or is harmless
HOSTILE = [
    ("=1+1", "=HYPERLINK(\"https://evil.example\",\"x\")", "+44 pilots strike", "@SUM(A1)", "2026-03-02T06:40:00Z"),
    ("-a2", "\tTab Times", "\r=cmd|' /C calc'!A0", "-https://minus.example/a2", "2026-03-02T07:40:00Z"),
    ("'=a3", "'+Quoted Post", "''=twice quoted", "https://ok.example/a3", "2026-03-02T08:40:00Z"),
    ("a4", "Harbour Times", "Pilots strike - day one", "https://ok.example/a4", "2026-03-02T09:40:00Z"),
]


def _feed(folder: Path) -> Path:
    rows = [{"id": i, "source": s, "title": t, "url": u, "published_at": p, "text": f"{TEXT} ({n})"}
            for n, (i, s, t, u, p) in enumerate(HOSTILE)]
    feed = folder / "feed.jsonl"
    lines = [json.dumps(row) for row in rows] + ['{"id": "=bad", "title": "", "text": ""}']
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return feed


def _cells(path: Path) -> list[dict[str, str]]:
    """The CSV's records as a spreadsheet parses them (text as written)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_feed_text_in_csv_outputs_is_never_a_formula(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["dedup", "--input", str(_feed(tmp_path)), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output == f"4 articles (1 rejected), 1 duplicate groups (3 copies) -> {out}\n"  # one story, copied
    articles = pl.read_parquet(out / "articles.parquet")  # Parquet: exact (ingest strips the ends of titles)
    assert sorted(articles["article_id"]) == sorted(row[0] for row in HOSTILE)  # every good row is an article
    assert dict(zip(articles["article_id"], articles["title"], strict=True)) == {r[0]: r[2].strip() for r in HOSTILE}
    rejects = pl.read_parquet(out / "rejects.parquet")
    assert rejects.select("row", "reason").rows() == [(5, "empty title and text")]  # the bad row, a reject of its own
    for name in ("articles", "duplicates", "syndication", "rejects"):
        for record in _cells(out / f"{name}.csv"):
            risky = {column: cell for column, cell in record.items() if cell and cell[0] in FORMULA_CHARS}
            assert risky == {}, (name, risky)
    written = {row["article_id"]: row for row in _cells(out / "articles.csv")}
    assert sorted(written) == ["''=a3", "'-a2", "'=1+1", "a4"]
    assert written["'=1+1"]["source"] == "'=HYPERLINK(\"https://evil.example\",\"x\")"
    assert written["'=1+1"]["title"] == "'+44 pilots strike" and written["'=1+1"]["url"] == "'@SUM(A1)"
    assert written["'-a2"]["title"] == "'=cmd|' /C calc'!A0" and written["'-a2"]["url"] == "'-https://minus.example/a2"
    assert written["''=a3"]["source"] == "''+Quoted Post" and written["''=a3"]["title"] == "'''=twice quoted"
    assert written["a4"]["title"] == "Pilots strike - day one"  # a formula character inside a cell is harmless
    copies = _cells(out / "duplicates.csv")
    assert {row["canonical_id"] for row in copies} == {"'=1+1"}  # ids in every table
    assert _cells(out / "rejects.csv")[0]["raw"] == '{"id": "=bad", "title": "", "text": ""}'


def test_a_csv_only_run_reads_back_exactly(tmp_path):
    out = tmp_path / "out"
    args = ["dedup", "--input", str(_feed(tmp_path)), "--out", str(out), "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    csv_only = tmp_path / "csv"
    csv_only.mkdir()
    for path in out.iterdir():
        if path.suffix != ".parquet":
            (csv_only / path.name).write_bytes(path.read_bytes())
    for name in TABLES:
        if (out / f"{name}.parquet").is_file():  # a dedup run has no stories
            assert read_table(csv_only, name).equals(pl.read_parquet(out / f"{name}.parquet")), name
    assert load_run(csv_only).article("'=a3")["source"] == "'+Quoted Post"
    result = CliRunner().invoke(main, ["show", "article", "=1+1", "--run", str(csv_only), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["title"] == "+44 pilots strike"


EVAL_ALL_FOUND = """\
level dup: dup_group_id vs gold_dup, 4 articles (0 gold rows not in the run)
clusters   gold 1, predicted 1
pairwise   P 1.0000  R 1.0000  F1 1.0000
b-cubed    P 1.0000  R 1.0000  F1 1.0000
ARI        1.0000
"""


def test_eval_reads_ids_that_start_with_a_formula_character(tmp_path):
    """Ids are feed text too: quoted in ``articles.csv``, restored when ``eval --pred`` reads it."""
    out = tmp_path / "out"
    feed = _feed(tmp_path)
    args = ["dedup", "--input", str(feed), "--out", str(out), "--config", str(REPO / "configs" / "default.yaml"), "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    (out / "articles.parquet").unlink()  # eval reads articles.csv
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": row[0], "gold_dup": "=1+1"}) + "\n" for row in HOSTILE), encoding="utf-8")
    for pred in (out, out / "articles.csv"):
        result = CliRunner().invoke(main, ["eval", "--gold", str(gold), "--pred", str(pred), "--level", "dup"])
        assert (result.exit_code, result.output) == (0, EVAL_ALL_FOUND)


# ---------------------------------------------------------------- the rule, for any text

_CELL = st.one_of(st.none(), st.text(alphabet=st.sampled_from(["'", *FORMULA_CHARS, "a", " ", '"', "\n", "é", ","])),
                  st.text())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_CELL, _CELL), min_size=1, max_size=6))
def test_round_trip_through_csv_is_exact_and_no_cell_is_a_formula(tmp_path_factory, cells):
    folder = tmp_path_factory.mktemp("csv")
    table = pl.DataFrame({"file": [a for a, _ in cells], "row": list(range(len(cells))), "reason": "r",
                          "raw": [b for _, b in cells]}, schema=REJECTS)
    LocalTableWriter().write_csv(table, folder / "rejects.csv")
    assert read_table_file(folder / "rejects.csv").equals(table)
    for record in _cells(folder / "rejects.csv"):
        assert not any(cell and cell[0] in FORMULA_CHARS for cell in record.values())


@given(st.lists(st.one_of(st.none(), st.text()), max_size=8))
def test_neutralise_changes_only_cells_that_need_it_and_restore_undoes_it(texts):
    table = pl.DataFrame({"text": texts, "n": list(range(len(texts)))}, schema={"text": pl.String, "n": pl.Int64})
    quoted = neutralise(table)
    assert restore(quoted, ["text"]).equals(table)
    for before, after in zip(texts, quoted["text"], strict=True):
        needs = before is not None and before.lstrip("'")[:1] in tuple(FORMULA_CHARS)
        assert after == (f"'{before}" if needs else before)
