"""Words, their hashes and word shingles, all on whole columns at once.

**Words.** Text is NFKC-normalised and lower-cased; a word is a maximal run of letters, digits, marks and ``_``.
Everything else separates words: ASCII punctuation and spaces, Latin-1 punctuation (U+0080–U+00BF, ``×``, ``÷``),
the general-punctuation and symbol blocks U+2000–U+2BFF (typographic quotes, dashes, ellipsis, arrows), CJK
punctuation U+3000–U+303F and emoji U+1F000–U+1FFFF. So straight and curly quotes, hyphens and em dashes, case and
spacing never change the words. A column's UTF-8 bytes go to the compiled kernel (``_kernel.c``) in Arrow's own
buffer; only the texts holding a non-ASCII character that lower-casing or NFKC could change are normalised first
(polars, pyarrow), and the kernel folds ASCII case as it reads. It finds the words, hashes them and makes the
shingles in one pass over the bytes (no per-word Python); ``words`` runs the same code on one text.

**Hashes.** A word hashes to 64 bits (``word_hash``: its length, then each 8-byte little-endian chunk folded in with
the MurmurHash3 finaliser); a shingle of ``k`` consecutive words hashes to 32 bits (``shingle_hash``: the word
hashes combined as a polynomial, finalised, top 32 bits). ``shingle_hash`` takes the shingle as its words joined by
single spaces, so it is a ``datasketch`` ``hashfunc``: ``MinHash(hashfunc=shingle_hash)`` fed those strings holds
exactly our signatures. A text with fewer than ``k`` words has one shingle of all its words.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from . import _kernel

_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
     "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u2026": "..."}
)
_SEPARATOR = re.compile(
    "[\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\xbf\xd7\xf7\u2000-\u2bff\u3000-\u303f\U0001f000-\U0001ffff]+"
)  # what separates words (after NFKC and lower-casing); the byte tokeniser (_kernel.c) implements exactly this class
_M64 = (1 << 64) - 1
_LEN_SEED = 0x9E3779B97F4A7C15
_CHUNK_MUL = 0xC2B2AE3D27D4EB4F
_SHINGLE_MUL = 0x9FB21C651E98DF25
LEAD_WORDS_HASHED = 6  # words in a line's lead hash (a copy cut short keeps its neighbour's first words)
_CODE_SET_BYTES = 0x110000 // 8  # one bit per Unicode code point
_TEXT_CHUNK_BYTES = 4 << 20  # texts tokenised at once: 4 MB of UTF-8 keeps every per-byte array in cache-sized blocks

# ---------------------------------------------------------------- normalisation


def normalise(text: str) -> str:
    """Lower-cased NFKC text with typographic quotes and dashes made plain and whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The word tokens of one text, exactly as the column tokeniser finds them."""
    data, starts, ends, _ = token_bounds(pl.Series([text or ""], dtype=pl.String))
    raw = data.tobytes()
    return [raw[s:e].lower().decode("utf-8") for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


def short_key(text: str) -> str:
    """Letters and digits only, lower-cased (``"U.S.-led 'deal'"`` → ``"usleddeal"``): the identity of a short text."""
    return "".join(words(text))


# ---------------------------------------------------------------- hashes (reference, one text)


def _mix64(value: int) -> int:
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & _M64
    value ^= value >> 33
    value = (value * 0xC4CEB93FE53EC3BD) & _M64
    return value ^ (value >> 33)


def word_hash(word: str | bytes) -> int:
    """64-bit hash of one word (its UTF-8 bytes)."""
    raw = word.encode() if isinstance(word, str) else word
    value = (len(raw) * _LEN_SEED) & _M64
    for start in range(0, len(raw), 8):
        chunk = int.from_bytes(raw[start : start + 8], "little")
        value = _mix64(((value ^ chunk) * _CHUNK_MUL) & _M64)
    return value


def shingle_hash(shingle: bytes | str) -> int:
    """The 32-bit hash of one shingle given as its words joined by single spaces (a datasketch ``hashfunc``)."""
    raw = shingle.encode() if isinstance(shingle, str) else shingle
    value = 0
    for word in raw.split(b" "):
        value = (value * _SHINGLE_MUL + word_hash(word)) & _M64
    return _mix64(value) >> 32


def shingle_hashes(tokens: list[str], size: int) -> np.ndarray:
    """Sorted unique 32-bit hashes of the word ``size``-grams of ``tokens`` (one shingle if shorter), one text."""
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    count = max(len(tokens) - size + 1, 1)
    hashes = np.fromiter(
        (shingle_hash(" ".join(tokens[i : i + size])) for i in range(count)), dtype=np.uint32, count=count
    )
    return np.unique(hashes)


# ---------------------------------------------------------------- column tokeniser and shingles


@dataclass
class ShingleSets:
    """Sorted unique shingle hashes of many texts in one flat array (CSR): text ``i`` is
    ``values[offsets[i]:offsets[i + 1]]``; ``tokens[i]`` is its word count."""

    values: np.ndarray  # uint32
    offsets: np.ndarray  # int64, len n + 1
    tokens: np.ndarray  # int64, len n

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> np.ndarray:
        return self.values[self.offsets[index] : self.offsets[index + 1]]

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def nbytes(self) -> int:
        return self.values.nbytes + self.offsets.nbytes + self.tokens.nbytes

    def to_list(self) -> list[np.ndarray]:
        return [self[i] for i in range(len(self))]

    def subset(self, rows: list[int] | np.ndarray) -> ShingleSets:
        """The sets of ``rows``, in that order."""
        return ShingleSets.from_sets([self[row] for row in rows], self.tokens[np.asarray(rows, dtype=np.int64)])

    @classmethod
    def from_sets(cls, sets: list[np.ndarray], tokens: np.ndarray | None = None) -> ShingleSets:
        """One set per array (sorted unique hashes each); word counts 0 unless given."""
        sizes = np.array([len(s) for s in sets], dtype=np.int64)
        values = np.concatenate(sets).astype(np.uint32) if sets else np.empty(0, np.uint32)
        return cls(values, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
                   np.zeros(len(sets), np.int64) if tokens is None else tokens)

    @classmethod
    def concat(cls, parts: list[ShingleSets]) -> ShingleSets:
        if not parts:
            return cls(np.empty(0, np.uint32), np.zeros(1, np.int64), np.empty(0, np.int64))
        sizes = np.concatenate([np.diff(p.offsets) for p in parts])
        return cls(
            np.concatenate([p.values for p in parts]),
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            np.concatenate([p.tokens for p in parts]),
        )


def shingle_sets(
    texts: pl.Series | list[str], size: int, chunk_bytes: int = _TEXT_CHUNK_BYTES, threads: int = 1
) -> ShingleSets:
    """Shingle sets of every text (nulls are empty), tokenised and hashed in blocks of about ``chunk_bytes`` of
    UTF-8, the blocks spread over ``threads`` threads (numpy and polars release the GIL)."""
    series = texts if isinstance(texts, pl.Series) else pl.Series(texts, dtype=pl.String)
    series = series.cast(pl.String).fill_null("")
    parts = map_blocks(lambda block: _shingle_block(block, size), _blocks(series, chunk_bytes), threads)
    return ShingleSets.concat(parts)


def map_blocks(work, blocks: Sequence, threads: int) -> list:
    """``work`` of every block, in order, spread over ``threads`` threads (numpy and polars release the GIL)."""
    if threads > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(min(threads, len(blocks))) as pool:
            return list(pool.map(work, blocks))
    return [work(block) for block in blocks]


def _blocks(series: pl.Series, chunk_bytes: int) -> list[pl.Series]:
    if series.is_empty():
        return []
    lengths = series.str.len_bytes().to_numpy().astype(np.int64)
    cuts = np.searchsorted(np.cumsum(lengths), np.arange(chunk_bytes, int(lengths.sum()), chunk_bytes), side="right")
    edges = np.unique(np.concatenate([[0], cuts, [len(series)]]))
    return [series.slice(int(a), int(b - a)) for a, b in itertools.pairwise(edges)]


def _shingle_block(texts: pl.Series, size: int) -> ShingleSets:
    data, doc_starts = _normalised_buffer(texts)
    values = np.empty(_most_words(doc_starts), dtype=np.uint32)
    offsets = np.empty(len(texts) + 1, dtype=np.int64)
    counts = np.empty(len(texts), dtype=np.int64)
    written = _kernel.shingles(data, doc_starts, size, values, offsets, counts)
    return ShingleSets(values[:written].copy(), offsets, counts)


def _most_words(doc_starts: np.ndarray) -> int:
    """Room for every word of the texts: a text of ``b`` bytes holds at most ``(b + 1) // 2`` words (one-byte words
    between one-byte separators), so all of them at most ``(bytes + texts) // 2``, plus one."""
    return (int(doc_starts[-1] - doc_starts[0]) + len(doc_starts) - 1) // 2 + 1


