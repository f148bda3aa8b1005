"""Story clustering: time decay, exact sparse average linkage, granularity signals, chains and rounds, determinism,
and the real model end to end on the recurring-events fixture."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp
from linkage_reference import reference_average_linkage
from neighbours_reference import reference_best_columns
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

import cluster.stories as stories_module
from cluster import _kernel
from cluster.config import StoriesConfig, load_config
from cluster.evaluate import score
from cluster.lexical import lexical_vectors, richness
from cluster.schema import TIME
from cluster.stories import StoryClusterer, candidate_neighbours, centroids, cluster_stories, link_chains

BASE = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
TALKS = "Norland and Vestmark fisheries ministers meet in Alvora for cod quota talks on the Greyshelf Bank"
STRIKE = "Porthaven ferry crews strike over new rosters, halting sailings to the islands"
FLOOD = "River Tessler bursts its banks in Linmouth as residents are evacuated from Quayside"
RECURRING = Path(__file__).resolve().parent / "fixtures" / "recurring.jsonl"


def _frame(rows: list[tuple[str, str, float]]) -> tuple[pl.DataFrame, list[str]]:
    ids = [r[0] for r in rows]
    frame = pl.DataFrame(
        {"article_id": ids, "published_at": [BASE + timedelta(days=r[2]) for r in rows]},
        schema={"article_id": pl.String, "published_at": TIME},
    )
    return frame, [r[1] for r in rows]


def _stories(rows, embedder, config=None, with_text=False):
    frame, texts = _frame(rows)
    if with_text:
        frame = frame.with_columns(pl.Series("title", texts), pl.Series("body", [t + " " + t for t in texts]))
    members = cluster_stories(frame, embedder.encode(texts), config or StoriesConfig())
    return dict(zip(members["article_id"], members["story_id"], strict=True))


# --- time decay -------------------------------------------------------------------------------------------------

def test_time_decay_is_half_the_squared_scaled_days():
    model = StoryClusterer(StoriesConfig(time_scale_days=7.0))
    assert model.time_penalty(np.array([0.0]), np.array([14.0]))[0] == pytest.approx(2.0)
    assert model.time_penalty(np.array([0.0]), np.array([7.0]))[0] == pytest.approx(0.5)
    assert model.time_penalty(np.array([3.0]), np.array([3.0]))[0] == 0.0


def test_same_text_a_day_apart_is_one_story_and_weeks_apart_is_not(hashing_embedder):
    story = _stories([("a", TALKS, 0), ("b", TALKS + " again", 1), ("c", TALKS, 21)], hashing_embedder)
    assert story["a"] == story["b"] != story["c"]


def test_a_longer_time_scale_joins_what_a_short_one_splits(hashing_embedder):
    rows = [("a", TALKS, 0), ("b", TALKS + " again", 6)]
    short = _stories(rows, hashing_embedder, StoriesConfig(time_scale_days=2))
    long = _stories(rows, hashing_embedder, StoriesConfig(time_scale_days=30))
    assert short["a"] != short["b"] and long["a"] == long["b"]


def test_missing_dates_all_on_the_run_date_still_cluster(hashing_embedder):
    story = _stories(
        [("a", TALKS, 0), ("b", TALKS + " resume", 0), ("c", STRIKE, 0), ("d", FLOOD, 0)], hashing_embedder
    )
    assert story["a"] == story["b"] and len({story["a"], story["c"], story["d"]}) == 3


# --- the clustering itself ----------------------------------------------------------------------------------------

def test_every_article_in_exactly_one_story_singletons_included(hashing_embedder):
    story = _stories([("a", TALKS, 0), ("b", STRIKE, 0), ("c", FLOOD, 0)], hashing_embedder)
    assert len(set(story.values())) == 3


def test_candidate_neighbours_match_brute_force_within_the_time_window():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    days = np.sort(rng.uniform(0, 60, size=300))
    _index, sims = candidate_neighbours(vectors, days, 7.0, 5, tile_rows=17)
    full = vectors.astype(np.float64) @ vectors.T.astype(np.float64) - 0.5 * ((days[:, None] - days[None, :]) / 7) ** 2
    np.fill_diagonal(full, -np.inf)
    for i in range(300):
        expected = np.sort(full[i])[::-1][:5]
        assert np.allclose(sims[i], expected, atol=1e-5)


def test_candidate_neighbours_ties_go_to_the_lower_row_and_threads_change_nothing():
    """Copies that dedup kept apart (the same headline twice) have equal vectors: which of them is a neighbour must
    not depend on numpy's partition order, tile size or threads."""
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    vectors[10:20] = vectors[5]  # rows 5 and 10..19: one vector eleven times
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    days = np.zeros(40)
    index, _ = candidate_neighbours(vectors, days, 7.0, 4, tile_rows=5, threads=1)
    assert index[5].tolist() == [10, 11, 12, 13]
    assert index[15].tolist() == [5, 10, 11, 12]
    for tile_rows, threads in ((5, 2), (3, 1), (64, 1), (64, 2)):
        other, _ = candidate_neighbours(vectors, days, 7.0, 4, tile_rows=tile_rows, threads=threads)
        assert np.array_equal(other, index)


