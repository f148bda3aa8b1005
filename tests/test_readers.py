"""Input files: expanding paths, globs and folders; every format's rows; whole tables by suffix; unreadable files."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date

import polars as pl
import pytest

from cluster.readers import InputError, expand_inputs, read_rows, read_table


def record(article_id: str, **fields) -> dict:
    return {"id": article_id, "title": f"Title {article_id}", "text": f"Body of {article_id}.", "source": "Wire",
            "url": f"https://wire.example/{article_id}", "published_at": "2024-05-01T08:00:00Z", **fields}


def jsonl(*objects) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def decoded(path) -> list[tuple[int, dict]]:
    return [(row.row, row.record) for row in read_rows(path) if row.record is not None]


def broken(path) -> list[tuple[int, str]]:
    return [(row.row, row.error) for row in read_rows(path) if row.record is None]


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


def test_expand_glob_skips_unsupported_files(tmp_path):
    (tmp_path / "README.md").write_text("not articles")
    (tmp_path / "a.jsonl").write_text('{"id": "1", "title": "t"}\n')
    assert expand_inputs([str(tmp_path / "*")]) == [tmp_path / "a.jsonl"]


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


# ---------------------------------------------------------------- rows of each format


def test_jsonl_gz_rows_and_a_malformed_line(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(record("1"), record("2")) + b"not json\n"))
    assert [rec["id"] for _, rec in decoded(path)] == ["1", "2"]
    assert broken(path) == [(3, "malformed JSON: Expecting value at column 1")]


def test_csv_with_bom_and_gzip(tmp_path):
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress("\ufeffid,title,text\n1,Ünïcode,Body\n".encode()))
    assert decoded(path) == [(1, {"id": "1", "title": "Ünïcode", "text": "Body"})]


def test_csv_row_with_fewer_fields_is_broken(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("id,title,text\n1,Full row,body\n2,Short row\n")
    assert [rec["id"] for _, rec in decoded(path)] == ["1"]
    assert broken(path) == [(2, "malformed CSV at line 3: fewer fields than the header (2, the header has 3)")]


# ---------------------------------------------------------------- files that cannot be read


def test_not_gzip_data_raises_input_error_naming_file(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(jsonl(record("1")))
    with pytest.raises(InputError) as info:
        list(read_rows(path))
    assert str(info.value).startswith(f"input file {path}: cannot be read (Not a gzipped file")


def test_truncated_gz_keeps_the_rows_before_the_break_and_rejects_the_rest_as_one_row(tmp_path):
    data = gzip.compress(jsonl(*(record(str(i), text=f"word {i} " * 100) for i in range(100))))
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    rows = list(read_rows(path))
    kept = [row.record["id"] for row in rows if row.record is not None]
    assert kept == [str(i) for i in range(len(kept))] and 10 < len(kept) < 100
    last = rows[-1]
    assert (last.row, last.ends_file) == (len(kept) + 1, True)
    assert last.error == (
        "file ends early or is corrupt (Compressed file ended before the end-of-stream marker was reached); the rest "
        f"of the file after line {len(kept)} cannot be read"
    )
    assert last.raw.startswith(f'{{"id": "{len(kept)}"') and not last.raw.endswith("\n")


def test_corrupt_deflate_stream_raises_input_error_naming_file(tmp_path):
    data = bytearray(gzip.compress(jsonl(*(record(str(i), text=f"word {i} " * 50) for i in range(100)))))
    data[40:80] = bytes(b ^ 0xFF for b in data[40:80])
    path = tmp_path / "a.csv.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as info:
        list(read_rows(path))
    assert str(info.value).startswith(f"input file {path}: cannot be read (")


def test_unsupported_suffix_raises_input_error(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"")
    with pytest.raises(InputError) as info:
        list(read_rows(path))
    assert str(info.value).startswith(f"input file {path}: unsupported format (expected one of .jsonl,")


def test_corrupt_parquet_raises_input_error(tmp_path):
    path = tmp_path / "a.parquet"
    path.write_bytes(b"PAR1 definitely not parquet")
    with pytest.raises(InputError) as info:
        list(read_rows(path))
    assert str(info.value).startswith(f"input file {path}: cannot be read (")


# ---------------------------------------------------------------- whole tables (gold files)


def test_read_table_picks_the_format_by_suffix(tmp_path):
    (tmp_path / "g.csv").write_text("id,gold\n1,x\n")
    (tmp_path / "g.jsonl").write_text('{"id": 1, "gold": "x"}\n')
    pl.DataFrame({"id": [1], "gold": ["x"]}).write_parquet(tmp_path / "g.parquet")
    (tmp_path / "g.csv.gz").write_bytes(gzip.compress(b"id,gold\n1,x\n"))
    (tmp_path / "g.jsonl.gz").write_bytes(gzip.compress(b'{"id": 1, "gold": "x"}\n'))
    assert read_table(tmp_path / "g.csv").rows() == [("1", "x")]  # CSV: every column a string
    assert read_table(tmp_path / "g.csv.gz").rows() == [("1", "x")]
    assert read_table(tmp_path / "g.jsonl").rows() == [(1, "x")]
    assert read_table(tmp_path / "g.jsonl.gz").rows() == [(1, "x")]
    assert read_table(tmp_path / "g.parquet").rows() == [(1, "x")]


def test_read_table_types_jsonl_columns_from_every_row(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text('{"id": "a"}\n' * 200 + '{"id": "b", "when": "2024-05-01T00:00:00"}\n')
    assert read_table(path)["when"].to_list() == [None] * 200 + ["2024-05-01T00:00:00"]


def test_read_table_of_an_unsupported_or_broken_file_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="unsupported format"):
        read_table(tmp_path / "gold.txt")
    broken_parquet = tmp_path / "g.parquet"
    broken_parquet.write_bytes(b"PAR1 definitely not parquet")
    with pytest.raises(InputError, match=re.escape(f"input file {broken_parquet}: cannot be read")):
        read_table(broken_parquet)


# ---------------------------------------------------------------- hostile files, reader by reader


def test_csv_recovers_at_the_next_line_after_a_quote_that_never_closes(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('id,title,text\n1,"Fine, quoted",x\n2,"never closed,x\n3,Plain,x\n4,Plain,x\n')
    assert [rec["id"] for _, rec in decoded(path)] == ["1", "3", "4"]
    assert broken(path) == [(2, "malformed CSV at line 3: unclosed quote (the quoted field would run on to the end of "
                                "the file)")]


def test_csv_keeps_quoted_newlines_and_reads_text_after_a_closing_quote_leniently(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('id,title,text\n1,"Two\nlines",x\n2,"Hello" world,x\n3,"a\nb",x,surplus\n4,ok,x\n')
    assert decoded(path) == [(1, {"id": "1", "title": "Two\nlines", "text": "x"}),
                             (2, {"id": "2", "title": "Hello world", "text": "x"}), (4, {"id": "4", "title": "ok",
                                                                                         "text": "x"})]
    assert broken(path) == [(3, "malformed CSV at lines 5-6: more fields than the header (4, the header has 3)")]


def test_csv_header_that_does_not_parse_makes_every_line_a_reject(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('id,"title,text\n1,a,b\n2,c,d\n')
    reason = "malformed CSV header at line 1 (unexpected end of data): no row of this file can be read"
    assert broken(path) == [(1, reason), (2, reason)]


def test_csv_in_utf16_without_byte_order_mark(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("id,title,text\n1,Grüße,x\n".encode("utf-16-le"))
    assert decoded(path) == [(1, {"id": "1", "title": "Grüße", "text": "x"})]


def test_json_file_of_json_lines_and_one_object_documents(tmp_path):
    lines, one, more = tmp_path / "lines.json", tmp_path / "one.json", tmp_path / "more.json"
    lines.write_bytes(jsonl(record("1"), record("2")))
    one.write_text(json.dumps(record("3"), indent=2))
    more.write_text(json.dumps({"articles": [record("4")], "count": 1}))  # more than one member: one row
    assert [rec["id"] for _, rec in decoded(lines)] == ["1", "2"]
    assert [rec["id"] for _, rec in decoded(one)] == ["3"]
    assert decoded(more) == [(1, {"articles": [record("4")], "count": 1})]


def test_json_array_that_breaks_keeps_the_elements_before_it(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('[\n  {"id": "1", "title": "t"},\n  {"id": "2", "title": }\n, {"id": "3"}]')
    assert decoded(path) == [(1, {"id": "1", "title": "t"})]
    assert broken(path) == [(2, "malformed JSON array at line 3 column 24: Expecting value; the rest of the file "
                                "after element 1 cannot be read")]


def test_truncated_json_array_in_gzip_is_one_reject_after_its_elements(tmp_path):
    data = gzip.compress(json.dumps([record(str(i), text=f"word {i} " * 100) for i in range(100)]).encode())
    path = tmp_path / "a.json.gz"
    path.write_bytes(data[: len(data) // 2])
    rows = list(read_rows(path))
    assert all(row.record is not None for row in rows[:-1]) and 10 < len(rows) < 100
    assert rows[-1].ends_file and rows[-1].error.startswith("file ends early or is corrupt (Compressed file ended")
    assert rows[-1].error.endswith(f"the rest of the file after element {len(rows) - 1} cannot be read")


def test_crlf_split_across_read_chunks_is_one_line_end(tmp_path, monkeypatch):
    monkeypatch.setattr("cluster.readers.rows.CHUNK_BYTES", 7)
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": 1}\r\n{"id": 2}\r\n\r\n{"id": 3}')
    assert decoded(path) == [(1, {"id": 1}), (2, {"id": 2}), (4, {"id": 3})]


def test_parquet_dates_beyond_year_9999_come_back_as_text(tmp_path):
    path = tmp_path / "a.parquet"
    days = pl.Series([20_000, 3_000_000]).cast(pl.Date)
    pl.DataFrame({"id": ["1", "2"], "published_at": days}).write_parquet(path)
    assert [rec["published_at"] for _, rec in decoded(path)] == [date(2024, 10, 4), "+10183-09-21"]


def test_expand_glob_follows_links_once_and_never_loops(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.jsonl").write_text("")
    (tmp_path / "a" / ".hidden.jsonl").write_text("")
    (tmp_path / "a" / "b" / "loop").symlink_to("..")
    (tmp_path / "a" / "b" / "root").symlink_to("../..")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "y.jsonl").write_text("")
    (tmp_path / "a" / "linked").symlink_to(tmp_path / "elsewhere")
    assert expand_inputs([str(tmp_path / "a" / "**" / "*.jsonl")]) == [
        tmp_path / "a" / "b" / "x.jsonl", tmp_path / "a" / "linked" / "y.jsonl"
    ]
    assert expand_inputs([str(tmp_path / "a" / "**")]) == [tmp_path / "a" / "b" / "x.jsonl",
                                                           tmp_path / "a" / "linked" / "y.jsonl"]
    assert expand_inputs([str(tmp_path / "a" / ".*.jsonl")]) == [tmp_path / "a" / ".hidden.jsonl"]
