"""The Spark engine (``local[2]``, a real Spark) gives the local engine's answers: duplicate groups, canonicals,
stories, chains, topics and labels, on the bundled sample (real model) and on a few thousand wire articles with
aggregator copies, for ``run``, ``dedup`` and ``nightly``; and each kernel alone equals its local twin.

Skip them locally with ``-m 'not spark'``; CI runs them (and fails if pyspark or Java is missing there).
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from conftest import SAMPLE, HashingEmbedder
from dedup_worlds import NEWS_PARAGRAPHS as BODIES
from test_nightly import NIGHTS, write_feeds
from wire_world import write_wire_world

from cluster.chrome import CHROME_KEYS, strip_boilerplate
from cluster.config import CleanConfig, DedupConfig, SparkConfig, load_config
from cluster.dedup.deduplicator import Clock, LocalLinkFinder, _compared_texts
from cluster.engines import LocalEngine
from cluster.ingest import ingest
from cluster.pipeline import DEDUP_STAGES, run
from cluster.readers import InputError, expand_inputs
from cluster.runs import RunFolderError, load_run
from cluster.schema import TIME
from cluster.stories import candidate_neighbours
from cluster.table_files import LocalTableWriter, read_csv_cells, read_parquet, with_schema
from cluster.tokens import line_hashes
from jobs.cli import main
from jobs.nightly import run_nightly

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parent.parent
TABLES = ("articles", "duplicates", "stories", "topics", "syndication", "rejects")
ENGINES = ("local", "spark")
EMBEDDING_ROUNDING = 2e-6  # centrality is rounded to 6 places from vectors equal to float32 rounding


@pytest.fixture(scope="module")
def wire_feed(tmp_path_factory) -> Path:
    return write_wire_world(tmp_path_factory.mktemp("wire") / "wire.jsonl", events=1000)


def _config(paths: list[str], **overrides):
    return load_config(REPO / "configs" / "default.yaml", {"input.paths": paths, **overrides})


def assert_same_tables(local: dict[str, pl.DataFrame], spark: dict[str, pl.DataFrame]) -> None:
    """Every output table equal, row for row; float columns derived from embeddings to their rounding."""
    assert set(local) == set(spark)
    for name in local:
        a, b = local[name], spark[name]
        assert a.schema == b.schema, name
        assert a.height == b.height, name
        for column in a.columns:
            if column == "centrality":
                assert np.allclose(a[column].to_numpy(), b[column].to_numpy(), atol=EMBEDDING_ROUNDING,
                                   equal_nan=True), name
            else:
                assert a[column].equals(b[column]), f"{name}.{column}"


def _jobs(engine, group: str) -> int:
    return len(engine.session.sparkContext.statusTracker().getJobIdsForGroup(group))


def test_dedup_of_wire_feed_equals_local(wire_feed, spark_engine):
    config = _config([str(wire_feed)])
    before = [_jobs(spark_engine, group) for group in ("newsclust-dedup", "newsclust-dedup-groups")]
    local = run(config, stages=DEDUP_STAGES, engine=LocalEngine())
    spark = run(config, stages=DEDUP_STAGES, engine=spark_engine)
    after = [_jobs(spark_engine, group) for group in ("newsclust-dedup", "newsclust-dedup-groups")]
    assert after[0] > before[0] and after[1] > before[1]  # comparison and groups ran as Spark jobs
    assert spark_engine.session.sparkContext.getLocalProperty("spark.jobGroup.id") is None  # ours was taken back
    assert local.counts["copies"] >= 300
    assert_same_tables(local.tables, spark.tables)
    assert _dedup_counters(local) == _dedup_counters(spark)
    assert spark.manifest()["engine"]["name"] == "spark"


def _dedup_counters(result) -> dict:
    """The dedup stage's counters of a run, without its timings."""
    return {k: v for k, v in result.stages[2].counters.items() if not k.startswith("seconds_")}


def test_stories_of_wire_feed_equal_local(wire_feed, spark_engine):
    config = _config([str(wire_feed)])
    before = [_jobs(spark_engine, group) for group in ("newsclust-neighbours", "newsclust-linkage")]
    local = run(config, engine=LocalEngine(), embedder=HashingEmbedder())
    spark = run(config, engine=spark_engine, embedder=HashingEmbedder())
    after = [_jobs(spark_engine, group) for group in ("newsclust-neighbours", "newsclust-linkage")]
    assert after[0] > before[0] and after[1] > before[1]  # neighbours and linkage ran as Spark jobs
    assert local.counts["stories"] < local.counts["unique_articles"]  # stories of several articles exist
    assert_same_tables(local.tables, spark.tables)


