"""Input expansion, ingest of every format with every reject reason, timestamps and atomic output folders."""

from __future__ import annotations

import gzip
import json
import os
from datetime import date, datetime, timezone

import polars as pl
import pytest

from cluster.config import ColumnMap
from cluster.io import InputError, atomic_folder, expand_inputs, ingest, parse_timestamp
from cluster.schema import ARTICLES, REJECTS

RUN_DATE = date(2024, 5, 2)
UTC = timezone.utc


def run_ingest(*paths, columns: ColumnMap | None = None, max_text_chars: int = 200_000):
    return ingest(list(paths), columns or ColumnMap(), RUN_DATE, max_text_chars)


def record(article_id: str, **fields) -> dict:
    return {"id": article_id, "title": f"Title {article_id}", "text": f"Body of {article_id}.", "source": "Wire",
            "url": f"https://wire.example/{article_id}", "published_at": "2024-05-01T08:00:00Z", **fields}


def jsonl(*objects) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


# ---------------------------------------------------------------- expand_inputs


def test_expand_folder_is_recursive_sorted_and_only_supported_suffixes(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "deep").mkdir()
    for name in ["z.jsonl", "a.csv", "b/m.parquet", "b/deep/x.jsonl.gz", "b/k.NDJSON", "notes.txt", "b/data.xlsx"]:
        (tmp_path / name).write_bytes(b"")
    found = expand_inputs([str(tmp_path)])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.csv", "b/deep/x.jsonl.gz", "b/k.NDJSON", "b/m.parquet", "z.jsonl"
    ]


def test_expand_glob_sorted_and_each_file_once(tmp_path):
    for name in ["2.jsonl", "1.jsonl", "1.csv"]:
        (tmp_path / name).write_bytes(b"")
    found = expand_inputs([str(tmp_path / "*.jsonl"), str(tmp_path / "1.jsonl")])
    assert found == [tmp_path / "1.jsonl", tmp_path / "2.jsonl"]


def test_expand_missing_file_names_it(tmp_path):
    missing = tmp_path / "gone.jsonl"
    with pytest.raises(InputError) as info:
        expand_inputs([str(missing)])
    assert str(info.value) == f"input file {missing} does not exist"


def test_expand_empty_folder_fails(tmp_path):
    (tmp_path / "readme.txt").write_text("not data")
    with pytest.raises(InputError) as info:
        expand_inputs([str(tmp_path)])
    assert str(info.value).startswith(f"input folder {tmp_path} holds no .jsonl, .jsonl.gz,")


def test_expand_glob_matching_nothing_fails(tmp_path):
    with pytest.raises(InputError) as info:
        expand_inputs([str(tmp_path / "*.jsonl")])
    assert str(info.value) == (
        f"input pattern {tmp_path / '*.jsonl'} matches no .jsonl, .jsonl.gz, .ndjson, .ndjson.gz, .json, .json.gz, "
        ".csv, .csv.gz, .parquet file"
    )


def test_expand_nothing_given_fails():
    with pytest.raises(InputError) as info:
        expand_inputs([])
    assert str(info.value) == "no input given: set input.paths in the config or pass --input"


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
        (str(first), 6, "not a JSON object"),
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
    path.write_bytes(jsonl(record("7", title="  Padded  ", source=None, url="", published_at="2024-05-01T10:30:00+02:00")))
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


def test_jsonl_gz(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(record("1"), record("2")) + b"not json\n"))
    result = run_ingest(path)
    assert result.articles["article_id"].to_list() == ["1", "2"]
    assert result.rejects.select("row", "reason").rows() == [(3, "malformed JSON: Expecting value at column 1")]


def test_not_gzip_data_raises_input_error_naming_file(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(jsonl(record("1")))
    with pytest.raises(InputError) as info:
        run_ingest(path)
    assert str(info.value).startswith(f"input file {path}: cannot be read (Not a gzipped file")


def test_truncated_gz_raises_input_error_naming_file(tmp_path):
    data = gzip.compress(jsonl(*(record(str(i), text="word " * 100) for i in range(100))))
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as info:
        run_ingest(path)
    assert str(info.value) == (
        f"input file {path}: cannot be read (Compressed file ended before the end-of-stream marker was reached)"
    )


def test_corrupt_deflate_stream_raises_input_error_naming_file(tmp_path):
    data = bytearray(gzip.compress(jsonl(*(record(str(i), text=f"word {i} " * 50) for i in range(100)))))
    data[40:80] = bytes(b ^ 0xFF for b in data[40:80])
    path = tmp_path / "a.csv.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as info:
        run_ingest(path)
    assert str(info.value).startswith(f"input file {path}: cannot be read (")


def test_unsupported_suffix_raises_input_error(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"")
    with pytest.raises(InputError) as info:
        run_ingest(path)
    assert str(info.value).startswith(f"input file {path}: unsupported format (expected one of .jsonl,")


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
        (2, "undecodable row: not UTF-8"), (3, "malformed CSV: more fields than the header")
    ]
    assert result.rows_read == 4


