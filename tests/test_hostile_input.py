"""Hostile feeds, input side (issue 13): each case through the command line, with its exit code, its exact messages,
and every good row an article and every bad row a reject of its own."""

from __future__ import annotations

import codecs
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from jobs.cli import main

RUN_DATE = "2026-03-02"
_LOG_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d ", re.MULTILINE)


def article(number: int, **fields) -> dict:
    return {"id": f"a{number}", "title": f"Headline {number}", "text": f"Report {number} on topic {number * 7}.",
            "source": "Wire", "published_at": "2026-03-01T08:00:00Z", **fields}


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str  # log lines without their time
    articles: list[str]  # sorted, as the articles table is
    rejects: list[tuple[str, int, str]]  # file, row, reason


def dedup(tmp_path: Path, *inputs: str | Path, settings: str = "") -> Outcome:
    """``newsclust dedup -q`` over ``inputs`` with a config of ``settings`` (YAML lines under ``input:``)."""
    config = tmp_path / "config.yaml"
    config.write_text(f"input:\n  run_date: {RUN_DATE}\n{settings}")
    out = tmp_path / "out"
    options = [arg for path in inputs for arg in ("--input", str(path))]
    result = CliRunner().invoke(main, ["dedup", "-q", "--config", str(config), *options, "--out", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    rejects = pl.read_parquet(out / "rejects.parquet").select("file", "row", "reason").rows()
    return Outcome(result.exit_code, result.stdout, _LOG_TIME.sub("", result.stderr),
                   pl.read_parquet(out / "articles.parquet")["article_id"].to_list(), rejects)


def summary(tmp_path: Path, accepted: int, rejected: int) -> str:
    return f"{accepted} articles ({rejected} rejected), 0 duplicate groups (0 copies) -> {tmp_path / 'out'}\n"


def test_csv_unclosed_quote_costs_its_own_row_not_the_rest_of_the_file(tmp_path):
    feed = tmp_path / "feed.csv"
    rows = [f'a{n},"Headline {n}, late",Report {n} on topic {n * 7}.,Wire,2026-03-01T08:00:00Z\n' for n in range(1, 41)]
    rows[2] = 'a3,"Headline 3 never closes,Report 3.,Wire,2026-03-01T08:00:00Z\n'  # its quote would swallow the rest
    feed.write_text("id,title,text,source,published_at\n" + "".join(rows))
    outcome = dedup(tmp_path, feed)
    assert outcome.exit_code == 0 and outcome.stderr == ""
    assert outcome.stdout == summary(tmp_path, 39, 1)
    assert outcome.articles == sorted(f"a{n}" for n in range(1, 41) if n != 3)
    assert outcome.rejects == [(str(feed), 3, "malformed CSV at line 4: unclosed quote (the quoted field would run on "
                                              "to line 5)")]


def test_json_file_holding_an_array_or_a_wrapped_array_of_objects(tmp_path):
    array, wrapped = tmp_path / "array.json", tmp_path / "wrapped.json"
    array.write_text(json.dumps([article(1), article(2), "not an object", article(3)], indent=2))
    wrapped.write_text(json.dumps({"articles": [article(4), article(5)]}))
    outcome = dedup(tmp_path, array, wrapped)
    assert outcome.exit_code == 0 and outcome.stderr == ""
    assert outcome.stdout == summary(tmp_path, 5, 1)
    assert outcome.articles == ["a1", "a2", "a3", "a4", "a5"]
    assert outcome.rejects == [(str(array), 3, "not a JSON object (a JSON string, element 3 of the array)")]


def test_cr_only_line_endings_are_line_ends(tmp_path):
    jsonl_feed, csv_feed = tmp_path / "mac.jsonl", tmp_path / "mac.csv"
    jsonl_feed.write_bytes(jsonl(*(article(n) for n in range(1, 21))).replace("\n", "\r").encode())
    csv_feed.write_bytes(b"id,title,text\r" + b"".join(b"c%d,Headline c%d,Body c%d\r" % (n, n, n) for n in range(5)))
    outcome = dedup(tmp_path, jsonl_feed, csv_feed)
    assert outcome.exit_code == 0 and outcome.stderr == ""
    assert outcome.stdout == summary(tmp_path, 25, 0)
    assert outcome.articles == sorted([f"a{n}" for n in range(1, 21)] + [f"c{n}" for n in range(5)])


def test_utf8_byte_order_mark_on_jsonl_is_not_part_of_the_first_row(tmp_path):
    feed = tmp_path / "bom.jsonl"
    feed.write_bytes(codecs.BOM_UTF8 + jsonl(article(1), article(2)).encode())
    outcome = dedup(tmp_path, feed)
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, summary(tmp_path, 2, 0), "")
    assert outcome.articles == ["a1", "a2"]


def test_columns_under_other_names_are_named_in_a_warning_and_in_the_rejects(tmp_path):
    feed, mapped = tmp_path / "other.csv", tmp_path / "mapped.jsonl"
    feed.write_text("id,headline,body,publisher,date\n1,Hello,World,Wire,2026-03-01\n2,Bye,All,Wire,2026-03-01\n")
    mapped.write_text(jsonl(article(1), article(2)))
    outcome = dedup(tmp_path, feed, mapped, settings="  columns: {source: outlet}\n  max_reject_share: 1.0\n")
    hint = "map them with input.columns"
    assert outcome.exit_code == 0
    assert outcome.stderr == (
        f"WARNING input file {feed} has no column 'title' (input.columns.title) or 'text' (input.columns.text) or "
        f"'outlet' (input.columns.source), so every row is rejected; its columns: id, headline, body, publisher, "
        f"date; {hint}\n"
        f"WARNING input file {mapped} has no column 'outlet' (input.columns.source), so those fields stay empty; its "
        f"columns: id, title, text, source, published_at; {hint}\n"
    )
    assert outcome.articles == ["a1", "a2"]
    reason = (f"empty title and text: {feed} has no column 'title' or 'text' (its columns: id, headline, body, "
              f"publisher, date; {hint})")
    assert outcome.rejects == [(str(feed), 1, reason), (str(feed), 2, reason)]


def test_utf16_and_utf32_files_are_decoded_with_or_without_a_byte_order_mark(tmp_path):
    feeds = []
    for number, encoding in enumerate(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"]):
        feeds.append(tmp_path / f"{encoding}.jsonl")  # "utf-16"/"utf-32" write a byte-order mark, the others none
        feeds[-1].write_bytes(jsonl(article(2 * number), article(2 * number + 1, title="Überschrift")).encode(encoding))
    csv16 = tmp_path / "utf-16.csv"
    csv16.write_bytes("id,title,text\r\nc1,Café,Body\r\n".encode("utf-16"))
    broken = tmp_path / "broken-utf-16.jsonl"  # a lone surrogate: that line alone does not decode
    broken.write_bytes(codecs.BOM_UTF16_LE + jsonl(article(20)).encode("utf-16-le") + b"\x00\xd8\n\x00"
                       + jsonl(article(21)).encode("utf-16-le"))
    outcome = dedup(tmp_path, *feeds, csv16, broken)
    assert outcome.exit_code == 0 and outcome.stderr == ""
    assert outcome.stdout == summary(tmp_path, 13, 1)
    assert outcome.articles == sorted([f"a{n}" for n in range(10)] + ["c1", "a20", "a21"])
    assert outcome.rejects == [(str(broken), 2, "undecodable line: not UTF-16-LE")]


def test_glob_through_symlink_loops_reads_each_real_file_once(tmp_path):
    feeds = tmp_path / "feeds"
    (feeds / "day" / "late").mkdir(parents=True)
    (feeds / "day" / "a.jsonl").write_text(jsonl(article(1)))
    (feeds / "day" / "late" / "b.jsonl").write_text(jsonl(article(2)))
    (feeds / "day" / "late" / "up").symlink_to("..")  # two loops: each alone made glob read a file 41 times
    (feeds / "day" / "late" / "top").symlink_to("../..")
    (feeds / "day" / "same.jsonl").symlink_to("a.jsonl")  # a link to a file already read
    outcome = dedup(tmp_path, f"{feeds}/**/*.jsonl", feeds)
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, summary(tmp_path, 2, 0), "")
    assert outcome.articles == ["a1", "a2"]


def test_csv_field_longer_than_the_csv_module_default_limit(tmp_path):
    feed = tmp_path / "long.csv"
    feed.write_text(f"id,title,text\na1,Long read,\"{'word ' * 40_000}\"\na2,Short,Body\n")  # 200,000 characters
    outcome = dedup(tmp_path, feed)
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, summary(tmp_path, 2, 0), "")
    assert outcome.articles == ["a1", "a2"]