@pytest.mark.model
def test_sample_run_with_the_real_model_equals_local(spark_engine, real_embedder):
    config = _config([str(SAMPLE)])
    before = _jobs(spark_engine, "newsclust-embed")
    local = run(config, engine=LocalEngine(), embedder=real_embedder)
    spark = run(config, engine=spark_engine)  # the engine's embedder: the model loaded in the executors
    assert _jobs(spark_engine, "newsclust-embed") > before
    assert spark.model_id == local.model_id
    assert_same_tables(local.tables, spark.tables)


@pytest.mark.model
def test_spark_embedder_vectors_equal_the_local_model(spark_engine, real_embedder):
    texts = [f"{row['title']}. {row['text'][:400]}" for row in map(json.loads, SAMPLE.read_text().splitlines())]
    local = real_embedder.encode(texts)
    spark = spark_engine.embedder(real_embedder.config).encode(texts)
    assert spark.shape == local.shape
    assert np.abs(spark - local).max() < 1e-6


def test_link_finder_equals_local_on_every_verdict(wire_feed, spark_engine):
    from cluster.chrome import strip_boilerplate
    from cluster.config import CleanConfig, InputConfig
    from cluster.ingest import ingest

    articles = ingest([wire_feed], InputConfig(), date(2026, 3, 7)).articles
    frame = _compared_texts(articles, strip_boilerplate(articles, CleanConfig()))
    config = DedupConfig()
    local = LocalLinkFinder(config, 2).find(frame, Clock())
    spark = spark_engine.link_finder(config).find(frame, Clock())
    assert spark.links == local.links
    assert spark.verifier.verdicts_ == local.verifier.verdicts_
    assert list(spark.verifier.verdicts_) == list(local.verifier.verdicts_)
    assert np.array_equal(spark.short, local.short)
    for name in ("bands", "rows", "n_lsh", "n_sampled", "n_distinct", "n_checked", "index_bytes"):
        assert getattr(spark, name) == getattr(local, name), name
    for row in {r for pair in local.links for r in pair}:
        assert np.array_equal(spark.shingles[row], local.shingles[row])


def test_neighbour_tiles_as_tasks_equal_local_with_ties_and_gaps(spark_engine):
    rng = np.random.default_rng(3)
    vectors = np.round(rng.normal(size=(708, 16)), 1).astype(np.float32)  # rounding makes tied scores
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors[50:60] = vectors[40]  # exact duplicates: ties at the cut
    # two busy spells weeks apart, then eight articles 2.5 days apart: fewer than 12 others within 2τ = 3 days
    days = np.sort(np.concatenate([rng.uniform(0, 3, 500), rng.uniform(20, 21, 200), 40 + 2.5 * np.arange(8)]))
    local = candidate_neighbours(vectors, days, 1.5, 12, tile_rows=60)
    finder = spark_engine.neighbour_finder()
    finder.tile_rows = 60  # many tiles, as many tasks
    spark = finder(vectors, days, 1.5, 12)
    assert np.array_equal(spark[0], local[0])
    assert np.array_equal(spark[1], local[1])
    assert (local[0][-8:] == -1).all(axis=1).sum() == 0 and (local[0][-8:] == -1).any(axis=1).all()


def _nights(tmp_path: Path, feeds: Path, name: str, engines: list) -> list[dict[str, pl.DataFrame]]:
    """The output tables of ``NIGHTS`` run one after the other under ``tmp_path/name``, night k on ``engines[k]``."""
    config = load_config(REPO / "configs" / "nightly.yaml")
    return [run_nightly(config, day, input_pattern=f"{feeds}/{{date}}/*.jsonl*", state_dir=tmp_path / name / "state",
                        out_root=tmp_path / name / "runs", embedder=HashingEmbedder(), engine=engine).result.tables
            for day, engine in zip(NIGHTS, engines, strict=True)]


