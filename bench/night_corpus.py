"""A night of ``n`` articles built from real ones, for the whole-command benchmarks (``night.py``, ``dedup_e2e.py``).

    python bench/night_corpus.py ../shared/data/newsarticles.jsonl.gz --articles 22000 --out /tmp/night22k.jsonl

Every original starts from a real article (its outlet, headline and opening paragraph): the ``k``-th original is
the ``k // len(base)``-th retelling of base article ``k % len(base)``. A retelling keeps the headline (one word may
change), rewrites the opening paragraph (a fifth of its words replaced by words drawn from the corpus) and fills the
rest of about 600 words from a word-bigram model of the corpus. So retellings of one event share a headline and a
lede the way coverage of one event does, but no paragraph verbatim: stories form, duplicates do not. All are re-dated
into one day (the night). A ``copy_share`` of the rows are aggregator copies of originals (their chrome, teasers,
datelines, dropped paragraphs: ``common.aggregator_copy``). Seeded: the same base and arguments give the same file.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import aggregator_copy, load_base, markov_texts

NIGHT = datetime(2017, 3, 1, tzinfo=timezone.utc)


def _lede(text: str, most: int = 80) -> str:
    """The first paragraph of at least 12 words, cut to ``most`` words (some feeds have no paragraph breaks)."""
    paragraphs = [p for p in text.split("\n") if len(p.split()) >= 12] or [text]
    return " ".join(paragraphs[0].split()[:most])


def _rewrite(words: list[str], vocabulary: list[str], share: float, rng: random.Random) -> str:
    return " ".join(rng.choice(vocabulary) if rng.random() < share else w for w in words)


def night_corpus(base: pl.DataFrame, n: int, seed: int = 5, copy_share: float = 0.1, words: int = 600,
                 chunk: int = 20_000) -> pl.DataFrame:
    """``n`` rows (``id, title, text, source, url, published_at``) of one night; see the module docstring."""
    rng = random.Random(seed)
    n_orig = n - int(n * copy_share)
    titles, texts, sources = base["title"].to_list(), base["text"].to_list(), base["source"].to_list()
    vocabulary = " ".join(texts[:2000]).split()
    bodies: list[str] = []
    for start in range(0, n_orig, chunk):  # chunked: the bigram model's word array is count × words
        bodies += markov_texts(base, min(chunk, n_orig - start), words - 60, seed + start)
    rows = []
    for k in range(n_orig):
        b, retelling = k % len(base), k // len(base)
        title, lede = titles[b], _lede(texts[b])
        if retelling:
            title_words = title.split()
            if len(title_words) > 3:
                title_words[rng.randrange(len(title_words))] = rng.choice(vocabulary)
            title = " ".join(title_words)
            lede = _rewrite(lede.split(), vocabulary, 0.2, rng)
        source = sources[b] if retelling == 0 else sources[rng.randrange(len(sources))]
        published = NIGHT + timedelta(seconds=rng.randrange(86_400))
        rows.append({"id": f"n{k}", "title": title, "text": lede + "\n" + bodies[k], "source": source,
                     "url": None, "published_at": published.isoformat()})
    for k in range(n - n_orig):
        origin = rows[rng.randrange(n_orig)]
        source, text = aggregator_copy(origin["text"], origin["source"], titles, rng)
        published = datetime.fromisoformat(origin["published_at"]) + timedelta(hours=rng.uniform(0.2, 6))
        rows.append({"id": f"c{k}", "title": origin["title"], "text": text, "source": source, "url": None,
                     "published_at": min(published, NIGHT + timedelta(seconds=86_399)).isoformat()})
    rng.shuffle(rows)
    return pl.DataFrame(rows, schema={c: pl.String for c in ("id", "title", "text", "source", "url", "published_at")})


def write_night(base_path: str, n: int, out: Path, seed: int = 5) -> Path:
    """Build the night and write it as JSON lines (or Parquet when ``out`` ends in ``.parquet``)."""
    frame = night_corpus(load_base(base_path), n, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        frame.write_parquet(out)
    else:
        frame.write_ndjson(out)
    return out


def write_night_apart(base_path: str, n: int, out: Path, seed: int = 5) -> Path:
    """``write_night`` in a process of its own. A benchmark that built the night in its own memory would pass that
    memory on: Linux counts the parent's resident memory at the fork into the peak (``ru_maxrss``) of every command
    it then starts, so a 22,000-article night made each run's first stages read 668 MB instead of 396 MB."""
    subprocess.run([sys.executable, str(Path(__file__).resolve()), base_path, "--articles", str(n), "--seed",
                    str(seed), "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="real articles: ../shared/data/newsarticles.jsonl.gz")
    parser.add_argument("--articles", type=int, default=22_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(write_night(args.base, args.articles, args.out, args.seed))


if __name__ == "__main__":
    main()
