"""Ingest: every row of every format ends once in articles or rejects, with every reject reason; timestamps."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import polars as pl
import pytest

from cluster.config import ColumnMap, InputConfig
from cluster.ingest import DateOutOfRange, ingest, parse_timestamp
from cluster.schema import ARTICLES, REJECTS

RUN_DATE = date(2024, 5, 2)
UTC = timezone.utc


def run_ingest(*paths, **settings):
    """Ingest ``paths`` with the input config's defaults, except ``settings``."""
    return ingest(list(paths), InputConfig(**settings), RUN_DATE)


def record(article_id: str, **fields) -> dict:
    return {"id": article_id, "title": f"Title {article_id}", "text": f"Body of {article_id}.", "source": "Wire",
            "url": f"https://wire.example/{article_id}", "published_at": "2024-05-01T08:00:00Z", **fields}


def jsonl(*objects) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


# ---------------------------------------------------------------- JSONL


def test_jsonl_every_reject_reason_and_every_row_accounted_once(tmp_path):
    first = tmp_path / "a.jsonl"
    first.write_bytes(
        jsonl(record("1"))  # row 1 accepted
        + b"\n   \n"  # rows 2-3 blank: not rows
        + b'{"id": "9", "title": "caf\xe9"}\n'  # row 4 not UTF-8
        + b'{"id": "10", "title": }\n'  # row 5 malformed
        + b"[1, 2, 3]\n"  # row 6 not an object
        + jsonl({"title": "No id", "text": "x"})  # row 7
        + jsonl({"id": "  ", "title": "Blank id"})  # row 8
        + jsonl({"id": "2", "title": " ", "text": ""})  # row 9
        + jsonl(record("3", published_at="last Tuesday"))  # row 10
        + jsonl(record("4", published_at=None))  # row 11 accepted, date missing
    )
    second = tmp_path / "b.jsonl"
    second.write_bytes(jsonl(record("5"), record("1", title="Again")))
    result = run_ingest(first, second)

    assert result.articles.schema == ARTICLES
    assert result.rejects.schema == REJECTS
    assert result.articles.select("file", "row", "article_id").rows() == [
        (str(first), 1, "1"), (str(first), 11, "4"), (str(second), 1, "5")
    ]
    assert result.rejects.select("file", "row", "reason").rows() == [
        (str(first), 4, "undecodable line: not UTF-8 (invalid continuation byte at byte 25)"),
        (str(first), 5, "malformed JSON: Expecting value at column 23"),
        (str(first), 6, "not a JSON object (a JSON array)"),
        (str(first), 7, "missing id (column 'id')"),
        (str(first), 8, "missing id (column 'id')"),
        (str(first), 9, "empty title and text"),
        (str(first), 10, "unparseable published_at: 'last Tuesday'"),
        (str(second), 2, f"duplicate id (first seen in {first} row 1)"),
    ]
    assert result.rows_read == 11
    assert len(result.articles) + len(result.rejects) == result.rows_read
    accounted = result.articles.select("file", "row").vstack(result.rejects.select("file", "row"))
    assert accounted.is_duplicated().sum() == 0
    assert result.files == [str(first), str(second)]


def test_jsonl_reject_keeps_raw_text(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"[1, 2, 3]\n" + jsonl({"id": "2"}))
    rejects = run_ingest(path).rejects
    assert rejects["raw"].to_list() == ["[1, 2, 3]\n", '{"id": "2"}']


def test_jsonl_accepted_fields(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        jsonl(record("7", title="  Padded  ", source=None, url="", published_at="2024-05-01T10:30:00+02:00"))
    )
    row = run_ingest(path).articles.row(0, named=True)
    assert row == {
        "article_id": "7", "title": "Padded", "text": "Body of 7.", "source": None, "url": None,
        "published_at": datetime(2024, 5, 1, 8, 30, tzinfo=UTC), "date_missing": False, "file": str(path), "row": 1,
    }


def test_missing_date_falls_back_to_run_date(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl(record("1", published_at=""), {"id": "2", "title": "No date key"}))
    articles = run_ingest(path).articles
    assert articles["published_at"].to_list() == [datetime(2024, 5, 2, tzinfo=UTC)] * 2
    assert articles["date_missing"].to_list() == [True, True]


def test_long_text_is_cut(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl(record("1", text="x" * 1500)))
    assert run_ingest(path, max_text_chars=1000).articles["text"].str.len_chars().to_list() == [1000]


def test_future_dates_are_rejected_past_the_configured_tolerance(tmp_path):
    # the run date ends at 2024-05-03T00:00Z; the default tolerance (48 h) accepts this article, 12 h rejects it
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl(record("1", published_at="2024-05-04T01:00:00Z")))
    assert run_ingest(path).articles["article_id"].to_list() == ["1"]
    assert run_ingest(path, future_tolerance_hours=12).rejects["reason"].to_list() == [
        "published_at in the future: 2024-05-04T01:00Z is after 2024-05-03T12:00Z"
    ]


# ---------------------------------------------------------------- CSV and Parquet