@pytest.mark.parametrize("block_rows", [1, 3, 8, 64])
def test_a_tile_pair_split_into_blocks_gives_the_lists_of_one_product(block_rows):
    """A tile pair is taken in blocks, each starting from the rows' best so far: the rows and columns of one product
    of the whole pair, for a tile with itself (blocks on and above its diagonal only) and for two tiles, with ties
    (equal vectors) and days beyond the window; the scores to the last bits a product's shape may move (the chosen
    cells are rescored each on its own, ``_rescored``)."""
    rng = np.random.default_rng(17)
    vectors = rng.normal(size=(90, 12)).astype(np.float32)
    vectors[30:45] = vectors[3]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    days = np.sort(rng.uniform(0, 20, size=90))
    for tile in ((0, 50, 0, 50), (0, 50, 50, 90), (10, 37, 37, 90)):
        whole = stories_module.neighbour_tile(vectors, days, 5.0, 6, tile, block_rows=10_000)
        split = stories_module.neighbour_tile(vectors, days, 5.0, 6, tile, block_rows=block_rows)
        assert len(split) == len(whole) == (1 if tile[0] == tile[2] else 2)
        for (first, columns, scores), (first_w, columns_w, scores_w) in zip(split, whole, strict=True):
            assert first == first_w
            assert np.array_equal(columns, columns_w)
            assert np.allclose(scores, scores_w, rtol=0, atol=1e-6)


def test_members_of_sorted_keys_are_what_isin_finds():
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 1000, size=300))
    values = rng.integers(-5, 1010, size=2000)
    assert np.array_equal(stories_module._members_of_sorted(values, keys), np.isin(values, keys))
    assert not stories_module._members_of_sorted(values, keys[:0]).any()


@pytest.mark.parametrize("rescore_rows", [1, 7, 4096])
def test_candidate_neighbours_do_not_depend_on_how_many_rows_are_rescored_at_once(monkeypatch, rescore_rows):
    """A block's chosen cells are rescored a few rows at a time: one row, a few rows or the whole block give one
    answer."""
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(500, 16)).astype(np.float32)
    vectors[200:230] = vectors[100]  # ties
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    days = np.sort(rng.uniform(0, 30, size=500))
    days[:150] = days[0]
    expected = candidate_neighbours(vectors, days, 5.0, 7, tile_rows=40)
    monkeypatch.setattr(stories_module, "RESCORE_ROWS", rescore_rows)
    for tile_rows, threads in ((40, 1), (40, 2)):
        index, sims = candidate_neighbours(vectors, days, 5.0, 7, tile_rows=tile_rows, threads=threads)
        assert np.array_equal(index, expected[0]) and np.array_equal(sims, expected[1])


@pytest.mark.parametrize(("width", "take", "span_days"), [(40, 5, 0.0), (900, 10, 0.5), (3000, 30, 40.0),
                                                          (5000, 30, 3.0), (64, 63, 20.0)])