def test_csv_with_bom_and_gzip(tmp_path):
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress("\ufeffid,title,text\n1,Ünïcode,Body\n".encode("utf-8")))
    assert run_ingest(path).articles.select("article_id", "title").rows() == [("1", "Ünïcode")]


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


def test_corrupt_parquet_raises_input_error(tmp_path):
    path = tmp_path / "a.parquet"
    path.write_bytes(b"PAR1 definitely not parquet")
    with pytest.raises(InputError) as info:
        run_ingest(path)
    assert str(info.value).startswith(f"input file {path}: cannot be read (")


def test_column_mapping(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl({"guid": "g1", "headline": "Mapped", "body": "Text", "outlet": "Wire", "link": "u",
                            "date": "2024-05-01", "id": "ignored"}))
    columns = ColumnMap(id="guid", title="headline", text="body", source="outlet", url="link", published_at="date")
    row = run_ingest(path, columns=columns).articles.row(0, named=True)
    assert (row["article_id"], row["title"], row["text"], row["source"], row["url"]) == ("g1", "Mapped", "Text", "Wire", "u")
    assert row["published_at"] == datetime(2024, 5, 1, tzinfo=UTC)


def test_column_mapping_missing_id_names_the_mapped_column(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl({"id": "1", "title": "t"}))
    assert run_ingest(path, columns=ColumnMap(id="guid")).rejects["reason"].to_list() == ["missing id (column 'guid')"]


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
    ],
)
def test_parse_timestamp(value, expected):
    parsed = parse_timestamp(value)
    assert parsed == expected
    assert parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("value", [None, "", "   "])
def test_parse_timestamp_missing_is_none(value):
    assert parse_timestamp(value) is None


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", 1714550400])
def test_parse_timestamp_rejects_garbage(value):
    with pytest.raises(ValueError):
        parse_timestamp(value)


# ---------------------------------------------------------------- atomic_folder


def leftovers(parent, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def test_atomic_folder_success_replaces_existing_folder_whole(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.csv").write_text("old")
    (target / "shared.csv").write_text("old")
    with atomic_folder(target) as staging:
        assert staging != target
        assert staging.parent == target.parent
        (staging / "shared.csv").write_text("new")
        (staging / "new.parquet").write_text("new")
        assert (target / "old.csv").read_text() == "old"
    assert sorted(p.name for p in target.iterdir()) == ["new.parquet", "shared.csv"]
    assert (target / "shared.csv").read_text() == "new"
    assert leftovers(tmp_path, "out") == []


def test_atomic_folder_creates_missing_parents(tmp_path):
    target = tmp_path / "a" / "b" / "out"
    with atomic_folder(target) as staging:
        (staging / "x.csv").write_text("x")
    assert (target / "x.csv").read_text() == "x"


def test_atomic_folder_failure_keeps_previous_output_and_no_staging(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.csv").write_text("old")
    with pytest.raises(RuntimeError, match="stage failed"):
        with atomic_folder(target) as staging:
            (staging / "old.csv").write_text("half-written")
            (staging / "partial.csv").write_text("half")
            raise RuntimeError("stage failed")
    assert sorted(p.name for p in target.iterdir()) == ["old.csv"]
    assert (target / "old.csv").read_text() == "old"
    assert leftovers(tmp_path, "out") == []
    assert not (tmp_path / f".out.tmp-{os.getpid()}").exists()


def test_atomic_folder_failure_without_previous_output_leaves_nothing(tmp_path):
    with pytest.raises(KeyError):
        with atomic_folder(tmp_path / "out") as staging:
            (staging / "partial.csv").write_text("half")
            raise KeyError("boom")
    assert list(tmp_path.iterdir()) == []


def test_glob_skips_unsupported_files(tmp_path):
    (tmp_path / "README.md").write_text("not articles")
    (tmp_path / "a.jsonl").write_text('{"id": "1", "title": "t"}\n')
    assert expand_inputs([str(tmp_path / "*")]) == [tmp_path / "a.jsonl"]


def test_csv_row_with_fewer_fields_is_rejected(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("id,title,text\n1,Full row,body\n2,Short row\n")
    result = ingest([path], ColumnMap(), date(2026, 3, 1), 10_000)
    assert result.articles["article_id"].to_list() == ["1"]
    assert result.rejects.select("row", "reason").rows() == [(2, "malformed CSV: fewer fields than the header")]