def test_nightly_on_spark_equals_local_night_after_night(tmp_path, spark_engine):
    feeds = write_feeds(tmp_path)
    outcomes = {name: _nights(tmp_path, feeds, name, [engine] * len(NIGHTS))
                for name, engine in (("local", LocalEngine()), ("spark", spark_engine))}
    for local_night, spark_night in zip(outcomes["local"], outcomes["spark"], strict=True):
        assert_same_tables(local_night, spark_night)
    assert outcomes["spark"][-1]["stories"]["status"].to_list().count("continuing") >= 1
    for day in NIGHTS:  # what each engine wrote reads back the same: run folders and state snapshots
        night = day.isoformat()
        assert_same_tables(load_run(tmp_path / "local" / "runs" / night).tables(),
                           load_run(tmp_path / "spark" / "runs" / night).tables())
        for table in ("recent_articles", "stories", "chrome_lines", "topics"):
            written = [tmp_path / name / "state" / "snapshots" / night / f"{table}.parquet" for name in ENGINES]
            assert written[0].is_file() and (written[1] / "_SUCCESS").is_file()
            local = read_parquet(written[0])
            assert local.equals(with_schema(read_parquet(written[1]), local.schema))


def test_a_state_written_by_spark_carries_on_under_the_local_engine(tmp_path, spark_engine):
    """The engine is not in the config hash: a night on Spark, the next locally, against nights all local."""
    feeds = write_feeds(tmp_path)
    outcomes = {"local": _nights(tmp_path, feeds, "local", [LocalEngine()] * len(NIGHTS)),
                "mixed": _nights(tmp_path, feeds, "mixed", [spark_engine, LocalEngine(), spark_engine])}
    for local_night, mixed_night in zip(outcomes["local"], outcomes["mixed"], strict=True):
        assert_same_tables(local_night, mixed_night)


def test_cli_dedup_on_spark_prints_the_local_line(tmp_path, spark_engine):
    lines = []
    for engine in ("local", "spark"):
        out = tmp_path / engine
        result = CliRunner().invoke(main, ["dedup", "--engine", engine, "--input", str(SAMPLE), "--out", str(out),
                                           "-q", "--config", str(REPO / "configs" / "default.yaml")])
        assert result.exit_code == 0, result.output
        lines.append(result.output.replace(str(out), "OUT"))
        assert json.loads((out / "run.json").read_text())["engine"]["name"] == engine
    assert lines[0] == lines[1] == "133 articles (0 rejected), 40 duplicate groups (61 copies) -> OUT\n"
    assert (tmp_path / "spark" / "articles.parquet" / "_SUCCESS").is_file()  # a dataset folder Spark committed
    assert_same_tables(load_run(tmp_path / "local").tables(), load_run(tmp_path / "spark").tables())


def test_tables_written_by_spark_as_csv_and_parquet_read_back_as_local(tmp_path, spark_engine):
    """Feed text a spreadsheet would run, quotes, newlines, edge spaces and empty against missing values."""
    table = pl.DataFrame({"article_id": ["=HYPERLINK(1)", "#a2", "a3"], "title": [' "Quoted" , comma', "", None],
                          "text": ["line one\nline two", "  spaces  ", "@cmd"], "group_size": [1, 2, None],
                          "jaccard": [0.5, 1e-7, None], "is_canonical": [True, False, None],
                          "published_at": [datetime(2026, 11, 30, 9, 15), None, datetime(1999, 1, 2)]},
                         schema={"article_id": pl.String, "title": pl.String, "text": pl.String, "group_size": pl.Int32,
                                 "jaccard": pl.Float64, "is_canonical": pl.Boolean, "published_at": TIME})
    writers = {"local": LocalTableWriter(), "spark": spark_engine.table_writer()}
    for name, writer in writers.items():
        (tmp_path / name).mkdir()
        writer.write_parquet(table, tmp_path / name / "t.parquet")
        writer.write_csv(table, tmp_path / name / "t.csv")
    for suffix in ("parquet", "csv"):
        cells = [read_parquet(tmp_path / name / "t.parquet") if suffix == "parquet"
                 else read_csv_cells(tmp_path / name / "t.csv") for name in writers]
        assert cells[0].equals(cells[1]), suffix
    assert read_parquet(tmp_path / "spark" / "t.parquet").equals(table)


def test_a_dataset_folder_without_success_is_not_read_as_a_run(tmp_path, spark_engine):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["dedup", "--engine", "spark", "--input", str(SAMPLE), "--out", str(out), "-q",
                                       "--config", str(REPO / "configs" / "default.yaml")])
    assert result.exit_code == 0, result.output
    (out / "articles.parquet" / "_SUCCESS").unlink()  # as a writer killed before its commit leaves it
    with pytest.raises(RunFolderError, match=r"articles\.parquet has no _SUCCESS"):
        load_run(out)