_NFKC_NEEDED: dict[int, bool] = {}


def _needs_nfkc(code: int) -> bool:
    """Whether NFKC can change the words of a text holding this (lower-cased) character."""
    known = _NFKC_NEEDED.get(code)
    if known is None:
        char = chr(code)
        image = unicodedata.normalize("NFKC", char)
        composes = unicodedata.combining(char) != 0 or 0x1100 <= code <= 0x11FF
        separators = _SEPARATOR.fullmatch(char) is not None and _SEPARATOR.fullmatch(image) is not None
        known = (image != char or composes) and not separators
        _NFKC_NEEDED[code] = known
    return known


def token_bounds(texts: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The texts' bytes (``_normalised_buffer``), byte start and end of every word, text starts (one more than
    texts). A word's normalised form is its bytes with ASCII lower-cased (``bytes.lower``)."""
    data, doc_starts = _normalised_buffer(texts)
    starts = np.empty(_most_words(doc_starts), dtype=np.int64)
    ends = np.empty_like(starts)
    found = _kernel.word_bounds(data, doc_starts, starts, ends)
    return data, starts[:found], ends[:found], doc_starts


def _normalised_buffer(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of the texts back to back and each text's start (one more than texts: the last is the end),
    normalised but for ASCII case, which the kernel folds as it reads.

    Only a text holding a non-ASCII character that lower-casing or NFKC could change (``_CHANGES``: capitals
    such as É or Σ, ligatures, full-width letters, combining marks) is normalised here (``_normalised``); the others,
    nearly all texts of a feed, go to the kernel as they are, their bytes read in place.
    """
    texts = texts.fill_null("")
    data, offsets = utf8_buffer(texts)
    present = present_codes(data, offsets)
    unknown = [code for code in present if code not in _CHANGES]
    if unknown:
        chars = [chr(code) for code in unknown]
        lowered = pl.Series(chars, dtype=pl.String).str.to_lowercase().to_list()
        for code, char, low in zip(unknown, chars, lowered, strict=True):
            _CHANGES[code] = low != char or _needs_nfkc(code)
    special = [code for code in present if _CHANGES[code]]
    if not special:
        return data, offsets
    docs = _docs_holding(data, offsets, special)
    return utf8_buffer(texts.scatter(docs, _normalised(texts.gather(docs))))


_CHANGES: dict[int, bool] = {}  # code point -> whether lower-casing or NFKC can change a text's words (see above)


def _normalised(texts: pl.Series) -> pl.Series:
    """The texts lower-cased, NFKC-normalised first where a (lower-cased) character could change their words under
    NFKC (curly quotes, dashes, no-break spaces and accented letters in composed form cannot)."""
    lowered = texts.str.to_lowercase()
    data, offsets = utf8_buffer(lowered)
    bad = [code for code in present_codes(data, offsets) if _needs_nfkc(code)]
    if not bad:
        return lowered
    docs = _docs_holding(data, offsets, bad)
    normalised = texts.gather(docs).str.normalize("NFKC").str.to_lowercase()  # polars' NFKC is Python's (a test)
    return lowered.scatter(docs, normalised)


def utf8_buffer(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The texts' UTF-8 bytes back to back (Arrow's own buffer, not copied again) and each text's start."""
    array = _arrow(texts)
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    _, offsets, data = array.buffers()
    starts = np.frombuffer(offsets, dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    return (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)), starts


def _arrow(texts: pl.Series) -> pa.Array:
    """The texts as one Arrow array (a chunked column's chunks combined)."""
    array = texts.to_arrow()
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def present_codes(data: np.ndarray, offsets: np.ndarray) -> list[int]:
    """The distinct non-ASCII code points of the texts, in order."""
    present = np.zeros(_CODE_SET_BYTES, dtype=np.uint8)
    _kernel.code_points(data, offsets, present)
    return np.flatnonzero(np.unpackbits(present, bitorder="little")).tolist()


def _docs_holding(data: np.ndarray, offsets: np.ndarray, codes: list[int]) -> np.ndarray:
    """The texts holding any of ``codes``."""
    wanted = np.zeros(_CODE_SET_BYTES * 8, dtype=bool)
    wanted[codes] = True
    flags = np.zeros(len(offsets) - 1, dtype=np.uint8)
    _kernel.docs_holding(data, offsets, np.packbits(wanted, bitorder="little"), flags)
    return np.flatnonzero(flags)


def last_shingles(texts: pl.Series, size: int, threads: int = 1) -> np.ndarray:
    """Per text: the ``shingle_hash`` of its last ``size`` words (of all its words when it has fewer, which is then its
    only shingle), as in ``shingle_sets``; 0 for a text without words."""
    series = texts.cast(pl.String).fill_null("")
    parts = map_blocks(lambda block: _last_shingle_block(block, size), _blocks(series, _TEXT_CHUNK_BYTES), threads)
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint32)