def test_deeply_nested_json_line_is_one_reject(tmp_path):
    feed = tmp_path / "nested.jsonl"
    feed.write_text(jsonl(article(1)) + "[" * 100_000 + "]" * 100_000 + "\n" + jsonl(article(2)))
    outcome = dedup(tmp_path, feed)
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, summary(tmp_path, 2, 1), "")
    assert outcome.articles == ["a1", "a2"]
    assert outcome.rejects == [(str(feed), 2, "malformed JSON: nested too deeply to read")]


def test_dates_beyond_python_or_before_1990_are_rejects_and_the_report_is_written(tmp_path):
    feed, table = tmp_path / "dates.jsonl", tmp_path / "dates.parquet"
    feed.write_text(jsonl(article(1), article(2, published_at="0001-01-01"), article(3, published_at="1989-12-31")))
    micros = pl.Series([1_772_352_000_000_000, 2 * 253_402_300_800_000_000]).cast(pl.Datetime("us", "UTC"))
    pl.DataFrame({"id": ["p1", "p2"], "title": ["Parquet 1", "Parquet 2"], "published_at": micros}).write_parquet(table)
    outcome = dedup(tmp_path, feed, table, settings="  max_reject_share: 1.0\n")
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, summary(tmp_path, 2, 3), "")
    assert outcome.articles == ["a1", "p1"]
    assert outcome.rejects == [
        (str(feed), 2, "published_at before 1990-01-01: 0001-01-01T00:00Z"),
        (str(feed), 3, "published_at before 1990-01-01: 1989-12-31T00:00Z"),
        (str(table), 2, "published_at in the future: '+18029-12-31T00:00:00' is after 2026-03-05T00:00Z"),
    ]
    assert (tmp_path / "out" / "report.html").exists()