def test_a_session_in_another_time_zone_gives_the_same_canonicals(tmp_path, spark_engine):
    """Spark hands timestamps over in the session's time zone; a notebook's session may not be in UTC. Date-only
    articles (midnight UTC) would gain a time of day there, and the canonical rules read both."""
    feed = tmp_path / "dates.jsonl"
    rows = [json.loads(line) for line in SAMPLE.read_text().splitlines()]
    for row in rows[::2]:
        row["published_at"] = row["published_at"][:10]  # a date only
    story = "\n".join(f"Paragraph {k} of the harbour report says the council will meet the ferry operators on "
                      f"Tuesday about the winter timetable and the {k} routes that lost money." for k in range(8))
    rows.append({"id": "tz-dated", "title": "Harbour report", "text": story, "source": "Coast Wire",
                 "published_at": "2026-03-02"})  # a date alone: midnight UTC, no time of day
    rows.append({"id": "tz-timed", "title": "Harbour report", "text": story, "source": "Bay Herald",
                 "published_at": "2026-03-02T09:00:00Z"})  # the same day with a time: the earliest time it states
    feed.write_text("".join(json.dumps(row) + "\n" for row in rows))
    config = _config([str(feed)])
    local = run(config, stages=DEDUP_STAGES, engine=LocalEngine())
    session = spark_engine.session
    zone = session.conf.get("spark.sql.session.timeZone")
    session.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        spark = run(config, stages=DEDUP_STAGES, engine=spark_engine)
    finally:
        session.conf.set("spark.sql.session.timeZone", zone)
    canonical = dict(zip(local.tables["duplicates"]["article_id"], local.tables["duplicates"]["canonical_id"],
                         strict=True))
    assert canonical["tz-dated"] == "tz-timed"  # read in New York time, the date alone would be 19:00 the day before
    assert_same_tables(local.tables, spark.tables)


def test_linkage_per_connected_block_equals_one_linkage_over_all(spark_engine):
    from cluster.config import StoriesConfig
    from cluster.stories import StoryClusterer

    rng = np.random.default_rng(5)
    centres = rng.normal(size=(40, 24))
    vectors = centres[rng.integers(0, 40, 900)] + 0.6 * rng.normal(size=(900, 24))  # 40 events, noisy retellings
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    days = np.sort(rng.uniform(0, 30, 900))
    config = StoriesConfig()
    local = StoryClusterer(config).fit(vectors, days).labels_
    spark = StoryClusterer(config, linkage=spark_engine.linkage_runner()).fit(vectors, days).labels_
    assert 40 <= len(set(local.tolist())) < 900
    assert _partition(spark) == _partition(local)


def _partition(labels: np.ndarray) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for row, label in enumerate(labels.tolist()):
        groups.setdefault(label, set()).add(row)
    return {frozenset(g) for g in groups.values()}


def test_large_star_small_star_components_equal_scipy(spark_engine):
    from cluster.engines.spark.components import component_roots
    from cluster.graph import components

    rng = np.random.default_rng(11)
    path = [(k, k + 1) for k in range(200, 260)]  # a long chain: the case that needs the most rounds
    star = [(300, k) for k in range(301, 330)]
    scattered = [tuple(int(x) for x in rng.choice(150, 2, replace=False)) for _ in range(120)]
    edges = [*path, *star, *scattered, (5, 5), (260, 259)]  # a self-loop and a repeat in the other direction
    frame = spark_engine.session.createDataFrame(pa_edges(edges))
    found = component_roots(frame).toArrow().to_pydict()
    roots = dict(zip(found["node"], found["root"], strict=True))
    expected = {node: part[0] for part in components([e for e in edges if e[0] != e[1]]) for node in part}
    assert roots == expected


def pa_edges(edges: list[tuple[int, int]]):
    import pyarrow as pa

    return pa.table({"src": pa.array([a for a, _ in edges], pa.int64()),
                     "dst": pa.array([b for _, b in edges], pa.int64())})


def _feed_article(number: int, **fields) -> dict:
    article = {"id": f"kg-{number}", "title": f"Harbour board delays dredging vote, item {number}",
               "text": f"The Kessford harbour board put off its vote on item {number}.\nMembers asked for costs.",
               "source": "Kessford Gazette", "url": f"https://kessford.example/{number}",
               "published_at": "2026-11-30T09:15:00Z"}
    return {**article, **fields}