def _last_shingle_block(texts: pl.Series, size: int) -> np.ndarray:
    data, doc_starts = _normalised_buffer(texts)
    hashes = np.empty(len(texts), dtype=np.uint32)
    _kernel.last_shingles(data, doc_starts, size, hashes)
    return hashes


def line_hashes(lines: pl.Series, threads: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per line: a 64-bit hash of its words, a hash of its first ``LEAD_WORDS_HASHED`` words, and its word count
    (in blocks spread over ``threads`` threads).

    Lines are compared by these hashes, so case, punctuation and spacing never make two lines differ.
    """
    if len(lines) == 0:
        empty = np.empty(0, dtype=np.uint64)
        return empty, empty, np.empty(0, dtype=np.int64)
    parts = map_blocks(_line_hashes_block, _blocks(lines, _TEXT_CHUNK_BYTES), threads)
    return tuple(np.concatenate([part[k] for part in parts]) for k in range(3))


def _line_hashes_block(lines: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data, doc_starts = _normalised_buffer(lines)
    key, lead = np.empty(len(lines), dtype=np.uint64), np.empty(len(lines), dtype=np.uint64)
    counts = np.empty(len(lines), dtype=np.int64)
    _kernel.line_hashes(data, doc_starts, LEAD_WORDS_HASHED, key, lead, counts)
    return key, lead, counts