def test_best_columns_kernel_equals_the_numpy_reference(width, take, span_days):
    """The compiled kernel's one pass per row gives the numpy reference's columns and scores, bit for bit and in
    the same order: ties (copies of one vector, equal days), the own column, columns beyond 2τ, and rows with fewer
    candidates than ``take`` (their padding is -inf in both; which column pads does not matter, it becomes -1)."""
    rng = np.random.default_rng(width)
    rows = min(width, 120)
    vectors = rng.normal(size=(width, 12)).astype(np.float32)
    vectors[10:40] = vectors[9]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    days = np.sort(rng.uniform(0, span_days, size=width))
    days[width // 3 : width // 2] = days[width // 3]
    start = (width - rows) // 2
    products = vectors[start : start + rows] @ vectors.T
    own = np.arange(start, start + rows, dtype=np.int64)
    columns = np.empty((rows, take), dtype=np.int64)
    scores = np.empty((rows, take), dtype=np.float64)
    params, no_floor = np.array([7.0, stories_module.WINDOW_TAUS]), np.full(rows, -np.inf)
    _kernel.best_columns(products, days[start : start + rows], days, own, no_floor, params, columns, scores)
    expected_columns, expected_scores = reference_best_columns(products.copy(), days[start : start + rows], days, own,
                                                               7.0, take)
    assert np.array_equal(scores, expected_scores)
    finite = np.isfinite(expected_scores)
    assert np.array_equal(columns[finite], expected_columns[finite])
    # a floor at each row's own take-th best leaves the list as it is: ties at the floor are kept
    _kernel.best_columns(products, days[start : start + rows], days, own, expected_scores[:, -1].copy(), params,
                         columns, scores)
    assert np.array_equal(scores[finite], expected_scores[finite]) and np.array_equal(columns[finite],
                                                                                      expected_columns[finite])
    # down the columns of the transposed products: the same lists without transposing (other days, no own cell)
    transposed = np.hstack([products.T, np.ones((width, 1), dtype=np.float32)])  # the reference needs an own cell
    expected_columns, expected_scores = reference_best_columns(transposed, days, np.append(days[start : start + rows],
                                                               0.0), np.full(width, rows), 7.0, take)
    rows_out, row_scores = np.empty((width, take), dtype=np.int64), np.empty((width, take))
    _kernel.best_rows(products, days[start : start + rows], days, np.full(width, -np.inf), params, rows_out,
                      row_scores)
    assert np.array_equal(row_scores, expected_scores)
    finite = np.isfinite(expected_scores)
    assert np.array_equal(rows_out[finite], expected_columns[finite])


def test_best_columns_kernel_refuses_shapes_that_do_not_fit():
    products = np.zeros((3, 10), dtype=np.float32)
    with pytest.raises(ValueError, match="do not fit together"):
        _kernel.best_columns(products, np.zeros(3), np.zeros(9), np.zeros(3, dtype=np.int64), np.zeros(3),
                             np.array([7.0, 2.0]), np.empty((3, 4), dtype=np.int64), np.empty((3, 4)))
    with pytest.raises(ValueError, match="do not fit together"):
        _kernel.best_rows(products, np.zeros(3), np.zeros(10), np.zeros(9), np.array([7.0, 2.0]),
                          np.empty((10, 4), dtype=np.int64), np.empty((10, 4)))


@pytest.mark.parametrize("span_days", [0.5, 40.0])
def test_candidate_neighbours_equal_scoring_every_pair(span_days):
    """Wide windows take the bounded path (only columns that can reach a row's best are scored): it must give what
    scoring every pair gives, with ties, copies of one vector and articles beyond 2τ."""
    rng = np.random.default_rng(3)
    n, k, tau = 1500, 10, 7.0
    vectors = rng.normal(size=(n, 24)).astype(np.float32)
    vectors[300:340] = vectors[299]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    days = np.sort(rng.uniform(0, span_days, size=n))
    index, sims = candidate_neighbours(vectors, days, tau, k, threads=1)
    gap = (days[:, None] - days[None, :]) / tau
    scores = (vectors @ vectors.T).astype(np.float64) - 0.5 * gap * gap
    scores[np.abs(gap) > 2.0] = -np.inf
    np.fill_diagonal(scores, -np.inf)
    for row in range(0, n, 7):
        best = np.lexsort((np.arange(n), -scores[row]))[:k]
        assert index[row].tolist() == best.tolist()
        assert np.allclose(sims[row], scores[row, best], rtol=0, atol=1e-6)  # float32 cosines, any summation order


def test_average_linkage_is_exact_against_scipy_on_a_dense_problem():
    """Headline-only, no shared-neighbour term: the result must equal dense average linkage cut at the threshold."""
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(6, 24))
    vectors = np.vstack([c + rng.normal(scale=0.9, size=(15, 24)) for c in centres]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    days = np.zeros(len(vectors))
    config = StoriesConfig(headline_threshold=0.3, shared_neighbour_weight=0.0, neighbours=len(vectors) - 1)
    labels = StoryClusterer(config).fit(vectors, days).labels_
    distance = np.clip(1.0 - vectors.astype(np.float64) @ vectors.T.astype(np.float64), 0, None)
    np.fill_diagonal(distance, 0)
    expected = fcluster(linkage(squareform(distance, checks=False), "average"), 0.7, "distance")
    assert score([str(x) for x in expected], [str(x) for x in labels]).ari == 1.0


def test_threshold_follows_richness():
    model = StoryClusterer(StoriesConfig(article_threshold=0.4, headline_threshold=0.2))
    assert model.pair_threshold(1.0, 1.0) == pytest.approx(0.4)
    assert model.pair_threshold(0.0, 0.0) == pytest.approx(0.2)
    assert model.pair_threshold(1.0, 0.0) == pytest.approx(0.3)
    assert list(richness(["A headline", "Title", "Title"], ["", " ".join(["w"] * 30), " ".join(["w"] * 100)])) == [
        0.0, pytest.approx(16 / 30), 1.0,
    ]


def test_story_ids_do_not_depend_on_input_order(hashing_embedder):
    rows = [
        ("a", TALKS, 0), ("b", TALKS + " resume", 0.5), ("c", STRIKE, 1), ("d", STRIKE + " ends", 1.2), ("e", FLOOD, 2)
    ]
    forward = _stories(rows, hashing_embedder, with_text=True)
    for seed in range(3):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert _stories(shuffled, hashing_embedder, with_text=True) == forward


def test_shuffled_fixture_gives_identical_members(hashing_embedder):
    frame = pl.read_ndjson(RECURRING).select(
        pl.col("id").alias("article_id"), "title", pl.col("text").alias("body"),
        pl.col("published_at").str.to_datetime(time_zone="UTC").cast(TIME),
    )
    vectors = hashing_embedder.encode([f"{t}. {b}" for t, b in zip(frame["title"], frame["body"], strict=True)])
    first = cluster_stories(frame, vectors, StoriesConfig()).sort("article_id")
    order = np.random.default_rng(1).permutation(frame.height)
    second = cluster_stories(frame[order], vectors[order], StoriesConfig()).sort("article_id")
    assert first.equals(second)


def test_single_and_empty_input():
    single = _stories([("a", TALKS, 0)], _OneHot())
    assert list(single) == ["a"] and single["a"].startswith("s-")
    frame = pl.DataFrame(schema={"article_id": pl.String, "published_at": TIME})
    assert cluster_stories(frame, np.zeros((0, 4), dtype=np.float32), StoriesConfig()).height == 0


class _OneHot:
    def encode(self, texts):
        return np.eye(len(texts), 4, dtype=np.float32)


# --- chains and rounds --------------------------------------------------------------------------------------------

def _spans(spans: list[tuple[str, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "story_id": [s[0] for s in spans],
            "first_seen": [BASE + timedelta(days=s[1]) for s in spans],
            "last_seen": [BASE + timedelta(days=s[2]) for s in spans],
        },
        schema={"story_id": pl.String, "first_seen": TIME, "last_seen": TIME},
    )


def test_chain_rounds_numbered_in_time_order():
    talks, other = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    spans = _spans([("s-r3", 60, 61), ("s-r1", 0, 1), ("s-x", 30, 31), ("s-r2", 30, 32)])
    chains = link_chains(spans, {"s-r1": talks, "s-r2": talks, "s-r3": talks, "s-x": other}, StoriesConfig())
    by_id = {row["story_id"]: row for row in chains.iter_rows(named=True)}
    assert [by_id[s]["round"] for s in ("s-r1", "s-r2", "s-r3")] == [1, 2, 3]
    assert by_id["s-r1"]["chain_id"] == by_id["s-r2"]["chain_id"] == by_id["s-r3"]["chain_id"] == "c-r1"
    assert by_id["s-x"]["chain_length"] == 1 and by_id["s-x"]["round"] == 1


def test_close_in_time_parts_share_a_round():
    talks = np.array([1.0, 0.0])
    spans = _spans([("s-a", 0, 1), ("s-b", 1.5, 2), ("s-c", 20, 21)])
    chains = link_chains(spans, {"s-a": talks, "s-b": talks, "s-c": talks}, StoriesConfig(chain_min_gap_days=5))
    rounds = dict(zip(chains["story_id"], chains["round"], strict=True))
    assert rounds == {"s-a": 1, "s-b": 1, "s-c": 2}


def test_dissimilar_stories_weeks_apart_are_not_chained():
    spans = _spans([("s-a", 0, 1), ("s-b", 30, 31)])
    chains = link_chains(spans, {"s-a": np.array([1.0, 0.0]), "s-b": np.array([0.6, 0.8])}, StoriesConfig())
    assert chains["chain_id"].n_unique() == 2 and chains["round"].to_list() == [1, 1]


def test_centroids_are_unit_length():
    members = pl.DataFrame({"article_id": ["a", "b"], "story_id": ["s", "s"]})
    result = centroids(members, ["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert np.linalg.norm(result["s"]) == pytest.approx(1.0)


# --- the real model -----------------------------------------------------------------------------------------------

@pytest.mark.model
def test_real_model_separates_events_and_joins_paraphrases(real_embedder):
    rows = [
        ("t1", "Fisheries talks open in Alvora as Norland and Vestmark argue over cod quotas", 0),
        ("t2", "Norland and Vestmark negotiators begin two days of quota talks on Greyshelf cod stocks", 0.3),
        ("f1", "Ferry workers in Porthaven walk out in a dispute over rosters, stranding island passengers", 0.1),
        ("f2", "Strike by Porthaven ferry crews halts sailings to Morvah and Holm", 0.4),
        ("t3", "Second round of Alvora fisheries talks opens with mackerel added to the agenda", 10),
    ]
    story = _stories(rows, real_embedder)
    assert story["t1"] == story["t2"]
    assert story["f1"] == story["f2"]
    assert story["t1"] != story["f1"]
    assert story["t3"] != story["t1"]


@pytest.mark.model
def test_recurring_events_end_to_end_with_the_real_model(tmp_path, real_embedder):
    """Every round its own story, rounds chained and numbered in time order, unrelated stories alone."""
    from cluster.pipeline import run_to_folder

    out = tmp_path / "out"
    config = load_config(None, {"input.paths": [str(RECURRING)], "output.dir": str(out), "output.html": False})
    run_to_folder(config, out, embedder=real_embedder)
    gold = pl.read_ndjson(RECURRING).rename({"id": "article_id"})
    articles = pl.read_parquet(out / "articles.parquet").join(gold, on="article_id")
    stories = pl.read_parquet(out / "stories.parquet")
    assert score(articles["gold"].to_list(), articles["story_id"].to_list()).pairwise_f1 >= 0.95
    joined = articles.join(stories.select("story_id", "chain_id", "round", "label"), on="story_id")
    # one story per gold round, one chain per gold chain
    assert joined.group_by("gold").agg(pl.col("story_id").n_unique())["story_id"].max() == 1
    assert score(joined["gold_chain"].to_list(), joined["chain_id"].to_list()).pairwise_f1 == 1.0
    rounds = joined.group_by("gold").agg(pl.col("round").first()).sort("gold")
    expected = {g: int(m.group(1)) if (m := re.search(r"-r(\d)$", g)) else 1 for g in rounds["gold"]}
    assert dict(zip(rounds["gold"], rounds["round"], strict=True)) == expected
    labels = stories["label"].to_list()
    assert len(set(labels)) == len(labels)
    assert sum(label.endswith(" round 3") for label in labels) == 4
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["counts"]["stories"] == 18


def test_a_round_keeps_one_story_and_the_others_leave_the_chain():
    topic = np.array([1.0, 0.0])
    spans = pl.DataFrame(
        {"story_id": ["s-a", "s-b", "s-c"], "first_seen": [BASE, BASE + timedelta(days=20), BASE + timedelta(days=21)],
         "last_seen": [BASE + timedelta(days=1), BASE + timedelta(days=21), BASE + timedelta(days=22)],
         "n_articles": [5, 2, 6]},
        schema_overrides={"first_seen": TIME, "last_seen": TIME},
    )
    chains = link_chains(spans, {"s-a": topic, "s-b": topic, "s-c": topic}, StoriesConfig())
    rows = {r["story_id"]: r for r in chains.iter_rows(named=True)}
    assert (rows["s-c"]["chain_id"], rows["s-c"]["round"]) == (rows["s-a"]["chain_id"], 2)
    assert rows["s-b"]["chain_id"] != rows["s-a"]["chain_id"] and rows["s-b"]["round"] == 1
    assert rows["s-b"]["chain_length"] == 1 and rows["s-a"]["chain_length"] == 2


def _story_world(seed: int, sizes: list[int], dims: int = 128) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    story = np.repeat(np.arange(len(sizes)), sizes)
    centres = rng.normal(size=(len(sizes), dims))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    noise = rng.normal(size=(len(story), dims))
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vectors = (0.75 * centres[story] + 0.66 * noise).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return story, vectors, np.sort(rng.uniform(0, 3, size=len(vectors)))


@pytest.mark.parametrize("seed", [13, 14])
def test_the_compiled_linkage_merges_as_the_python_loop_did(seed):
    """Large stories of many near articles make many merges (each leaving stale heap entries behind), beside small
    ones and headline-only items: the kernel's loop gives the stories of the Python reference, label for label."""
    story, vectors, days = _story_world(seed, [200, 100, 50] + [3] * 30)
    rng = random.Random(seed)
    vocabulary = [f"w{k}" for k in range(400)]
    titles = [f"Story {s} " + " ".join(rng.sample(vocabulary[s * 10 : s * 10 + 40], 4)) for s in story.tolist()]
    bodies = ["" if i % 7 == 0 else " ".join(rng.choices(vocabulary[s * 10 : s * 10 + 60], k=80))
              for i, s in enumerate(story.tolist())]  # every seventh a headline only
    titles, bodies = pl.Series(titles), pl.Series(bodies)
    rich, lexical = richness(titles, bodies), lexical_vectors(titles, bodies)
    labels = [StoryClusterer(StoriesConfig(), linkage=runner).fit(vectors, days, rich, lexical).labels_
              for runner in (None, reference_average_linkage)]
    assert np.array_equal(labels[0], labels[1])
    assert len(set(labels[0].tolist())) < len(story) / 5  # hundreds of merges
    assert score([str(x) for x in story], [str(x) for x in labels[0]]).pairwise_precision > 0.95


def test_the_compiled_linkage_refuses_edges_that_name_no_article():
    n = 3
    sums = [np.zeros((n, 2)), np.ones(n), *(np.zeros(n) for _ in range(4))]
    edges = [np.array([0, 5], dtype=np.int64), np.array([1, 2], dtype=np.int64), np.zeros(2)]
    with pytest.raises(ValueError, match="names no article"):
        _kernel.average_linkage(*sums, *edges, np.zeros(5), np.arange(n, dtype=np.int64))
    with pytest.raises(ValueError, match="do not fit"):
        _kernel.average_linkage(*sums, *edges, np.zeros(4), np.arange(n, dtype=np.int64))


def test_headlines_do_not_take_the_shared_neighbours_of_full_articles():
    """A night of full articles on two fine events beside many headlines on their topic. A headline's similarity
    to an article is its embedding cosine, an article pair's mostly their lexical cosine, which runs lower: counted
    together, the headlines filled every article's neighbourhood, the events fell apart and headlines joined them."""
    rng = np.random.default_rng(1)
    dims = 256

    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.linalg.norm(v)

    topic = unit(rng.normal(size=dims))
    syllables = ["ka", "lo", "mi", "ter", "van", "sol", "dra", "pel", "gor", "fin", "bel", "tus", "ran", "hol"]

    def word() -> str:
        return "".join(rng.choice(syllables, 3))

    titles, bodies, vectors, gold = [], [], [], []
    for event in ("A", "B"):
        vocabulary = [word() for _ in range(30)]
        for _ in range(8):  # one event's articles share most of its names and words, and the topic's direction
            titles.append(" ".join(rng.choice(vocabulary, 3)))
            bodies.append(" ".join([*rng.choice(vocabulary, 22, replace=False), *(word() for _ in range(15))]))
            vectors.append(unit(0.707 * topic + 0.707 * unit(rng.normal(size=dims))))
            gold.append(event)
    for k in range(60):  # headlines near the topic (cosine about 0.32 to every article), on nothing in particular
        titles.append(" ".join(word() for _ in range(6)))
        bodies.append("")
        vectors.append(unit(0.45 * topic + 0.89 * unit(rng.normal(size=dims))))
        gold.append(f"headline {k}")
    rich = richness(titles, bodies)
    labels = StoryClusterer(StoriesConfig()).fit(np.array(vectors, dtype=np.float32), np.zeros(len(titles)), rich,
                                                 lexical_vectors(titles, bodies)).labels_
    articles = labels[:16]
    assert score(gold[:16], [str(x) for x in articles]).pairwise_f1 == 1.0
    assert not set(labels[16:].tolist()) & set(articles.tolist())


def test_pair_dots_equal_the_rows_products_for_any_split_of_the_pairs():
    """The lexical term's dot products of candidate pairs (compiled: a dense copy of one row per run of pairs sharing
    it) against dense float64 products, and bit for bit against the shared columns' products summed in column order:
    rows with no entries, unsorted columns, pairs in any order, a pair asked for twice and from both ends."""
    rng = np.random.default_rng(4)
    dense = np.where(rng.random((60, 500)) < 0.05, rng.random((60, 500)), 0.0).astype(np.float32)
    dense[7] = 0.0
    matrix = sp.csr_matrix(dense)
    shuffled = matrix.copy()
    for r in range(shuffled.shape[0]):  # the same matrix, its columns out of order within each row
        lo, hi = shuffled.indptr[r], shuffled.indptr[r + 1]
        order = rng.permutation(hi - lo)
        shuffled.indices[lo:hi], shuffled.data[lo:hi] = shuffled.indices[lo:hi][order], shuffled.data[lo:hi][order]
    shuffled.has_sorted_indices = False
    rows, cols = rng.integers(0, 60, 400), rng.integers(0, 60, 400)
    rows[:3], cols[:3] = [7, 2, 5], [2, 7, 5]
    expected = np.einsum("pd,pd->p", dense[rows].astype(np.float64), dense[cols].astype(np.float64))
    for threads in (1, 2, 3):
        for m in (matrix, shuffled):
            assert np.allclose(stories_module._row_dots(m, rows, cols, threads=threads), expected, rtol=1e-12)
    assert np.allclose(stories_module._pair_dots(matrix, rows, cols), expected, rtol=1e-12)
    assert stories_module._row_dots(matrix, rows[:0], cols[:0]).shape == (0,)
    in_order = []
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        shared = np.flatnonzero((dense[a] != 0) & (dense[b] != 0))  # column order
        total = 0.0
        for c in shared:
            total += float(dense[a, c]) * float(dense[b, c])
        in_order.append(total)
    assert np.array_equal(stories_module._row_dots(matrix, rows, cols, threads=1), np.array(in_order))
    by_row = np.argsort(rows, kind="stable")
    assert np.array_equal(stories_module._row_dots(matrix, rows[by_row], cols[by_row], threads=2),
                          np.array(in_order)[by_row])


def test_centrality_sums_each_cluster_in_row_order_as_add_at_does():
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((300, 24)).astype(np.float32)
    labels = rng.integers(0, 40, 300)  # unsorted, some labels unused
    sums = np.zeros((int(labels.max()) + 1, 24))
    np.add.at(sums, labels, vectors.astype(np.float64))
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    expected = np.round(np.einsum("ij,ij->i", vectors.astype(np.float64), (sums / norms)[labels]), 6)
    assert np.array_equal(stories_module._centrality(vectors, labels), expected)
    for block_rows in (1, 7, 299):
        assert np.array_equal(stories_module._centrality(vectors, labels, block_rows), expected)