def write_broken_feeds(folder: Path) -> None:
    """A night of feeds as they break in practice: a truncated gzip, malformed and non-object lines, ids repeated
    inside and across files, old-Mac line ends, a byte-order mark and a stray Latin-1 byte, UTF-16 CSV with an
    unclosed quote, an API's wrapped JSON array, a feed whose columns have other names, an empty file, glob
    characters and a space in file names, a Parquet export, a date in the future and one that does not parse."""
    folder.mkdir()
    lines = [json.dumps(_feed_article(k)) for k in range(5)]
    lines += ['{"id": "kg-x", "title": ', "[1, 2]", json.dumps(_feed_article(2)), "",
              json.dumps(_feed_article(7, published_at="30/11/2026 9am"))]
    (folder / "a_gazette.jsonl").write_text("\n".join(lines) + "\n")
    packed = gzip.compress("".join(json.dumps(_feed_article(k)) + "\n" for k in range(10, 40)).encode())
    (folder / "b_wire.jsonl.gz").write_bytes(packed[: len(packed) * 2 // 3])
    (folder / "c_old_mac.jsonl").write_bytes("\r".join(json.dumps(_feed_article(k)) for k in (50, 51, 3)).encode())
    (folder / "d_bom.jsonl").write_bytes(b"\xef\xbb\xbf" + json.dumps(_feed_article(60)).encode()
                                         + b'\n{"id": "kg-61", "title": "Caf\xe9 closes"}\n')
    (folder / "e_export.csv").write_bytes("id,title,text,published_at\nc1,Ferry crews strike,Crews walk out,"
                                          '2026-11-30\nc2,"Unclosed quote,x\nc3,Talks resume,Union meets,2026-11-30\n'
                                          .encode("utf-16"))
    (folder / "f_api.json").write_text(json.dumps({"articles": [_feed_article(70), _feed_article(71),
                                                                _feed_article(1)]}))
    (folder / "g_renamed.jsonl").write_text(json.dumps({"guid": "x1", "headline": "Columns under other names"}) + "\n")
    (folder / "h_empty.jsonl").write_text("")
    (folder / "feed[1] {a}.jsonl").write_text(json.dumps(_feed_article(80)) + "\n"
                                              + json.dumps(_feed_article(81, published_at="2027-06-01")) + "\n")
    dates = [datetime(2026, 11, 30), datetime(2026, 11, 29), datetime(2026, 11, 28)]
    pl.DataFrame({"id": ["p1", "p2", "kg-0"], "title": ["Parquet one", "Parquet two", "Late copy of kg-0"],
                  "text": ["x", "y", "z"], "published_at": dates}).write_parquet(folder / "i.parquet")
    (folder / "j long text.jsonl").write_text(json.dumps(_feed_article(90, text="word " * 400)) + "\n")
    # an id of an earlier file repeated twice here: both repeats name the earlier file's row
    (folder / "k_repeats.jsonl").write_text("".join(json.dumps(_feed_article(k)) + "\n" for k in (100, 0, 0)))
    for name in ("_latest.jsonl", ".partial.jsonl", "café a%20b #1?.jsonl"):  # names Spark's file sources trip on
        (folder / name).write_text(json.dumps(_feed_article(200 + len(name))) + "\n")


def test_ingest_of_broken_feeds_equals_local_row_for_row(tmp_path, spark_engine):
    write_broken_feeds(tmp_path / "feeds")
    config = _config([str(tmp_path / "feeds")], **{"input.max_text_chars": 1000})
    files = expand_inputs(config.input.paths)
    night = date(2026, 11, 30)
    before = _jobs(spark_engine, "newsclust-ingest")
    local = ingest(files, config.input, night)
    spark = spark_engine.ingester(config.input).ingest(files, night)
    assert _jobs(spark_engine, "newsclust-ingest") > before
    assert local.articles.equals(spark.articles) and local.rejects.equals(spark.rejects)
    assert (spark.rows_read, spark.truncated, spark.warnings) == (local.rows_read, local.truncated, local.warnings)
    reasons = " | ".join(local.rejects["reason"])
    for expected in ("malformed JSON", "not a JSON object", "duplicate id (first seen in", "unparseable published_at",
                     "file ends early", "not UTF-8", "malformed CSV", "missing id", "published_at in the future"):
        assert expected in reasons
    assert local.truncated == 1 and local.rejects.height == 14 and local.articles.height == 33
    repeats = local.rejects.filter(pl.col("file").str.ends_with("k_repeats.jsonl"))["reason"].to_list()
    assert repeats == [f"duplicate id (first seen in {tmp_path / 'feeds' / 'a_gazette.jsonl'} row 1)"] * 2


def test_ingest_of_a_file_that_is_no_gzip_fails_as_local(tmp_path, spark_engine):
    (tmp_path / "feed.jsonl.gz").write_bytes(b"plain text, not gzip\n")
    (tmp_path / "good.jsonl").write_text(json.dumps(_feed_article(1)) + "\n")
    config = _config([str(tmp_path)])
    files = expand_inputs(config.input.paths)
    with pytest.raises(InputError) as local:
        ingest(files, config.input, date(2026, 11, 30))
    with pytest.raises(InputError) as spark:
        spark_engine.ingester(config.input).ingest(files, date(2026, 11, 30))
    assert str(spark.value) == str(local.value) and "feed.jsonl.gz" in str(local.value)


def _chrome_world() -> pl.DataFrame:
    """Aggregator pages as they come: a three-line footer block (peeled over rounds), banners per source, a short
    line across sources in varying context (corpus rule), a syndicated article whose body lines keep their
    neighbours, related-story bullets under chrome, a short line repeated inside one article, and articles
    without a source."""
    footer = "Share this story\nFacebook / X / Email\nCopyright 2026 Hub Media"
    related = "Related stories:\n- Ferry crews vote on strike\n- Harbour board delays dredging"
    rows = []
    for k, body in enumerate(BODIES * 3):
        source = ("Hub", "Wire Desk", "Coast Daily", None)[k % 4]
        text = f"Advertisement\n{body}\n{footer}" if source == "Hub" else f"{source} | Latest\n{body}\nAdvertisement"
        if k % 5 == 0:
            text += f"\n{related}"
        if k % 7 == 0:
            text = f"Updated\n{body}\nUpdated\n{text}"
        rows.append((f"c{k}", source, text))
    syndicated = "\n".join(BODIES[:3])
    rows += [(f"s{k}", source, f"{source} | Latest\n{syndicated}") for k, source in enumerate(["Wire Desk"] * 3)]
    rows += [(f"o{k}", f"Outlet {k}", f"Sponsored content\n{BODIES[k]}") for k in range(6)]  # one article each
    ids, sources, texts = zip(*rows, strict=True)
    return pl.DataFrame({"article_id": ids, "source": sources, "text": texts})


def test_chrome_learned_by_spark_group_bys_equals_local(spark_engine):
    articles = _chrome_world()
    config = CleanConfig(boilerplate_min_docs=3, corpus_min_docs=6, corpus_min_sources=3)
    known = pl.DataFrame({"source": ["Coast Daily"], "key": [0]}, schema=CHROME_KEYS).with_columns(
        key=pl.Series([int(line_hashes(pl.Series(["Coast Daily | Latest"]))[0][0])], dtype=pl.UInt64))
    outcomes = []
    for learner in (None, spark_engine.chrome_learner(config)):
        stats: dict = {}
        learned: list[pl.DataFrame] = []
        cleaned = strip_boilerplate(articles, config, stats=stats, known=known, learned=learned, learner=learner)
        outcomes.append((cleaned, stats, learned[0].sort("source", "key")))
    (local, local_stats, local_learned), (spark, spark_stats, spark_learned) = outcomes
    assert local.equals(spark) and local_stats == spark_stats and local_learned.equals(spark_learned)
    assert min(local_stats["chrome_lines_source"], local_stats["chrome_lines_corpus"],
               local_stats["chrome_lines_remembered"]) > 0
    assert "Facebook / X / Email" not in "\n".join(local["body"])  # the footer's middle line, found in a later round


def test_with_a_checkpoint_folder_the_rounds_are_checkpointed_there(tmp_path_factory, spark_engine):
    """Last in this file: a context's checkpoint folder cannot be unset, and later kernels then use it too."""
    from cluster.engines.spark.components import component_roots
    from cluster.engines.spark.session import spark_settings
    from cluster.graph import components

    folder = tmp_path_factory.mktemp("checkpoints")
    assert spark_settings(SparkConfig(checkpoint_dir=str(folder)))["spark.cleaner.referenceTracking.cleanCheckpoints"]
    spark_engine.session.sparkContext.setCheckpointDir(str(folder))  # what start_session does with checkpoint_dir
    edges = [(k, k + 1) for k in range(40)] + [(100, 101)]
    found = component_roots(spark_engine.session.createDataFrame(pa_edges(edges))).toArrow().to_pydict()
    assert dict(zip(found["node"], found["root"], strict=True)) == {
        node: part[0] for part in components(edges) for node in part}
    assert any(path.name.startswith("rdd-") for path in folder.rglob("*"))  # reliable checkpoints, as files
