"""Shared fixtures: paths to the committed fixtures, a fast fake embedder, and the real packaged model."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import xxhash

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample" / "articles.jsonl"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


class HashingEmbedder:
    """A fast stand-in for unit tests only: hashed bag of lower-cased words, L2-normalised.

    Texts that share words get a high cosine, which is all the story-stage unit tests need; every behaviour that
    depends on real embeddings is also tested with ``real_embedder``.
    """

    model_id = "hashing-512"

    def __init__(self, dims: int = 512) -> None:
        self.dims = dims
        self.calls = 0
        self.texts_encoded = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        matrix = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                if len(word) > 3:
                    matrix[row, xxhash.xxh32_intdigest(word.encode()) % self.dims] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return matrix / norms


@pytest.fixture
def hashing_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    from cluster.config import EmbedConfig
    from cluster.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(EmbedConfig(device="cpu"))


BAD_ROWS = (
    '{"id": "x001", "title": "Broken line", "text": \n'  # malformed JSON
    '{"title": "No id here", "text": "An article without an id."}\n'
    '{"id": "a001", "title": "A repeated id", "text": "Same id as the first sample article."}\n'
    '{"id": "x002", "title": "", "text": ""}\n'
)


@pytest.fixture(scope="session")
def sample_run_with_rejects(tmp_path_factory, real_embedder) -> Path:
    """A finished run folder (real model) of the bundled sample plus four bad rows, so every report section has data.

    Session-scoped and read-only: tests that change files must copy it first.
    """
    from cluster.config import load_config
    from cluster.pipeline import run_to_folder

    root = tmp_path_factory.mktemp("sample_run")
    bad = root / "bad_rows.jsonl"
    bad.write_text(BAD_ROWS, encoding="utf-8")
    out = root / "out"
    overrides = {"input.paths": [str(SAMPLE), str(bad)], "output.dir": str(out)}
    config = load_config(REPO / "configs" / "default.yaml", overrides)
    run_to_folder(config, out, embedder=real_embedder)
    return out


@pytest.fixture(scope="session")
def nights(tmp_path_factory) -> tuple[Path, Path]:
    """The two hand-made run folders of ``handmade_runs`` (night 1, night 2); read-only."""
    from handmade_runs import NIGHT_1, NIGHT_2, RENAMED_2, write_run

    root = tmp_path_factory.mktemp("nights")
    return write_run(root / "night1", NIGHT_1), write_run(root / "night2", NIGHT_2, renamed=RENAMED_2)


def spark_available() -> str | None:
    """Why the Spark tests cannot run here (None: they can). Under ``CI=true`` they must: CI installs the spark
    extra and Java 17, so a missing piece there fails instead of skipping."""
    from cluster.engines import EngineError
    from cluster.engines.spark.session import check_runtime

    try:
        check_runtime()
    except EngineError as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def spark_engine():
    """One local Spark engine (``local[2]``) for the whole session: the JVM starts once."""
    import os

    missing = spark_available()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the Spark tests: {missing}")
        pytest.skip(missing)
    from cluster.config import SparkConfig
    from cluster.engines.spark import SparkEngine

    engine = SparkEngine(SparkConfig(master="local[2]", shuffle_partitions=4))
    yield engine
    engine.close()