def test_csv_quoted_newline_and_non_utf8_row(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(
        b"id,title,text,source,published_at\n"
        b'1,"Hello, world","Line one\nline two",Wire,2024-05-01T10:00:00Z\n'
        b"2,Caf\xe9 opens,Body,Wire,2024-05-01\n"
        b"3,Extra,Body,Wire,2024-05-01,surplus\n"
        b"4,Fine,Body,Wire,\n"
    )
    result = run_ingest(path)
    assert result.articles.select("article_id", "title", "text", "row").rows() == [
        ("1", "Hello, world", "Line one\nline two", 1), ("4", "Fine", "Body", 4)
    ]
    assert result.articles["date_missing"].to_list() == [False, True]
    assert result.rejects.select("row", "reason").rows() == [
        (2, "undecodable row: not UTF-8 (invalid continuation byte at byte 5)"),
        (3, "malformed CSV at line 5: more fields than the header (6, the header has 5)"),
    ]
    assert result.rows_read == 4


def test_parquet_rows_and_typed_values(tmp_path):
    path = tmp_path / "a.parquet"
    pl.DataFrame(
        {
            "id": [101, 102, 101],
            "title": ["A", "B", "C"],
            "text": ["x", None, "z"],
            "source": ["Wire", "Wire", "Wire"],
            "published_at": [datetime(2024, 5, 1, 9), None, datetime(2024, 5, 1, 11)],
        }
    ).write_parquet(path)
    result = run_ingest(path)
    assert result.articles.select("article_id", "text", "published_at", "date_missing", "row").rows() == [
        ("101", "x", datetime(2024, 5, 1, 9, tzinfo=UTC), False, 1),
        ("102", "", datetime(2024, 5, 2, tzinfo=UTC), True, 2),
    ]
    assert result.rejects.select("row", "reason").rows() == [(3, f"duplicate id (first seen in {path} row 1)")]


def test_column_mapping(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl({"guid": "g1", "headline": "Mapped", "body": "Text", "outlet": "Wire", "link": "u",
                            "date": "2024-05-01", "id": "ignored"}))
    columns = ColumnMap(id="guid", title="headline", text="body", source="outlet", url="link", published_at="date")
    row = run_ingest(path, columns=columns).articles.row(0, named=True)
    fields = (row["article_id"], row["title"], row["text"], row["source"], row["url"])
    assert fields == ("g1", "Mapped", "Text", "Wire", "u")
    assert row["published_at"] == datetime(2024, 5, 1, tzinfo=UTC)


def test_column_mapping_missing_id_names_the_mapped_column(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl({"id": "1", "title": "t"}))
    result = run_ingest(path, columns=ColumnMap(id="guid"))
    hint = "its columns: id, title; map them with input.columns"
    assert result.rejects["reason"].to_list() == [f"missing id: {path} has no column 'guid' ({hint})"]
    assert result.warnings == [
        f"input file {path} has no column 'guid' (input.columns.id), so every row is rejected; {hint}"
    ]


# ---------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00+01:00", datetime(2024, 5, 1, 9, tzinfo=UTC)),
        ("2024-05-01T00:30:00+01:00", datetime(2024, 4, 30, 23, 30, tzinfo=UTC)),
        ("2024-05-01 10:00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("  2024-05-01T10:00  ", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        (datetime(2024, 5, 1, 10), datetime(2024, 5, 1, 10, tzinfo=UTC)),
        (date(2024, 5, 1), datetime(2024, 5, 1, tzinfo=UTC)),
        ("Wed, 01 May 2024 10:00:00 GMT", datetime(2024, 5, 1, 10, tzinfo=UTC)),  # RFC 2822, as RSS dates items
        ("Wed, 01 May 2024 12:00:00 +0200", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("1 May 2024 10:00 -0000", datetime(2024, 5, 1, 10, tzinfo=UTC)),  # "-0000": no zone given, read as UTC
        (1714557600, datetime(2024, 5, 1, 10, tzinfo=UTC)),  # epoch seconds (below 10^11)
        (1714557600.5, datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        (1714557600000, datetime(2024, 5, 1, 10, tzinfo=UTC)),  # epoch milliseconds (10^11 and above)
        ("1714557600", datetime(2024, 5, 1, 10, tzinfo=UTC)),  # a CSV's epoch is text
        ("20240501", datetime(2024, 5, 1, tzinfo=UTC)),  # ISO 8601 basic format comes first: a date, not an epoch
    ],
)
def test_parse_timestamp(value, expected):
    parsed = parse_timestamp(value)
    assert parsed == expected
    assert parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("value", [None, "", "   "])
def test_parse_timestamp_missing_is_none(value):
    assert parse_timestamp(value) is None


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "Mon, 32 May 2024", True, 1e14, float("nan"), [2024]])
def test_parse_timestamp_rejects_garbage(value):
    with pytest.raises(ValueError):
        parse_timestamp(value)


@pytest.mark.parametrize(
    ("value", "late"),
    [("10000-01-01", True), ("+12024-01-01T00:00:00", True), ("0000-12-31T00:00:00", False),
     ("0001-01-01T00:30:00+01:00", False), ("9999-12-31T23:30:00-01:00", True), (-9e13, False)],
)
def test_parse_timestamp_beyond_python_dates_says_which_end(value, late):
    with pytest.raises(DateOutOfRange) as info:
        parse_timestamp(value)
    assert info.value.late is late