def test_truncated_gz_among_good_feeds_keeps_every_readable_row(tmp_path):
    good, cut = tmp_path / "good.jsonl", tmp_path / "cut.jsonl.gz"
    good.write_text(jsonl(article(1), article(2)))
    data = gzip.compress(jsonl(*(article(n, text=f"Body {n} " * 200) for n in range(100, 300))).encode())
    cut.write_bytes(data[: len(data) // 2])
    outcome = dedup(tmp_path, good, cut)
    kept = sorted(int(a[1:]) for a in outcome.articles if a not in ("a1", "a2"))
    assert "a1" in outcome.articles and "a2" in outcome.articles
    assert kept == list(range(100, 100 + len(kept))) and 10 < len(kept) < 200
    reason = ("file ends early or is corrupt (Compressed file ended before the end-of-stream marker was reached); "
              f"the rest of the file after line {len(kept)} cannot be read")
    assert outcome.rejects == [(str(cut), len(kept) + 1, reason)]
    assert (outcome.exit_code, outcome.stdout) == (0, summary(tmp_path, len(kept) + 2, 1))
    assert outcome.stderr == f"WARNING input file {cut} row {len(kept) + 1}: {reason}\n"


def test_more_than_half_rejected_or_nothing_accepted_exits_6_after_writing_outputs(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(jsonl(article(1), {"id": "a2"}, {"id": "a3"}))
    outcome = dedup(tmp_path, feed)
    assert outcome.exit_code == 6
    assert outcome.stdout == summary(tmp_path, 1, 2)
    assert outcome.stderr == (f"error: 2 of 3 rows rejected (67%), more than input.max_reject_share (0.5); outputs "
                              f"were written to {tmp_path / 'out'} (see rejects)\n")
    assert outcome.articles == ["a1"]
    assert [reason for _, _, reason in outcome.rejects] == ["empty title and text"] * 2
    assert dedup(tmp_path, feed, settings="  max_reject_share: 0.7\n").exit_code == 0
    assert dedup(tmp_path, feed, settings="  max_reject_share: 1.0\n").exit_code == 0
    nothing = tmp_path / "nothing.jsonl"
    nothing.write_text(jsonl({"id": "a2", "title": "", "text": ""}))
    outcome = dedup(tmp_path, nothing)
    assert (outcome.exit_code, outcome.articles, len(outcome.rejects)) == (6, [], 1)
    assert outcome.stderr == (f"error: no article accepted: all 1 rows rejected; outputs were written to "
                              f"{tmp_path / 'out'} (see rejects)\n")


def test_nightly_with_too_many_rejects_exits_6_after_committing_the_night(tmp_path, monkeypatch, hashing_embedder):
    monkeypatch.setattr("cluster.embed.embedder_from_config", lambda _config: hashing_embedder)
    (tmp_path / "feeds" / RUN_DATE).mkdir(parents=True)
    (tmp_path / "feeds" / RUN_DATE / "a.jsonl").write_text(jsonl(article(1), {"id": "a2"}, {"id": "a3"}))
    config = tmp_path / "nightly.yaml"
    config.write_text(f"nightly:\n  input: {tmp_path}/feeds/{{date}}/*.jsonl\n  state_dir: {tmp_path}/state\n"
                      f"  out_root: {tmp_path}/runs\n")
    result = CliRunner().invoke(main, ["nightly", "-q", "--config", str(config), "--date", RUN_DATE])
    out = tmp_path / "runs" / RUN_DATE
    assert result.exit_code == 6
    assert result.stdout == (f"night {RUN_DATE}: 1 articles (2 rejected), 0 copies, 1 stories (1 new, 0 continuing) "
                             f"-> {out}\n")
    assert result.stderr == (f"error: 2 of 3 rows rejected (67%), more than input.max_reject_share (0.5); outputs "
                             f"were written to {out} (see rejects)\n")
    assert pl.read_parquet(out / "articles.parquet")["article_id"].to_list() == ["a1"]
    assert pl.read_parquet(out / "rejects.parquet").height == 2
    assert (tmp_path / "state" / "snapshots" / RUN_DATE).is_dir()


def test_empty_feed_file_is_named_in_a_warning(tmp_path):
    good, empty, header_only = tmp_path / "good.jsonl", tmp_path / "empty.jsonl", tmp_path / "header.csv"
    good.write_text(jsonl(article(1)))
    empty.write_text("")
    header_only.write_text("id,title,text\n")
    outcome = dedup(tmp_path, good, empty, header_only)
    assert (outcome.exit_code, outcome.stdout, outcome.articles) == (0, summary(tmp_path, 1, 0), ["a1"])
    assert outcome.stderr == (f"WARNING input file {empty} holds no rows\n"
                              f"WARNING input file {header_only} holds no rows\n")


def test_rss_and_epoch_dates_are_read(tmp_path):
    feed = tmp_path / "rss.jsonl"
    feed.write_text(jsonl(article(1, published_at="Sun, 01 Mar 2026 10:00:00 GMT"),
                          article(2, published_at=1772359200), article(3, published_at=1772359200000),
                          article(4, published_at="Sun, 01 Mar 2026 99:00:00 GMT")))
    outcome = dedup(tmp_path, feed)
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, summary(tmp_path, 3, 1), "")
    assert outcome.articles == ["a1", "a2", "a3"]
    times = pl.read_parquet(tmp_path / "out" / "articles.parquet")["published_at"].dt.to_string("%FT%R").to_list()
    assert times == ["2026-03-01T10:00"] * 3
    assert outcome.rejects == [(str(feed), 4, "unparseable published_at: 'Sun, 01 Mar 2026 99:00:00 GMT'")]
