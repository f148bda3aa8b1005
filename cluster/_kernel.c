/* Words, word hashes and shingle hashes of normalised UTF-8 texts in one pass over their bytes.
 *
 * This is the compiled half of cluster/tokens.py, which documents the word definition and the hashes; every
 * function here computes exactly what its docstring there says (tests/test_tokens.py checks them against the
 * one-text reference in Python). The input is what tokens._normalised_buffer gives: the texts' UTF-8 bytes back to
 * back (an Arrow string buffer), normalised except for ASCII case, which the kernel folds itself; ``doc_starts``
 * holds each text's first byte and, last, the end of the last text. A text is the range between two starts, so no
 * word runs from one text into the next.
 *
 * Later sections hold the other compiled loops, each documented where its Python caller is: the lexical vectors'
 * term counts and TF-IDF (cluster/lexical.py, checked against polars' regex engine and scikit-learn), the
 * signatures, the story engine's average linkage and neighbour search.
 *
 * Each entry point fills output arrays that the caller allocated (numpy arrays, through the buffer protocol; the
 * term counts, whose size only the scan finds, come back as bytearrays) and releases the GIL while it works, so that
 * texts split into blocks hash on several threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LEN_SEED 0x9E3779B97F4A7C15ULL
#define CHUNK_MUL 0xC2B2AE3D27D4EB4FULL
#define SHINGLE_MUL 0x9FB21C651E98DF25ULL
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IS_LITTLE_ENDIAN 1
#else
#define IS_LITTLE_ENDIAN 0
#endif

static inline uint64_t fmix64(uint64_t v) {
    v ^= v >> 33;
    v *= 0xFF51AFD7ED558CCDULL;
    v ^= v >> 33;
    v *= 0xC4CEB93FE53EC3BDULL;
    return v ^ (v >> 33);
}

/* ASCII A-Z to a-z in each byte of a word (SWAR: bytes of 0x80 and above are left alone). */
static inline uint64_t lower_ascii(uint64_t chunk) {
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t low7 = chunk & ~high;
    uint64_t from_a = low7 + (0x80 - 'A') * ones;      /* high bit set where the byte is >= 'A' */
    uint64_t past_z = low7 + (0x80 - 'Z' - 1) * ones;  /* high bit set where the byte is > 'Z' */
    uint64_t upper = from_a & ~past_z & ~chunk & high;
    return chunk | (upper >> 2);                       /* 0x80 >> 2 is the case bit 0x20 */
}

/* tokens.word_hash of the lower-cased word: the length, then each 8-byte little-endian chunk (the last one
 * zero-filled) folded in. ``readable`` is how many bytes may be read from ``word`` (at least ``length``): chunks are
 * read 8 bytes at a time where the buffer allows and masked to the word's own bytes. */
static inline uint64_t word_hash(const uint8_t *word, Py_ssize_t length, Py_ssize_t readable) {
    uint64_t value = (uint64_t)length * LEN_SEED;
    for (Py_ssize_t offset = 0; offset < length; offset += 8) {
        Py_ssize_t take = length - offset < 8 ? length - offset : 8;
        uint64_t chunk = 0;
        if (readable - offset >= 8 && IS_LITTLE_ENDIAN) {
            memcpy(&chunk, word + offset, 8);
            if (take < 8) chunk &= (1ULL << (8 * take)) - 1;
        } else {
            for (Py_ssize_t k = 0; k < take; k++) chunk |= (uint64_t)word[offset + k] << (8 * k);
        }
        value = fmix64((value ^ lower_ascii(chunk)) * CHUNK_MUL);
    }
    return value;
}

/* How many bytes of separator start at a byte >= 0xC2 (a UTF-8 lead byte): the non-ASCII separators of the
 * tokens module docstring (U+0080-U+00BF, U+00D7, U+00F7, U+2000-U+2BFF, U+3000-U+303F, U+1F000-U+1FFFF); 0 when
 * the character is part of a word. */
static inline int separator_length(uint8_t first, uint8_t second) {
    if (first == 0xC2) return 2;
    if (first == 0xC3 && (second == 0x97 || second == 0xB7)) return 2;
    if (first == 0xE2 && second >= 0x80 && second <= 0xAF) return 3;
    if (first == 0xE3 && second == 0x80) return 3;
    if (first == 0xF0 && second == 0x9F) return 4;
    return 0;
}

/* Per byte: 0 part of a word (a-z, A-Z, 0-9, _, a UTF-8 continuation byte, a lead byte of a letter), 1 a one-byte
 * separator, 2 a lead byte whose character may be a separator (see separator_length). A-Z are word bytes hashed as
 * a-z: the kernel lower-cases ASCII itself (tokens._normalised_buffer leaves texts that are ASCII apart from
 * characters that lower-casing and NFKC keep as they are). */
static uint8_t BYTE_KIND[256];

static void init_byte_kinds(void) {
    for (int c = 0; c < 256; c++) {
        int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                   || (c >= 0x80 && c < 0xC2);
        BYTE_KIND[c] = word ? 0 : 1;
    }
    for (int c = 0xC2; c < 256; c++) BYTE_KIND[c] = (c == 0xC2 || c == 0xC3 || c == 0xE2 || c == 0xE3 || c == 0xF0) ? 2 : 0;
}

/* The words of data[lo:hi]: their hashes, and their byte bounds when ``starts`` is given. */
typedef struct {
    uint64_t *hashes;
    int64_t *starts;
    int64_t *ends;
    Py_ssize_t count;
    Py_ssize_t capacity;
} Words;

static int words_reserve(Words *words, Py_ssize_t needed, int with_bounds) {
    if (needed <= words->capacity) return 0;
    Py_ssize_t capacity = needed > 2 * words->capacity ? needed : 2 * words->capacity;
    uint64_t *hashes = realloc(words->hashes, capacity * sizeof(uint64_t));
    if (hashes == NULL) return -1;
    words->hashes = hashes;
    if (with_bounds) {
        int64_t *starts = realloc(words->starts, capacity * sizeof(int64_t));
        if (starts == NULL) return -1;
        words->starts = starts;
        int64_t *ends = realloc(words->ends, capacity * sizeof(int64_t));
        if (ends == NULL) return -1;
        words->ends = ends;
    }
    words->capacity = capacity;
    return 0;
}

static void words_free(Words *words) {
    free(words->hashes);
    free(words->starts);
    free(words->ends);
}

/* The words of data[lo:hi] into ``words``; ``limit`` is the length of ``data``. */
static int scan_words(const uint8_t *data, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t limit, Words *words,
                      int with_bounds) {
    words->count = 0;
    /* a text of n bytes holds at most (n + 1) / 2 words */
    if (words_reserve(words, (hi - lo + 1) / 2 + 1, with_bounds) < 0) return -1;
    Py_ssize_t i = lo;
    while (i < hi) {
        /* separators up to the next word */
        while (i < hi) {
            uint8_t kind = BYTE_KIND[data[i]];
            if (kind == 0) break;
            int length = kind == 1 ? 1 : separator_length(data[i], i + 1 < hi ? data[i + 1] : 0);
            if (length == 0) break;
            i += length;
        }
        if (i >= hi) break;
        /* the word: word bytes up to a separator (a lead byte of kind 2 that is a letter continues it) */
        Py_ssize_t start = i++;
        while (i < hi) {
            uint8_t kind = BYTE_KIND[data[i]];
            if (kind == 1 || (kind == 2 && separator_length(data[i], i + 1 < hi ? data[i + 1] : 0))) break;
            i++;
        }
        Py_ssize_t n = words->count++;
        words->hashes[n] = word_hash(data + start, i - start, limit - start);
        if (with_bounds) {
            words->starts[n] = start;
            words->ends[n] = i;
        }
    }
    return 0;
}

/* shingle_hash of words[first:first + count], combined as a polynomial and finalised (top 32 bits). */
static inline uint32_t shingle_of(const uint64_t *hashes, Py_ssize_t first, Py_ssize_t count) {
    uint64_t acc = 0;
    for (Py_ssize_t j = 0; j < count; j++) acc = acc * SHINGLE_MUL + hashes[first + j];
    return (uint32_t)(fmix64(acc) >> 32);
}

/* Sorts values[0:n] (LSD radix sort, 8 bits a pass, through ``scratch``; insertion sort when short). */
static void sort_u32(uint32_t *values, uint32_t *scratch, Py_ssize_t n) {
    if (n < 64) {
        for (Py_ssize_t i = 1; i < n; i++) {
            uint32_t v = values[i];
            Py_ssize_t j = i;
            for (; j > 0 && values[j - 1] > v; j--) values[j] = values[j - 1];
            values[j] = v;
        }
        return;
    }
    Py_ssize_t counts[4][256];
    memset(counts, 0, sizeof counts);
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t v = values[i];
        counts[0][v & 0xFF]++;
        counts[1][(v >> 8) & 0xFF]++;
        counts[2][(v >> 16) & 0xFF]++;
        counts[3][v >> 24]++;
    }
    uint32_t *from = values, *to = scratch;
    for (int pass = 0; pass < 4; pass++) {
        Py_ssize_t total = 0;
        for (int b = 0; b < 256; b++) {
            Py_ssize_t c = counts[pass][b];
            counts[pass][b] = total;
            total += c;
        }
        int shift = 8 * pass;
        for (Py_ssize_t i = 0; i < n; i++) to[counts[pass][(from[i] >> shift) & 0xFF]++] = from[i];
        uint32_t *swap = from;
        from = to;
        to = swap;
    }
    /* four passes: the sorted values are back in ``values`` */
}

static Py_ssize_t unique_sorted(uint32_t *values, Py_ssize_t n) {
    if (n == 0) return 0;
    Py_ssize_t kept = 1;
    for (Py_ssize_t i = 1; i < n; i++)
        if (values[i] != values[kept - 1]) values[kept++] = values[i];
    return kept;
}

/* The buffers of one call, released together. */
typedef struct {
    Py_buffer data, doc_starts, out[3];
    int held;
} Buffers;

static void buffers_release(Buffers *buffers) {
    if (buffers->held & 1) PyBuffer_Release(&buffers->data);
    if (buffers->held & 2) PyBuffer_Release(&buffers->doc_starts);
    for (int k = 0; k < 3; k++)
        if (buffers->held & (4 << k)) PyBuffer_Release(&buffers->out[k]);
}

/* Reads data (args[0]), doc_starts (args[1]) and ``outs`` writable outputs with these item sizes, which are the
 * last arguments; ``nargs`` must be ``expected``. */
static int buffers_get(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t expected, int outs,
                       const Py_ssize_t *item_sizes, Buffers *buffers, const char *name) {
    buffers->held = 0;
    if (nargs != expected) {
        PyErr_Format(PyExc_TypeError, "%s takes %zd arguments (%zd given)", name, expected, nargs);
        return -1;
    }
    Py_ssize_t first_out = expected - outs;
    if (PyObject_GetBuffer(args[0], &buffers->data, PyBUF_C_CONTIGUOUS) < 0) return -1;
    buffers->held |= 1;
    if (PyObject_GetBuffer(args[1], &buffers->doc_starts, PyBUF_C_CONTIGUOUS) < 0) return -1;
    buffers->held |= 2;
    if (buffers->doc_starts.len % 8 != 0 || buffers->doc_starts.len < 8) {
        PyErr_SetString(PyExc_ValueError, "doc_starts must be int64 with at least one entry");
        return -1;
    }
    Py_ssize_t docs = buffers->doc_starts.len / 8 - 1;
    const int64_t *starts = buffers->doc_starts.buf;
    for (Py_ssize_t d = 0; d < docs; d++)
        if (starts[d] < 0 || starts[d] > starts[d + 1]) {
            PyErr_SetString(PyExc_ValueError, "doc_starts must be non-negative and non-decreasing");
            return -1;
        }
    if (starts[docs] > buffers->data.len) {
        PyErr_SetString(PyExc_ValueError, "doc_starts runs past the end of data");
        return -1;
    }
    for (int k = 0; k < outs; k++) {
        if (PyObject_GetBuffer(args[first_out + k], &buffers->out[k], PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0)
            return -1;
        buffers->held |= 4 << k;
        if (buffers->out[k].len % item_sizes[k] != 0) {
            PyErr_Format(PyExc_ValueError, "%s: output %d has the wrong item size", name, k);
            return -1;
        }
    }
    return 0;
}

/* args[2] as a count of at least ``minimum``, or -1 with an error set. */
static Py_ssize_t int_argument(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t expected, Py_ssize_t minimum,
                               const char *name) {
    if (nargs != expected) {
        PyErr_Format(PyExc_TypeError, "%s takes %zd arguments (%zd given)", name, expected, nargs);
        return -1;
    }
    Py_ssize_t value = PyLong_Check(args[2]) ? PyLong_AsSsize_t(args[2]) : -1;
    if (value < minimum && !PyErr_Occurred())
        PyErr_Format(PyExc_ValueError, "%s: argument 3 must be an int of at least %zd", name, minimum);
    return PyErr_Occurred() ? -1 : value;
}

static Py_ssize_t docs_of(const Buffers *buffers) { return buffers->doc_starts.len / 8 - 1; }

static int out_fits(const Buffers *buffers, int k, Py_ssize_t items, Py_ssize_t item_size, const char *name) {
    if (buffers->out[k].len / item_size >= items) return 0;
    PyErr_Format(PyExc_ValueError, "%s: output %d holds fewer than %zd items", name, k, items);
    return -1;
}

/* Calls ``visit`` on the words of every text of ``b``, in order and without the GIL. Returns -1 with MemoryError
 * set when memory ran out, in the scan or in ``visit`` (which returns -1 then). */
typedef int (*TextVisitor)(const Words *words, Py_ssize_t text, void *state);

static int each_text(const Buffers *b, int with_bounds, TextVisitor visit, void *state) {
    const int64_t *doc_starts = b->doc_starts.buf;
    Py_ssize_t docs = docs_of(b);
    Words words = {0};
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t d = 0; d < docs && !failed; d++)
        failed = scan_words(b->data.buf, doc_starts[d], doc_starts[d + 1], b->data.len, &words, with_bounds) < 0
                 || visit(&words, d, state) < 0;
    Py_END_ALLOW_THREADS
    words_free(&words);
    if (failed) PyErr_NoMemory();
    return failed ? -1 : 0;
}

/* Room for every word of the texts of ``b``: a text of n bytes holds at most (n + 1) / 2 words. */
static Py_ssize_t most_words(const Buffers *b) {
    const int64_t *doc_starts = b->doc_starts.buf;
    Py_ssize_t docs = docs_of(b);
    return (doc_starts[docs] - doc_starts[0] + docs) / 2 + 1;
}

PyDoc_STRVAR(shingles_doc,
    "shingles(data, doc_starts, size, values, offsets, counts) -> number of values\n\n"
    "Sorted unique shingle hashes of every text into ``values`` (uint32, room for one per word: (bytes + texts) / 2\n"
    "+ 1), ``offsets`` (int64, texts + 1) and each text's word count into ``counts`` (int64, texts).");

typedef struct {
    Py_ssize_t size, written, scratch_size;
    uint32_t *values, *scratch;
    int64_t *offsets, *counts;
} ShinglesState;

static int shingles_of_text(const Words *words, Py_ssize_t text, void *state) {
    ShinglesState *s = state;
    Py_ssize_t n = words->count, made = 0;
    uint32_t *own = s->values + s->written;
    if (n >= s->size) {
        made = n - s->size + 1;
        for (Py_ssize_t i = 0; i < made; i++) own[i] = shingle_of(words->hashes, i, s->size);
    } else if (n > 0) {
        made = 1;
        own[0] = shingle_of(words->hashes, 0, n);
    }
    if (made > s->scratch_size) {
        uint32_t *grown = realloc(s->scratch, made * sizeof(uint32_t));
        if (grown == NULL) return -1;
        s->scratch = grown;
        s->scratch_size = made;
    }
    sort_u32(own, s->scratch, made);
    s->written += unique_sorted(own, made);
    s->offsets[text + 1] = s->written;
    s->counts[text] = n;
    return 0;
}

static PyObject *shingles(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    static const Py_ssize_t sizes[3] = {4, 8, 8};
    Buffers b;
    PyObject *result = NULL;
    Py_ssize_t size = int_argument(args, nargs, 6, 1, "shingles");
    if (size < 0) return NULL;
    if (buffers_get(args, nargs, 6, 3, sizes, &b, "shingles") < 0) goto done;
    Py_ssize_t docs = docs_of(&b);
    if (out_fits(&b, 0, most_words(&b), 4, "shingles") < 0 || out_fits(&b, 1, docs + 1, 8, "shingles") < 0
        || out_fits(&b, 2, docs, 8, "shingles") < 0)
        goto done;
    ShinglesState state = {size, 0, 0, b.out[0].buf, NULL, b.out[1].buf, b.out[2].buf};
    state.offsets[0] = 0;
    int failed = each_text(&b, 0, shingles_of_text, &state);
    free(state.scratch);
    if (!failed) result = PyLong_FromSsize_t(state.written);
done:
    buffers_release(&b);
    return result;
}

PyDoc_STRVAR(last_shingles_doc,
    "last_shingles(data, doc_starts, size, out)\n\n"
    "Per text, the shingle hash of its last ``size`` words (all of them when fewer; 0 without words) into ``out``\n"
    "(uint32, texts).");

typedef struct {
    Py_ssize_t size;
    uint32_t *out;
} LastState;

static int last_shingle_of_text(const Words *words, Py_ssize_t text, void *state) {
    LastState *s = state;
    Py_ssize_t n = words->count, taken = n < s->size ? n : s->size;
    s->out[text] = n == 0 ? 0 : shingle_of(words->hashes, n - taken, taken);
    return 0;
}

static PyObject *last_shingles(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    static const Py_ssize_t sizes[1] = {4};
    Buffers b;
    PyObject *result = NULL;
    Py_ssize_t size = int_argument(args, nargs, 4, 1, "last_shingles");
    if (size < 0) return NULL;
    if (buffers_get(args, nargs, 4, 1, sizes, &b, "last_shingles") < 0) goto done;
    if (out_fits(&b, 0, docs_of(&b), 4, "last_shingles") < 0) goto done;
    LastState state = {size, b.out[0].buf};
    if (each_text(&b, 0, last_shingle_of_text, &state) == 0) result = Py_NewRef(Py_None);
done:
    buffers_release(&b);
    return result;
}

PyDoc_STRVAR(line_hashes_doc,
    "line_hashes(data, doc_starts, lead_words, key, lead, counts)\n\n"
    "Per text (a line): the sum of fmix64(word hash ^ position * CHUNK_MUL) over its words into ``key``, the same\n"
    "over its first ``lead_words`` words into ``lead`` (both uint64) and its word count into ``counts`` (int64).");

typedef struct {
    Py_ssize_t lead_words;
    uint64_t *key, *lead;
    int64_t *counts;
} LineState;

static int line_hash_of_text(const Words *words, Py_ssize_t text, void *state) {
    LineState *s = state;
    uint64_t whole = 0, first = 0;
    for (Py_ssize_t i = 0; i < words->count; i++) {
        uint64_t mixed = fmix64(words->hashes[i] ^ ((uint64_t)i * CHUNK_MUL));
        whole += mixed;
        if (i < s->lead_words) first += mixed;
    }
    s->key[text] = whole;
    s->lead[text] = first;
    s->counts[text] = words->count;
    return 0;
}

static PyObject *line_hashes(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    static const Py_ssize_t sizes[3] = {8, 8, 8};
    Buffers b;
    PyObject *result = NULL;
    Py_ssize_t lead_words = int_argument(args, nargs, 6, 0, "line_hashes");
    if (lead_words < 0) return NULL;
    if (buffers_get(args, nargs, 6, 3, sizes, &b, "line_hashes") < 0) goto done;
    for (int k = 0; k < 3; k++)
        if (out_fits(&b, k, docs_of(&b), 8, "line_hashes") < 0) goto done;
    LineState state = {lead_words, b.out[0].buf, b.out[1].buf, b.out[2].buf};
    if (each_text(&b, 0, line_hash_of_text, &state) == 0) result = Py_NewRef(Py_None);
done:
    buffers_release(&b);
    return result;
}

PyDoc_STRVAR(word_bounds_doc,
    "word_bounds(data, doc_starts, starts, ends) -> number of words\n\n"
    "The byte start and end of every word of every text, in order, into ``starts`` and ``ends`` (int64, room for\n"
    "(bytes + texts) / 2 + 1 words).");

typedef struct {
    int64_t *starts, *ends;
    Py_ssize_t written;
} BoundsState;

static int bounds_of_text(const Words *words, Py_ssize_t text, void *state) {
    BoundsState *s = state;
    memcpy(s->starts + s->written, words->starts, words->count * sizeof(int64_t));
    memcpy(s->ends + s->written, words->ends, words->count * sizeof(int64_t));
    s->written += words->count;
    return 0;
}

static PyObject *word_bounds(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    static const Py_ssize_t sizes[2] = {8, 8};
    Buffers b;
    PyObject *result = NULL;
    if (buffers_get(args, nargs, 4, 2, sizes, &b, "word_bounds") < 0) goto done;
    if (out_fits(&b, 0, most_words(&b), 8, "word_bounds") < 0 || out_fits(&b, 1, most_words(&b), 8, "word_bounds") < 0)
        goto done;
    BoundsState state = {b.out[0].buf, b.out[1].buf, 0};
    if (each_text(&b, 1, bounds_of_text, &state) == 0) result = PyLong_FromSsize_t(state.written);
done:
    buffers_release(&b);
    return result;
}

/* MinHash under datasketch's affine32 scheme (cluster/minhash.py): per text, for each of its shingle hashes h
 * (pre-mixed with MurmurHash3's 32-bit finaliser), min over h of a[p] * h + b[p] mod 2^32 for every permutation p.
 * The loop over permutations is the inner one, so it runs in vector registers; on x86-64 the compiler makes an AVX2
 * copy too, chosen at load time on machines that have it (the values are the same: uint32 arithmetic is exact). */
static inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85EBCA6BU;
    h ^= h >> 13;
    h *= 0xC2B2AE35U;
    return h ^ (h >> 16);
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
static void sign_texts(const uint32_t *values, const int64_t *offsets, const uint32_t *a, const uint32_t *b,
                       Py_ssize_t num_perm, uint32_t *out, Py_ssize_t start, Py_ssize_t stop) {
    for (Py_ssize_t d = start; d < stop; d++) {
        uint32_t *signature = out + d * num_perm;
        for (int64_t k = offsets[d]; k < offsets[d + 1]; k++) {
            uint32_t h = fmix32(values[k]);
            for (Py_ssize_t p = 0; p < num_perm; p++) {
                uint32_t v = a[p] * h + b[p];
                signature[p] = v < signature[p] ? v : signature[p];
            }
        }
    }
}

PyDoc_STRVAR(signatures_doc,
    "signatures(values, offsets, a, b, out, start, stop)\n\n"
    "MinHash signatures of texts start..stop-1 of the shingle sets (values: uint32, offsets: int64) into their rows\n"
    "of ``out`` (uint32, texts x len(a), filled with 2^32 - 1 beforehand: each row is a running minimum).");

static PyObject *signatures(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "signatures takes 7 arguments (%zd given)", nargs);
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(args[5]), stop = PyLong_AsSsize_t(args[6]);
    if (PyErr_Occurred()) return NULL;
    Py_buffer buffers[5];
    int held = 0, writable[5] = {0, 0, 0, 0, 1};
    PyObject *result = NULL;
    for (; held < 5; held++) {
        int flags = PyBUF_C_CONTIGUOUS | (writable[held] ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[held], &buffers[held], flags) < 0) goto done;
    }
    Py_ssize_t shingles = buffers[0].len / 4, texts = buffers[1].len / 8 - 1, num_perm = buffers[2].len / 4;
    const int64_t *offsets = buffers[1].buf;
    if (texts < 0 || buffers[3].len != buffers[2].len || buffers[4].len != texts * num_perm * 4) {
        PyErr_SetString(PyExc_ValueError, "signatures: offsets, a, b and out do not fit together");
        goto done;
    }
    if (start < 0 || start > stop || stop > texts || offsets[start] < 0 || offsets[stop] > shingles) {
        PyErr_SetString(PyExc_ValueError, "signatures: start and stop must be texts whose shingles are in values");
        goto done;
    }
    for (Py_ssize_t d = start; d < stop; d++)
        if (offsets[d] > offsets[d + 1]) {
            PyErr_SetString(PyExc_ValueError, "signatures: offsets must be non-decreasing");
            goto done;
        }
    Py_BEGIN_ALLOW_THREADS
    sign_texts(buffers[0].buf, offsets, buffers[2].buf, buffers[3].buf, num_perm, buffers[4].buf, start, stop);
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    for (int k = 0; k < held; k++) PyBuffer_Release(&buffers[k]);
    return result;
}

/* The code point of the UTF-8 sequence at data[i] (a lead byte >= 0xC2) and its length; -1 for a truncated one. */
static inline int32_t code_point_at(const uint8_t *data, Py_ssize_t i, Py_ssize_t hi, int *length) {
    uint8_t c = data[i];
    int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    *length = n;
    if (i + n > hi) return -1;
    int32_t code = c & (0x7F >> n);
    for (int k = 1; k < n; k++) code = (code << 6) | (data[i + k] & 0x3F);
    return code;
}

#define CODE_POINTS 0x110000

/* The next non-ASCII code point in data[*at:hi] (-1 when none is left), moving *at past it. */
static inline int32_t next_code_point(const uint8_t *data, Py_ssize_t *at, Py_ssize_t hi) {
    for (Py_ssize_t i = *at; i < hi; i++) {
        if (data[i] < 0xC2) continue;
        int length;
        int32_t code = code_point_at(data, i, hi, &length);
        i += length - 1;
        if (code >= 0 && code < CODE_POINTS) {
            *at = i + 1;
            return code;
        }
    }
    *at = hi;
    return -1;
}

/* Whether a buffer of ``len`` bytes is a set of code points (one bit each); sets ValueError when not. */
static int is_code_set(Py_ssize_t len, const char *name) {
    if (len == CODE_POINTS / 8) return 1;
    PyErr_Format(PyExc_ValueError, "%s: the code point set must be %d bytes (one bit per code point)", name,
                 CODE_POINTS / 8);
    return 0;
}

PyDoc_STRVAR(code_points_doc,
    "code_points(data, doc_starts, present)\n\n"
    "Sets bit c of ``present`` (uint8, 0x110000 / 8 bytes, little-endian bit order) for every non-ASCII code point c\n"
    "in the texts.");

static PyObject *code_points(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    static const Py_ssize_t sizes[1] = {1};
    Buffers b;
    PyObject *result = NULL;
    if (buffers_get(args, nargs, 3, 1, sizes, &b, "code_points") < 0 || !is_code_set(b.out[0].len, "code_points"))
        goto done;
    const int64_t *doc_starts = b.doc_starts.buf;
    const uint8_t *data = b.data.buf;
    uint8_t *present = b.out[0].buf;
    Py_ssize_t at = doc_starts[0], hi = doc_starts[docs_of(&b)];
    int32_t code;
    Py_BEGIN_ALLOW_THREADS
    while ((code = next_code_point(data, &at, hi)) >= 0) present[code >> 3] |= (uint8_t)(1 << (code & 7));
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    buffers_release(&b);
    return result;
}

PyDoc_STRVAR(docs_holding_doc,
    "docs_holding(data, doc_starts, codes, out)\n\n"
    "Per text, 1 in ``out`` (uint8) when it holds a code point whose bit is set in ``codes`` (as ``code_points``\n"
    "writes them), else 0.");

static PyObject *docs_holding(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    static const Py_ssize_t sizes[1] = {1};
    Buffers b;
    Py_buffer codes;
    int codes_held = 0;
    PyObject *result = NULL;
    if (buffers_get(args, nargs, 4, 1, sizes, &b, "docs_holding") < 0) goto done;
    if (PyObject_GetBuffer(args[2], &codes, PyBUF_C_CONTIGUOUS) < 0) goto done;
    codes_held = 1;
    Py_ssize_t docs = docs_of(&b);
    if (!is_code_set(codes.len, "docs_holding") || out_fits(&b, 0, docs, 1, "docs_holding") < 0) goto done;
    const int64_t *doc_starts = b.doc_starts.buf;
    const uint8_t *data = b.data.buf, *wanted = codes.buf;
    uint8_t *out = b.out[0].buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t d = 0; d < docs; d++) {
        Py_ssize_t at = doc_starts[d];
        int32_t code;
        uint8_t found = 0;
        while (!found && (code = next_code_point(data, &at, doc_starts[d + 1])) >= 0)
            found = (wanted[code >> 3] >> (code & 7)) & 1;
        out[d] = found;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    if (codes_held) PyBuffer_Release(&codes);
    buffers_release(&b);
    return result;
}

/* ------------------------------------------------------------------ average linkage (cluster/stories.py)
 *
 * stories.average_linkage's merge loop: clusters joined by edges merge, best mean linkage first, until no pair
 * reaches 0. Per cluster a hash map (open addressing) holds the summed edge terms X to each neighbouring cluster; a
 * binary heap holds (-linkage, lo, hi, version_lo, version_hi) entries ordered as Python orders those tuples, and
 * an entry is stale once either cluster has merged again (its version moved on). The linkage of a pair is
 * documented in stories.py; the arithmetic here follows it term by term. */

typedef struct {
    int64_t *keys;  /* -1: empty, -2: deleted */
    double *values;
    Py_ssize_t used, filled, capacity;  /* used: live keys; filled: live and deleted slots */
} Neighbours;

static inline Py_ssize_t slot_of(int64_t key, Py_ssize_t capacity) {
    return (Py_ssize_t)(fmix64((uint64_t)key) & (uint64_t)(capacity - 1));
}

static int neighbours_grow(Neighbours *map, Py_ssize_t capacity) {
    int64_t *keys = malloc(capacity * sizeof(int64_t));
    double *values = malloc(capacity * sizeof(double));
    if (keys == NULL || values == NULL) {
        free(keys);
        free(values);
        return -1;
    }
    for (Py_ssize_t i = 0; i < capacity; i++) keys[i] = -1;
    for (Py_ssize_t i = 0; i < map->capacity; i++) {
        if (map->keys[i] < 0) continue;
        Py_ssize_t at = slot_of(map->keys[i], capacity);
        while (keys[at] != -1) at = (at + 1) & (capacity - 1);
        keys[at] = map->keys[i];
        values[at] = map->values[i];
    }
    free(map->keys);
    free(map->values);
    map->keys = keys;
    map->values = values;
    map->capacity = capacity;
    map->filled = map->used;
    return 0;
}

/* The slot holding ``key``, or -1. */
static inline Py_ssize_t neighbours_find(const Neighbours *map, int64_t key) {
    if (map->capacity == 0) return -1;
    Py_ssize_t at = slot_of(key, map->capacity);
    while (map->keys[at] != -1) {
        if (map->keys[at] == key) return at;
        at = (at + 1) & (map->capacity - 1);
    }
    return -1;
}

/* The slot of ``key``, inserted with the value 0.0 when absent; -1 when out of memory. */
static Py_ssize_t neighbours_slot(Neighbours *map, int64_t key) {
    Py_ssize_t found = neighbours_find(map, key);
    if (found >= 0) return found;
    if ((map->filled + 1) * 4 > map->capacity * 3) {
        Py_ssize_t capacity = map->capacity ? map->capacity : 4;
        while ((map->used + 1) * 2 > capacity) capacity *= 2;
        if (neighbours_grow(map, capacity) < 0) return -1;
    }
    Py_ssize_t at = slot_of(key, map->capacity);
    while (map->keys[at] >= 0) at = (at + 1) & (map->capacity - 1);
    if (map->keys[at] == -1) map->filled++;
    map->keys[at] = key;
    map->values[at] = 0.0;
    map->used++;
    return at;
}

static void neighbours_remove(Neighbours *map, int64_t key) {
    Py_ssize_t found = neighbours_find(map, key);
    if (found < 0) return;
    map->keys[found] = -2;
    map->used--;
}

static void neighbours_clear(Neighbours *map) {
    free(map->keys);
    free(map->values);
    map->keys = NULL;
    map->values = NULL;
    map->used = map->filled = map->capacity = 0;
}

typedef struct {
    double neg_value;
    int64_t lo, hi, version_lo, version_hi;
} Entry;

static inline int entry_less(const Entry *x, const Entry *y) {
    if (x->neg_value != y->neg_value) return x->neg_value < y->neg_value;
    if (x->lo != y->lo) return x->lo < y->lo;
    if (x->hi != y->hi) return x->hi < y->hi;
    if (x->version_lo != y->version_lo) return x->version_lo < y->version_lo;
    return x->version_hi < y->version_hi;
}

typedef struct {
    Entry *entries;
    Py_ssize_t count, capacity;
} Heap;

static int heap_push(Heap *heap, Entry entry) {
    if (heap->count == heap->capacity) {
        Py_ssize_t capacity = heap->capacity ? 2 * heap->capacity : 1024;
        Entry *grown = realloc(heap->entries, capacity * sizeof(Entry));
        if (grown == NULL) return -1;
        heap->entries = grown;
        heap->capacity = capacity;
    }
    Py_ssize_t at = heap->count++;
    while (at > 0) {
        Py_ssize_t up = (at - 1) / 2;
        if (!entry_less(&entry, &heap->entries[up])) break;
        heap->entries[at] = heap->entries[up];
        at = up;
    }
    heap->entries[at] = entry;
    return 0;
}

static Entry heap_pop(Heap *heap) {
    Entry top = heap->entries[0], last = heap->entries[--heap->count];
    Py_ssize_t at = 0;
    for (;;) {
        Py_ssize_t child = 2 * at + 1;
        if (child >= heap->count) break;
        if (child + 1 < heap->count && entry_less(&heap->entries[child + 1], &heap->entries[child])) child++;
        if (!entry_less(&heap->entries[child], &last)) break;
        heap->entries[at] = heap->entries[child];
        at = child;
    }
    if (heap->count > 0) heap->entries[at] = last;
    return top;
}

typedef struct {
    double *total, *size, *day_sum, *day_sq, *rich_sum, *hood_sum;
    Py_ssize_t dims;
    double keep, two_tau_sq, headline, article, chance_weight;
} Clusters;

/* stories.average_linkage's ``linkage`` of clusters a and o, whose edge terms sum to ``sums``. */
static double linkage_of(const Clusters *c, int64_t a, int64_t o, double sums) {
    double pairs = c->size[a] * c->size[o];
    const double *ta = c->total + a * c->dims, *to = c->total + o * c->dims;
    /* eight running sums, not one: a chain of dependent additions waited on each one (its latency, ~4 cycles, per
     * dimension); the order is fixed, so a pair's value does not depend on which merge asks for it */
    double part[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    Py_ssize_t k = 0;
    for (; k + 8 <= c->dims; k += 8)
        for (int j = 0; j < 8; j++) part[j] += to[k + j] * ta[k + j];
    for (; k < c->dims; k++) part[0] += to[k] * ta[k];
    double dot = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
    double cosine = dot / pairs;
    double mean_a = c->day_sum[a] / c->size[a], mean_o = c->day_sum[o] / c->size[o];
    double var_a = c->day_sq[a] / c->size[a] - mean_a * mean_a, var_o = c->day_sq[o] / c->size[o] - mean_o * mean_o;
    var_a = var_a > 0.0 ? var_a : 0.0;
    var_o = var_o > 0.0 ? var_o : 0.0;
    double gap = mean_a - mean_o;
    double penalty = (gap * gap + var_a + var_o) / c->two_tau_sq;
    double theta = c->headline + (c->article - c->headline) * (c->rich_sum[a] / c->size[a] + c->rich_sum[o] / c->size[o]) / 2;
    double chance = c->chance_weight * c->hood_sum[a] * c->hood_sum[o] / pairs;
    return c->keep * (cosine - penalty) + sums / pairs - chance - theta;
}

/* Pushes the linkage of cluster a to every neighbour that reaches 0; -1 when out of memory. */
static int push_linkages(const Clusters *c, const Neighbours *map, int64_t a, const int64_t *version, Heap *heap,
                         int only_higher) {
    for (Py_ssize_t i = 0; i < map->capacity; i++) {
        int64_t other = map->keys[i];
        if (other < 0 || (only_higher && other < a)) continue;
        double value = linkage_of(c, a, other, map->values[i]);
        if (!(value >= 0)) continue;
        int64_t lo = a < other ? a : other, hi = a < other ? other : a;
        Entry entry = {-value, lo, hi, version[lo], version[hi]};
        if (heap_push(heap, entry) < 0) return -1;
    }
    return 0;
}

static int run_linkage(Clusters *c, Py_ssize_t n, const int64_t *rows, const int64_t *cols, const double *extra,
                       Py_ssize_t edges, int64_t *parent) {
    Neighbours *adjacency = calloc(n, sizeof(Neighbours));
    int64_t *version = calloc(n, sizeof(int64_t));
    uint8_t *alive = malloc(n);
    Heap heap = {0};
    int failed = adjacency == NULL || version == NULL || alive == NULL;
    for (Py_ssize_t i = 0; i < n && !failed; i++) {
        alive[i] = 1;
        parent[i] = i;
    }
    for (Py_ssize_t e = 0; e < edges && !failed; e++) {
        int64_t a = rows[e], b = cols[e];
        if (a == b) continue;
        Py_ssize_t ab = neighbours_slot(&adjacency[a], b), ba = ab < 0 ? -1 : neighbours_slot(&adjacency[b], a);
        failed = ab < 0 || ba < 0;
        if (!failed) {
            adjacency[a].values[ab] += extra[e];
            adjacency[b].values[ba] += extra[e];
        }
    }
    for (Py_ssize_t a = 0; a < n && !failed; a++) failed = push_linkages(c, &adjacency[a], a, version, &heap, 1) < 0;
    while (heap.count && !failed) {
        Entry entry = heap_pop(&heap);
        int64_t a = entry.lo, b = entry.hi;
        if (!alive[a] || !alive[b] || version[a] != entry.version_lo || version[b] != entry.version_hi) continue;
        int a_keeps = adjacency[a].used > adjacency[b].used || (adjacency[a].used == adjacency[b].used && a <= b);
        int64_t keep = a_keeps ? a : b, gone = a_keeps ? b : a;
        alive[gone] = 0;
        parent[gone] = keep;
        c->size[keep] += c->size[gone];
        for (Py_ssize_t k = 0; k < c->dims; k++) c->total[keep * c->dims + k] += c->total[gone * c->dims + k];
        c->day_sum[keep] += c->day_sum[gone];
        c->day_sq[keep] += c->day_sq[gone];
        c->rich_sum[keep] += c->rich_sum[gone];
        c->hood_sum[keep] += c->hood_sum[gone];
        Neighbours *kept = &adjacency[keep], *merged = &adjacency[gone];
        neighbours_remove(kept, gone);
        for (Py_ssize_t i = 0; i < merged->capacity && !failed; i++) {
            int64_t other = merged->keys[i];
            if (other < 0 || other == keep) continue;
            neighbours_remove(&adjacency[other], gone);
            Py_ssize_t to_other = neighbours_slot(kept, other);
            Py_ssize_t to_keep = to_other < 0 ? -1 : neighbours_slot(&adjacency[other], keep);
            failed = to_other < 0 || to_keep < 0;
            if (!failed) adjacency[other].values[to_keep] = kept->values[to_other] += merged->values[i];
        }
        neighbours_clear(merged);
        version[keep]++;
        if (!failed) failed = push_linkages(c, kept, keep, version, &heap, 0) < 0;
    }
    for (Py_ssize_t i = 0; adjacency != NULL && i < n; i++) neighbours_clear(&adjacency[i]);
    free(adjacency);
    free(version);
    free(alive);
    free(heap.entries);
    return failed ? -1 : 0;
}

/* Takes ``count`` C-contiguous buffers of the arguments, args[k] writable where ``writable[k]``, each a whole
 * number of ``item[k]``-byte items; ``nargs`` must be ``count``. ``*held`` counts the views taken, which the caller
 * releases, also when this fails (-1, with the error set). */
static int views_get(PyObject *const *args, Py_ssize_t nargs, int count, const int *writable, const Py_ssize_t *item,
                     Py_buffer *views, int *held, const char *name) {
    *held = 0;
    if (nargs != count) {
        PyErr_Format(PyExc_TypeError, "%s takes %d arguments (%zd given)", name, count, nargs);
        return -1;
    }
    for (; *held < count; (*held)++) {
        int k = *held;
        if (PyObject_GetBuffer(args[k], &views[k], PyBUF_C_CONTIGUOUS | (writable[k] ? PyBUF_WRITABLE : 0)) < 0)
            return -1;
        if (views[k].len % item[k] != 0) {
            (*held)++;
            PyErr_Format(PyExc_ValueError, "%s: argument %d is not of %zd-byte items", name, k + 1, item[k]);
            return -1;
        }
    }
    return 0;
}

PyDoc_STRVAR(average_linkage_doc,
    "average_linkage(total, size, day_sum, day_sq, rich_sum, hood_sum, rows, cols, extra, params, parent)\n\n"
    "stories.average_linkage's merge loop. The cluster sums (float64; ``total`` is n x dims) start as the articles'\n"
    "own and are updated in place; rows, cols (int64) and extra (float64) are the edges; params (float64) holds\n"
    "keep, 2 tau^2, the headline and article thresholds and the chance weight. Writes each article's parent\n"
    "(int64; roots point to themselves).");

static PyObject *average_linkage(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer views[11];
    int held;
    PyObject *result = NULL;
    static const int writable[11] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1};
    static const Py_ssize_t item[11] = {8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};
    if (views_get(args, nargs, 11, writable, item, views, &held, "average_linkage") < 0) goto done;
    Py_ssize_t n = views[1].len / 8, edges = views[6].len / 8;
    int fits = n > 0 && views[0].len % (n * 8) == 0 && views[10].len / 8 == n && views[7].len / 8 == edges
               && views[8].len / 8 == edges && views[9].len / 8 == 5;
    for (int k = 2; k < 6; k++) fits = fits && views[k].len / 8 == n;
    if (!fits) {
        PyErr_SetString(PyExc_ValueError, "average_linkage: the cluster sums, edges and params do not fit together");
        goto done;
    }
    const int64_t *rows = views[6].buf, *cols = views[7].buf;
    for (Py_ssize_t e = 0; e < edges; e++)
        if (rows[e] < 0 || rows[e] >= n || cols[e] < 0 || cols[e] >= n) {
            PyErr_SetString(PyExc_ValueError, "average_linkage: an edge names no article");
            goto done;
        }
    const double *params = views[9].buf;
    Clusters c = {views[0].buf, views[1].buf, views[2].buf, views[3].buf, views[4].buf, views[5].buf,
                  views[0].len / (n * 8), params[0], params[1], params[2], params[3], params[4]};
    int failed;
    Py_BEGIN_ALLOW_THREADS
    failed = run_linkage(&c, n, rows, cols, views[8].buf, edges, views[10].buf);
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    for (int k = 0; k < held; k++) PyBuffer_Release(&views[k]);
    return result;
}

/* ---- MurmurHash3 of whole strings ----------------------------------------------------------------------- */

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

/* MurmurHash3_x86_32 of ``length`` bytes with seed 0: what scikit-learn's murmurhash3_32(term, seed=0) gives the
 * term's UTF-8 bytes (read as an int32). */
static uint32_t murmur3_32(const uint8_t *bytes, Py_ssize_t length) {
    const uint32_t c1 = 0xCC9E2D51U, c2 = 0x1B873593U;
    uint32_t h = 0, k;
    Py_ssize_t blocks = length / 4;
    for (Py_ssize_t i = 0; i < blocks; i++) {
        memcpy(&k, bytes + 4 * i, 4);  /* little-endian blocks, as on every platform the wheel is built for */
        k = rotl32(k * c1, 15) * c2;
        h = rotl32(h ^ k, 13) * 5 + 0xE6546B64U;
    }
    const uint8_t *tail = bytes + 4 * blocks;
    k = 0;
    switch (length & 3) {
        case 3: k ^= (uint32_t)tail[2] << 16; /* fall through */
        case 2: k ^= (uint32_t)tail[1] << 8;  /* fall through */
        case 1: k ^= tail[0]; h ^= rotl32(k * c1, 15) * c2;
    }
    return fmix32(h ^ (uint32_t)length);
}

PyDoc_STRVAR(murmur_hashes_doc,
    "murmur_hashes(data, doc_starts, out)\n\n"
    "MurmurHash3_x86_32 (seed 0) of each text's UTF-8 bytes, as int32 into out: scikit-learn's\n"
    "murmurhash3_32(text, seed=0), which HashingVectorizer uses for its columns.");

static PyObject *murmur_hashes(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Buffers b;
    static const Py_ssize_t sizes[1] = {4};
    PyObject *result = NULL;
    if (buffers_get(args, nargs, 3, 1, sizes, &b, "murmur_hashes") < 0) goto done;
    Py_ssize_t docs = docs_of(&b);
    if (out_fits(&b, 0, docs, 4, "murmur_hashes") < 0) goto done;
    const int64_t *starts = b.doc_starts.buf;
    const uint8_t *data = b.data.buf;
    uint32_t *out = b.out[0].buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t d = 0; d < docs; d++) out[d] = murmur3_32(data + starts[d], starts[d + 1] - starts[d]);
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    buffers_release(&b);
    return result;
}

/* ---- dot products of pairs of rows of a sparse matrix ---------------------------------------------------- */

PyDoc_STRVAR(sparse_pair_dots_doc,
    "sparse_pair_dots(indptr, indices, data, rows, cols, out)\n\n"
    "out[p] = row rows[p] . row cols[p] of a CSR matrix with sorted column indices: indptr (int64), indices\n"
    "(int32), data (float32), rows and cols (int64), out (float64). The products are summed in float64 in column\n"
    "order, so a pair's value does not depend on the other pairs asked for. Row rows[p] is spread into a dense row\n"
    "once for all the consecutive pairs that share it (give pairs sorted by rows), and each pair reads row cols[p]'s\n"
    "entries against it: one load per entry, where merging the two rows' columns branched on every step of both.");

static PyObject *sparse_pair_dots(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer views[6];
    int held;
    PyObject *result = NULL;
    float *dense = NULL;
    static const int writable[6] = {0, 0, 0, 0, 0, 1};
    static const Py_ssize_t item[6] = {8, 4, 4, 8, 8, 8};
    if (views_get(args, nargs, 6, writable, item, views, &held, "sparse_pair_dots") < 0) goto done;
    Py_ssize_t n_rows = views[0].len / 8 - 1, nnz = views[1].len / 4, pairs = views[3].len / 8;
    const int64_t *indptr = views[0].buf, *rows = views[3].buf, *cols = views[4].buf;
    if (n_rows < 0 || views[2].len / 4 != nnz || views[4].len / 8 != pairs || views[5].len / 8 != pairs
        || indptr[0] != 0 || indptr[n_rows] != nnz) {
        PyErr_SetString(PyExc_ValueError, "sparse_pair_dots: the matrix, pairs and output do not fit together");
        goto done;
    }
    for (Py_ssize_t r = 0; r < n_rows; r++)
        if (indptr[r] > indptr[r + 1]) {
            PyErr_SetString(PyExc_ValueError, "sparse_pair_dots: indptr must be non-decreasing");
            goto done;
        }
    for (Py_ssize_t p = 0; p < pairs; p++)
        if (rows[p] < 0 || rows[p] >= n_rows || cols[p] < 0 || cols[p] >= n_rows) {
            PyErr_SetString(PyExc_ValueError, "sparse_pair_dots: a pair names no row");
            goto done;
        }
    const int32_t *indices = views[1].buf;
    int64_t n_cols = 1;
    for (Py_ssize_t e = 0; e < nnz; e++) {
        if (indices[e] < 0) {
            PyErr_SetString(PyExc_ValueError, "sparse_pair_dots: a column index is negative");
            goto done;
        }
        if (indices[e] >= n_cols) n_cols = (int64_t)indices[e] + 1;
    }
    dense = calloc((size_t)n_cols, sizeof(float));
    if (dense == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const float *data = views[2].buf;
    double *out = views[5].buf;
    Py_BEGIN_ALLOW_THREADS
    int64_t spread = -1;  /* the row held in dense */
    for (Py_ssize_t p = 0; p < pairs; p++) {
        if (rows[p] != spread) {
            if (spread >= 0)
                for (int64_t e = indptr[spread]; e < indptr[spread + 1]; e++) dense[indices[e]] = 0.0f;
            spread = rows[p];
            for (int64_t e = indptr[spread]; e < indptr[spread + 1]; e++) dense[indices[e]] = data[e];
        }
        /* columns row rows[p] lacks read 0 and add +-0.0, which leaves a sum of positive or negative products as
         * it is: the sum is the merge's, product for product in column order */
        double sum = 0.0;
        for (int64_t e = indptr[cols[p]]; e < indptr[cols[p] + 1]; e++)
            sum += (double)dense[indices[e]] * (double)data[e];
        out[p] = sum;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    free(dense);
    for (int k = 0; k < held; k++) PyBuffer_Release(&views[k]);
    return result;
}

/* Best lists: per owner (a row, or a column of the products), take (index, score) pairs, best first (scores
 * descending, ties to the lower index). A score is the product minus a penalty >= 0, so a cell whose product does not
 * reach a list's bound cannot enter it: the bound is the list's take-th score once it is full, or the floor given
 * (a score the owner's final take-th best is known to reach), rounded down to float32 so that no cell that could
 * enter is skipped. Cells are tested against the bounds many at a time (loops the compiler turns into vector
 * compares); only the rare cells that pass are scored in float64, as numpy scores them, and inserted (cells are
 * scanned in index order and equal scores stay behind, so ties go to the lower index). */
#define BEST_RUN 32    /* cells of one row tested against its bound at once */
#define BEST_STRIP 16  /* columns whose lists are filled together when the products are read down their columns */

typedef struct {
    int64_t *index;
    double *score;
    double floor;
    Py_ssize_t filled;
    float bound;
} BestList;

static inline float bound_below(double score) {
    float bound = (float)score;
    return (double)bound > score ? nextafterf(bound, -INFINITY) : bound;
}

static inline void list_start(BestList *list, int64_t *index, double *score, double floor) {
    list->index = index;
    list->score = score;
    list->floor = floor;
    list->filled = 0;
    list->bound = floor == -INFINITY ? -INFINITY : bound_below(floor);
}

/* The cell's score for this owner: product - gap*gap/2, gap = (owner day - other day) / tau, -inf beyond window. */
static inline void list_offer(BestList *list, Py_ssize_t take, float product, double owner_day, double other_day,
                              double tau, double window, int64_t at_index) {
    double gap = (owner_day - other_day) / tau;
    double penalty = 0.5 * gap;
    penalty = penalty * gap;
    double score = fabs(gap) > window ? -INFINITY : (double)product - penalty;
    if (score < list->floor || (list->filled == take && !(score > list->score[take - 1]))) return;
    Py_ssize_t at = list->filled < take ? list->filled++ : take - 1;
    while (at > 0 && score > list->score[at - 1]) {
        list->score[at] = list->score[at - 1];
        list->index[at] = list->index[at - 1];
        at--;
    }
    list->score[at] = score;
    list->index[at] = at_index;
    if (list->filled == take) {
        float bound = bound_below(list->score[take - 1]);
        if (bound > list->bound) list->bound = bound;
    }
}

static inline void list_finish(BestList *list, Py_ssize_t take) {
    for (Py_ssize_t at = list->filled; at < take; at++) {
        list->score[at] = -INFINITY;
        list->index[at] = 0;
    }
}

static void best_of_row(const float *product, Py_ssize_t width, double row_day, const double *column_days,
                        int64_t own, double tau, double window, Py_ssize_t take, BestList *list) {
    for (Py_ssize_t start = 0; start < width; start += BEST_RUN) {
        Py_ssize_t stop = start + BEST_RUN < width ? start + BEST_RUN : width;
        float bound = list->bound;
        if (bound > -INFINITY && stop - start == BEST_RUN) {
            int any = 0;
            for (int c = 0; c < BEST_RUN; c++) any |= product[start + c] >= bound;
            if (!any) continue;
        }
        for (Py_ssize_t c = start; c < stop; c++)
            if (c != own && product[c] >= list->bound)
                list_offer(list, take, product[c], row_day, column_days[c], tau, window, c);
    }
}

/* Columns j0:j0+strip of the products, read row by row (one cache line of each row per strip), each column filling
 * its own list of the best rows. */
static void best_of_strip(const float *products, Py_ssize_t rows, Py_ssize_t width, Py_ssize_t j0, Py_ssize_t strip,
                          const double *row_days, const double *column_days, double tau, double window,
                          Py_ssize_t take, BestList *lists) {
    float bounds[BEST_STRIP];
    for (Py_ssize_t r = 0; r < rows; r++) {
        const float *product = products + r * width + j0;
        for (int s = 0; s < BEST_STRIP; s++) bounds[s] = s < strip ? lists[s].bound : INFINITY;
        if (strip == BEST_STRIP) {
            int any = 0;
            for (int s = 0; s < BEST_STRIP; s++) any |= product[s] >= bounds[s];
            if (!any) continue;
        }
        for (Py_ssize_t s = 0; s < strip; s++)
            if (product[s] >= lists[s].bound)
                list_offer(&lists[s], take, product[s], column_days[j0 + s], row_days[r], tau, window, r);
    }
}

PyDoc_STRVAR(best_columns_doc,
    "best_columns(products, row_days, column_days, own, floors, params, columns, scores)\n\n"
    "Per row of the float32 (rows, width) products, its best columns. row_days (float64) holds one day per row,\n"
    "column_days (float64) one per column, own (int64) each row's own column (-1 for none), floors (float64) a score\n"
    "each row's final take-th best is known to reach (-inf: none), params (float64) time_scale_days and window_taus.\n"
    "A cell scores product - gap*gap/2 with gap = (row day - column day) / tau (-inf beyond window_taus; the own\n"
    "column is never taken). Writes the take = len(columns) / rows best columns (int64) scoring at least the floor\n"
    "and their scores (float64) per row, best first, ties to the lower column, padded with scores of -inf.");

PyDoc_STRVAR(best_rows_doc,
    "best_rows(products, row_days, column_days, floors, params, rows_out, scores)\n\n"
    "best_columns of the transposed products without transposing them: per column of the float32 (rows, width)\n"
    "products, its best rows (rows_out and scores are width x take; floors one per column; no own cell).");

/* The products (float32) first, the outputs (int64, float64) last and writable, every other argument float64. */
static int best_views(PyObject *const *args, Py_ssize_t nargs, int count, Py_buffer *views, int *held,
                      const char *name) {
    int writable[8];
    Py_ssize_t item[8];
    for (int k = 0; k < count; k++) {
        writable[k] = k >= count - 2;
        item[k] = k == 0 ? 4 : 8;
    }
    return views_get(args, nargs, count, writable, item, views, held, name);
}

static PyObject *best_columns(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer views[8];
    int held;
    PyObject *result = NULL;
    if (best_views(args, nargs, 8, views, &held, "best_columns") < 0) goto done;
    Py_ssize_t rows = views[1].len / 8, width = views[2].len / 8;
    Py_ssize_t take = rows > 0 ? views[6].len / 8 / rows : 0;
    if (views[0].len / 4 != rows * width || views[3].len / 8 != rows || views[4].len / 8 != rows
        || views[5].len / 8 != 2 || views[6].len / 8 != rows * take || views[7].len / 8 != rows * take) {
        PyErr_SetString(PyExc_ValueError, "best_columns: the products, days, own columns and outputs do not fit together");
        goto done;
    }
    const float *products = views[0].buf;
    const double *row_days = views[1].buf, *column_days = views[2].buf, *floors = views[4].buf;
    const double *params = views[5].buf;
    const int64_t *own = views[3].buf;
    int64_t *columns = views[6].buf;
    double *scores = views[7].buf;
    if (take > 0) {
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t r = 0; r < rows; r++) {
            BestList list;
            list_start(&list, columns + r * take, scores + r * take, floors[r]);
            best_of_row(products + r * width, width, row_days[r], column_days, own[r], params[0], params[1], take,
                        &list);
            list_finish(&list, take);
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    for (int k = 0; k < held; k++) PyBuffer_Release(&views[k]);
    return result;
}

static PyObject *best_rows(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer views[7];
    int held;
    PyObject *result = NULL;
    if (best_views(args, nargs, 7, views, &held, "best_rows") < 0) goto done;
    Py_ssize_t rows = views[1].len / 8, width = views[2].len / 8;
    Py_ssize_t take = width > 0 ? views[5].len / 8 / width : 0;
    if (views[0].len / 4 != rows * width || views[3].len / 8 != width || views[4].len / 8 != 2
        || views[5].len / 8 != width * take || views[6].len / 8 != width * take) {
        PyErr_SetString(PyExc_ValueError, "best_rows: the products, days, floors and outputs do not fit together");
        goto done;
    }
    const float *products = views[0].buf;
    const double *row_days = views[1].buf, *column_days = views[2].buf, *floors = views[3].buf;
    const double *params = views[4].buf;
    int64_t *index = views[5].buf;
    double *scores = views[6].buf;
    if (take > 0) {
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t j0 = 0; j0 < width; j0 += BEST_STRIP) {
            Py_ssize_t strip = j0 + BEST_STRIP < width ? BEST_STRIP : width - j0;
            BestList lists[BEST_STRIP];
            for (Py_ssize_t s = 0; s < strip; s++)
                list_start(&lists[s], index + (j0 + s) * take, scores + (j0 + s) * take, floors[j0 + s]);
            best_of_strip(products, rows, width, j0, strip, row_days, column_days, params[0], params[1], take, lists);
            for (Py_ssize_t s = 0; s < strip; s++) list_finish(&lists[s], take);
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_NewRef(Py_None);
done:
    for (int k = 0; k < held; k++) PyBuffer_Release(&views[k]);
    return result;
}

PyDoc_STRVAR(merge_best_doc,
    "merge_best(columns, scores, more_columns, more_scores)\n\n"
    "Per row, the best of two lists of columns (int64) and scores (float64), rows x take each, both best first\n"
    "(scores descending, ties to the lower column, as best_columns writes them), written over the first, in that\n"
    "order. A cell is in at most one list, so the result does not depend on the order in which lists are merged.");

static PyObject *merge_best(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer views[4];
    int held;
    PyObject *result = NULL;
    int64_t *kept_columns = NULL;
    double *kept_scores = NULL;
    static const int writable[4] = {1, 1, 0, 0};
    static const Py_ssize_t item[4] = {8, 8, 8, 8};
    if (views_get(args, nargs, 4, writable, item, views, &held, "merge_best") < 0) goto done;
    Py_ssize_t cells = views[0].len / 8;
    Py_ssize_t take = views[0].ndim == 2 ? views[0].shape[1] : 0;
    int fits = take > 0 && cells % take == 0;
    for (int k = 1; k < 4; k++)
        fits = fits && views[k].len / 8 == cells && views[k].ndim == 2 && views[k].shape[1] == take;
    if (!fits) {
        PyErr_SetString(PyExc_ValueError, "merge_best: the two lists do not fit together (rows x take each)");
        goto done;
    }
    int64_t *columns = views[0].buf;
    double *scores = views[1].buf;
    const int64_t *more_columns = views[2].buf;
    const double *more_scores = views[3].buf;
    kept_columns = PyMem_Malloc(take * sizeof(int64_t));
    kept_scores = PyMem_Malloc(take * sizeof(double));
    if (kept_columns == NULL || kept_scores == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t first = 0; first < cells; first += take) {
        Py_ssize_t a = first, b = first;
        for (Py_ssize_t out = 0; out < take; out++) {
            int from_a = scores[a] > more_scores[b] || (scores[a] == more_scores[b] && columns[a] <= more_columns[b]);
            kept_columns[out] = from_a ? columns[a] : more_columns[b];
            kept_scores[out] = from_a ? scores[a++] : more_scores[b++];
        }
        memcpy(columns + first, kept_columns, take * sizeof(int64_t));
        memcpy(scores + first, kept_scores, take * sizeof(double));
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(kept_columns);
    PyMem_Free(kept_scores);
    for (int k = 0; k < held; k++) PyBuffer_Release(&views[k]);
    return result;
}

/* ---- hashed term counts of the lexical vectors (cluster/lexical.py) --------------------------------------- */

/* A growing array of ``size``-byte items. */
typedef struct {
    char *items;
    Py_ssize_t count, capacity, size;
} Grow;

static int grow_reserve(Grow *g, Py_ssize_t needed) {
    if (needed <= g->capacity) return 0;
    Py_ssize_t capacity = needed > 2 * g->capacity ? needed : 2 * g->capacity;
    char *items = realloc(g->items, capacity * g->size);
    if (items == NULL) return -1;
    g->items = items;
    g->capacity = capacity;
    return 0;
}

static inline int grow_push_u32(Grow *g, uint32_t value) {
    if (g->count == g->capacity && grow_reserve(g, g->count + 1) < 0) return -1;
    ((uint32_t *)g->items)[g->count++] = value;
    return 0;
}

/* The grown items as a bytearray (a copy), or NULL with MemoryError set. */
static PyObject *grow_bytes(const Grow *g) {
    return PyByteArray_FromStringAndSize(g->count ? g->items : "", g->count * g->size);
}

/* The column HashingVectorizer gives a term: |murmurhash3_32(term, seed=0)| (as an int32) mod ``features``. */
static inline uint32_t hashed_column(const uint8_t *bytes, Py_ssize_t length, int64_t features) {
    int64_t h = (int32_t)murmur3_32(bytes, length);
    return (uint32_t)((h < 0 ? -h : h) % features);
}

/* The column of the bigram "a b", made in ``joined`` (grown to fit). */
static int bigram_column(const uint8_t *a, Py_ssize_t a_len, const uint8_t *b, Py_ssize_t b_len, int64_t features,
                         Grow *joined, uint32_t *column) {
    if (grow_reserve(joined, a_len + 1 + b_len) < 0) return -1;
    memcpy(joined->items, a, a_len);
    joined->items[a_len] = ' ';
    memcpy(joined->items + a_len + 1, b, b_len);
    *column = hashed_column((const uint8_t *)joined->items, a_len + 1 + b_len, features);
    return 0;
}

/* One text's columns (``columns``, emptied) sorted, each distinct one appended to ``indices`` (int32) with its
 * number of occurrences to ``counts`` (float32): the text's CSR row with duplicates summed. */
static int append_row(Grow *columns, Grow *scratch, Grow *indices, Grow *counts) {
    Py_ssize_t n = columns->count;
    if (grow_reserve(scratch, n) < 0 || grow_reserve(indices, indices->count + n) < 0
        || grow_reserve(counts, counts->count + n) < 0)
        return -1;
    uint32_t *values = (uint32_t *)columns->items;
    sort_u32(values, (uint32_t *)scratch->items, n);
    int32_t *out = (int32_t *)indices->items;
    float *tally = (float *)counts->items;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i > 0 && values[i] == values[i - 1]) {
            tally[counts->count - 1] += 1.0f;
            continue;
        }
        out[indices->count++] = (int32_t)values[i];
        tally[counts->count++] = 1.0f;
    }
    columns->count = 0;
    return 0;
}

/* Whether the character at data[i] is in a code point set (bit c of ``codes`` for a non-ASCII c, ``ascii`` for
 * bytes below 0x80); *length is its length in bytes. */
static inline int in_class(const uint8_t *data, Py_ssize_t i, Py_ssize_t hi, const uint8_t *codes,
                           const uint8_t *ascii, int *length) {
    uint8_t c = data[i];
    *length = 1;
    if (c < 0x80) return ascii[c];
    if (c < 0xC2) return 0;
    int32_t code = code_point_at(data, i, hi, length);
    if (code < 0 || code >= CODE_POINTS) {
        *length = (int)(hi - i);
        return 0;
    }
    return (codes[code >> 3] >> (code & 7)) & 1;
}

static uint8_t ASCII_WORD[128], ASCII_DIGIT[128], ASCII_LETTER[128];

static void init_ascii_classes(void) {
    for (int c = 0; c < 128; c++) {
        ASCII_LETTER[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        ASCII_DIGIT[c] = c >= '0' && c <= '9';
        ASCII_WORD[c] = ASCII_LETTER[c] || ASCII_DIGIT[c] || c == '_';
    }
}

/* The next word of data[*at:hi] as the pattern \b\w\w+\b finds it (a maximal run of at least two word characters,
 * ``word_codes`` the non-ASCII ones): 1 with its bounds, 0 when none is left. */
static int next_word(const uint8_t *data, Py_ssize_t *at, Py_ssize_t hi, const uint8_t *word_codes,
                     Py_ssize_t *start, Py_ssize_t *end) {
    Py_ssize_t i = *at;
    int length;
    while (i < hi) {
        if (!in_class(data, i, hi, word_codes, ASCII_WORD, &length)) {
            i += length;
            continue;
        }
        Py_ssize_t first = i, chars = 0;
        while (i < hi && in_class(data, i, hi, word_codes, ASCII_WORD, &length)) {
            i += length;
            chars++;
        }
        if (chars >= 2) {
            *start = first;
            *end = i;
            *at = i;
            return 1;
        }
    }
    *at = hi;
    return 0;
}

/* A set of byte strings (the stop words), by their MurmurHash3. */
typedef struct {
    const uint8_t *data;
    const int64_t *starts;
    int32_t *slots;
    Py_ssize_t mask;
} StringSet;

static int string_set_build(StringSet *set, const uint8_t *data, const int64_t *starts, Py_ssize_t n) {
    Py_ssize_t capacity = 16;
    while (capacity < 4 * n) capacity *= 2;
    set->data = data;
    set->starts = starts;
    set->mask = capacity - 1;
    set->slots = malloc(capacity * sizeof(int32_t));
    if (set->slots == NULL) return -1;
    for (Py_ssize_t k = 0; k < capacity; k++) set->slots[k] = -1;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t slot = murmur3_32(data + starts[k], starts[k + 1] - starts[k]) & set->mask;
        while (set->slots[slot] >= 0) slot = (slot + 1) & set->mask;
        set->slots[slot] = (int32_t)k;
    }
    return 0;
}

static int string_set_has(const StringSet *set, const uint8_t *bytes, Py_ssize_t length) {
    for (Py_ssize_t slot = murmur3_32(bytes, length) & set->mask; set->slots[slot] >= 0;
         slot = (slot + 1) & set->mask) {
        Py_ssize_t k = set->slots[slot];
        if (set->starts[k + 1] - set->starts[k] == length && memcmp(set->data + set->starts[k], bytes, length) == 0)
            return 1;
    }
    return 0;
}

/* Reads an int64 ``features`` argument (at least 1), or -1 with the error set. */
static int64_t features_argument(PyObject *arg, const char *name) {
    int64_t features = PyLong_Check(arg) ? PyLong_AsLongLong(arg) : -1;
    if (features < 1 && !PyErr_Occurred())
        PyErr_Format(PyExc_ValueError, "%s: features must be an int of at least 1", name);
    return PyErr_Occurred() ? -1 : features;
}

/* Whether a buffer of int64 offsets into ``length`` bytes (or items) is non-decreasing and in bounds. */
static int offsets_fit(const int64_t *offsets, Py_ssize_t n, Py_ssize_t length, const char *name) {
    for (Py_ssize_t k = 0; k < n; k++)
        if (offsets[k] < 0 || offsets[k] > offsets[k + 1] || offsets[k + 1] > length) {
            PyErr_Format(PyExc_ValueError, "%s: offsets must be non-decreasing and within their buffer", name);
            return 0;
        }
    return 1;
}

PyDoc_STRVAR(word_counts_doc,
    "word_counts(data, doc_starts, word_codes, stop_data, stop_starts, features, indptr) -> (indices, counts)\n\n"
    "HashingVectorizer(stop_words=..., ngram_range=(1, 2)) counts of lower-cased texts: words as \\b\\w\\w+\\b finds\n"
    "them (runs of at least two word characters: ASCII letters, digits and _, and the non-ASCII code points set in\n"
    "``word_codes``), stop words (``stop_data`` at int64 ``stop_starts``) removed, and the bigrams of consecutive\n"
    "remaining words, each term hashed to its column (lexical._murmur_columns). Writes the CSR row starts into\n"
    "``indptr`` (int64, texts + 1) and returns the columns (int32, sorted within a row) and their counts (float32)\n"
    "as bytearrays.");

static PyObject *word_counts(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer views[6];
    int held = 0;
    PyObject *result = NULL;
    Grow columns = {NULL, 0, 0, 4}, scratch = {NULL, 0, 0, 4}, indices = {NULL, 0, 0, 4}, counts = {NULL, 0, 0, 4},
         joined = {NULL, 0, 0, 1};
    StringSet stops = {NULL, NULL, NULL, 0};
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "word_counts takes 7 arguments (%zd given)", nargs);
        return NULL;
    }
    int64_t features = features_argument(args[5], "word_counts");
    if (features < 0) return NULL;
    PyObject *buffer_args[6] = {args[0], args[1], args[2], args[3], args[4], args[6]};
    static const int writable[6] = {0, 0, 0, 0, 0, 1};
    static const Py_ssize_t item[6] = {1, 8, 1, 1, 8, 8};
    if (views_get(buffer_args, 6, 6, writable, item, views, &held, "word_counts") < 0) goto done;
    Py_ssize_t docs = views[1].len / 8 - 1, n_stops = views[4].len / 8 - 1;
    if (docs < 0 || n_stops < 0 || views[5].len / 8 != docs + 1 || !is_code_set(views[2].len, "word_counts")) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "word_counts: the buffers do not fit together");
        goto done;
    }
    if (!offsets_fit(views[1].buf, docs, views[0].len, "word_counts")
        || !offsets_fit(views[4].buf, n_stops, views[3].len, "word_counts"))
        goto done;
    const uint8_t *data = views[0].buf, *word_codes = views[2].buf;
    const int64_t *doc_starts = views[1].buf;
    int64_t *indptr = views[5].buf;
    int failed = string_set_build(&stops, views[3].buf, views[4].buf, n_stops) < 0;
    Py_BEGIN_ALLOW_THREADS
    indptr[0] = 0;
    for (Py_ssize_t d = 0; d < docs && !failed; d++) {
        Py_ssize_t at = doc_starts[d], hi = doc_starts[d + 1], start, end, last_start = -1, last_end = -1;
        while (!failed && next_word(data, &at, hi, word_codes, &start, &end)) {
            if (string_set_has(&stops, data + start, end - start)) continue;
            failed = grow_push_u32(&columns, hashed_column(data + start, end - start, features)) < 0;
            if (!failed && last_start >= 0) {
                uint32_t column;
                failed = bigram_column(data + last_start, last_end - last_start, data + start, end - start, features,
                                       &joined, &column) < 0 || grow_push_u32(&columns, column) < 0;
            }
            last_start = start;
            last_end = end;
        }
        failed = failed || append_row(&columns, &scratch, &indices, &counts) < 0;
        indptr[d + 1] = indices.count;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject *out_indices = grow_bytes(&indices), *out_counts = out_indices ? grow_bytes(&counts) : NULL;
    if (out_counts != NULL) result = PyTuple_Pack(2, out_indices, out_counts);
    Py_XDECREF(out_indices);
    Py_XDECREF(out_counts);
done:
    free(stops.slots);
    free(columns.items);
    free(scratch.items);
    free(indices.items);
    free(counts.items);
    free(joined.items);
    for (int k = 0; k < held; k++) PyBuffer_Release(&views[k]);
    return result;
}

/* The next name-like token of data[*at:hi] as [A-Za-z][A-Za-z'’\-]+|\d{4} finds it (leftmost first: a run of
 * letters, apostrophes and hyphens after a letter, else four digits, ``digit_codes`` the non-ASCII ones): 1 with
 * its bounds, 0 when none is left. */
static int next_name_token(const uint8_t *data, Py_ssize_t *at, Py_ssize_t hi, const uint8_t *digit_codes,
                           Py_ssize_t *start, Py_ssize_t *end) {
    Py_ssize_t i = *at;
    int length;
    while (i < hi) {
        uint8_t c = data[i];
        if (c < 0x80 && ASCII_LETTER[c]) {
            Py_ssize_t j = i + 1;
            for (;;) {
                if (j < hi && data[j] < 0x80 && (ASCII_LETTER[data[j]] || data[j] == '\'' || data[j] == '-')) j++;
                else if (j + 2 < hi && data[j] == 0xE2 && data[j + 1] == 0x80 && data[j + 2] == 0x99) j += 3;
                else break;
            }
            if (j > i + 1) {
                *start = i;
                *end = *at = j;
                return 1;
            }
            i++;
            continue;
        }
        Py_ssize_t j = i;
        int digits = 0;
        while (digits < 4 && j < hi && in_class(data, j, hi, digit_codes, ASCII_DIGIT, &length)) {
            j += length;
            digits++;
        }
        if (digits == 4) {
            *start = i;
            *end = *at = j;
            return 1;
        }
        in_class(data, i, hi, digit_codes, ASCII_DIGIT, &length);
        i += length;
    }
    *at = hi;
    return 0;
}

/* Distinct lower-cased terms, numbered in order of first sight, with how often each was written capitalised. */
typedef struct {
    Grow data, starts, capital, lower, hashes;  /* bytes; int64 starts (terms + 1); int64 counts; uint64 hashes */
    int32_t *slots;
    Py_ssize_t mask;
} TermTable;

static int term_table_rehash(TermTable *t, Py_ssize_t capacity) {
    int32_t *slots = malloc(capacity * sizeof(int32_t));
    if (slots == NULL) return -1;
    for (Py_ssize_t k = 0; k < capacity; k++) slots[k] = -1;
    const uint64_t *hashes = (const uint64_t *)t->hashes.items;
    for (Py_ssize_t term = 0; term < t->hashes.count; term++) {
        Py_ssize_t slot = hashes[term] & (capacity - 1);
        while (slots[slot] >= 0) slot = (slot + 1) & (capacity - 1);
        slots[slot] = (int32_t)term;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = capacity - 1;
    return 0;
}

/* The number of ``term`` (lower-cased bytes), added when new; -1 when memory ran out. */
static Py_ssize_t term_table_add(TermTable *t, const uint8_t *term, Py_ssize_t length, int capital) {
    uint64_t hash = word_hash(term, length, length);
    const int64_t *starts = (const int64_t *)t->starts.items;
    Py_ssize_t slot = hash & t->mask;
    for (; t->slots[slot] >= 0; slot = (slot + 1) & t->mask) {
        Py_ssize_t k = t->slots[slot];
        if (((uint64_t *)t->hashes.items)[k] == hash && starts[k + 1] - starts[k] == length
            && memcmp(t->data.items + starts[k], term, length) == 0) {
            ((int64_t *)(capital ? t->capital.items : t->lower.items))[k]++;
            return k;
        }
    }
    Py_ssize_t k = t->hashes.count;
    if (grow_reserve(&t->data, t->data.count + length) < 0 || grow_reserve(&t->starts, k + 2) < 0
        || grow_reserve(&t->capital, k + 1) < 0 || grow_reserve(&t->lower, k + 1) < 0
        || grow_reserve(&t->hashes, k + 1) < 0)
        return -1;
    memcpy(t->data.items + t->data.count, term, length);
    t->data.count += length;
    ((int64_t *)t->starts.items)[k + 1] = t->data.count;
    t->starts.count = k + 2;
    ((int64_t *)t->capital.items)[k] = capital;
    ((int64_t *)t->lower.items)[k] = !capital;
    ((uint64_t *)t->hashes.items)[k] = hash;
    t->capital.count = t->lower.count = t->hashes.count = k + 1;
    t->slots[slot] = (int32_t)k;
    if (2 * t->hashes.count > t->mask && term_table_rehash(t, 2 * (t->mask + 1)) < 0) return -1;
    return k;
}

PyDoc_STRVAR(name_tokens_doc,
    "name_tokens(data, doc_starts, digit_codes, token_starts) -> (terms, term_starts, capital, lower, tokens)\n\n"
    "The name-like tokens of each text as [A-Za-z][A-Za-z'\\u2019\\-]+|\\d{4} finds them (``digit_codes``: the\n"
    "non-ASCII code points \\d matches), lower-cased (their letters are ASCII). Writes each text's first token into\n"
    "``token_starts`` (int64, texts + 1) and returns bytearrays: the distinct terms in order of first sight (UTF-8\n"
    "bytes and int64 starts, terms + 1), how often each was written capitalised (an A-Z first letter) and not\n"
    "(int64 each), and every token's term (int32).");

static PyObject *name_tokens(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer views[4];
    int held = 0;
    PyObject *result = NULL;
    static const int writable[4] = {0, 0, 0, 1};
    static const Py_ssize_t item[4] = {1, 8, 1, 8};
    TermTable table = {{NULL, 0, 0, 1}, {NULL, 0, 0, 8}, {NULL, 0, 0, 8}, {NULL, 0, 0, 8}, {NULL, 0, 0, 8}, NULL, 0};
    Grow tokens = {NULL, 0, 0, 4}, lowered = {NULL, 0, 0, 1};
    if (views_get(args, nargs, 4, writable, item, views, &held, "name_tokens") < 0) goto done;
    Py_ssize_t docs = views[1].len / 8 - 1;
    if (docs < 0 || views[3].len / 8 != docs + 1 || !is_code_set(views[2].len, "name_tokens")) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "name_tokens: the buffers do not fit together");
        goto done;
    }
    if (!offsets_fit(views[1].buf, docs, views[0].len, "name_tokens")) goto done;
    const uint8_t *data = views[0].buf, *digit_codes = views[2].buf;
    const int64_t *doc_starts = views[1].buf;
    int64_t *token_starts = views[3].buf;
    int failed = grow_reserve(&table.starts, 1) < 0 || term_table_rehash(&table, 1024) < 0;
    if (!failed) {
        ((int64_t *)table.starts.items)[0] = 0;
        table.starts.count = 1;
    }
    Py_BEGIN_ALLOW_THREADS
    token_starts[0] = 0;
    for (Py_ssize_t d = 0; d < docs && !failed; d++) {
        Py_ssize_t at = doc_starts[d], hi = doc_starts[d + 1], start, end;
        while (!failed && next_name_token(data, &at, hi, digit_codes, &start, &end)) {
            failed = grow_reserve(&lowered, end - start) < 0;
            if (failed) break;
            for (Py_ssize_t k = start; k < end; k++)
                lowered.items[k - start] = (char)(data[k] >= 'A' && data[k] <= 'Z' ? data[k] | 0x20 : data[k]);
            Py_ssize_t term = term_table_add(&table, (const uint8_t *)lowered.items, end - start,
                                             data[start] >= 'A' && data[start] <= 'Z');
            failed = term < 0 || grow_push_u32(&tokens, (uint32_t)term) < 0;
        }
        token_starts[d + 1] = tokens.count;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    Grow *parts[5] = {&table.data, &table.starts, &table.capital, &table.lower, &tokens};
    PyObject *made[5] = {NULL, NULL, NULL, NULL, NULL};
    int ok = 1;
    for (int k = 0; k < 5 && ok; k++) ok = (made[k] = grow_bytes(parts[k])) != NULL;
    if (ok) result = PyTuple_Pack(5, made[0], made[1], made[2], made[3], made[4]);
    for (int k = 0; k < 5; k++) Py_XDECREF(made[k]);
done:
    free(table.data.items);
    free(table.starts.items);
    free(table.capital.items);
    free(table.lower.items);
    free(table.hashes.items);
    free(table.slots);
    free(tokens.items);
    free(lowered.items);
    for (int k = 0; k < held; k++) PyBuffer_Release(&views[k]);
    return result;
}

PyDoc_STRVAR(name_counts_doc,
    "name_counts(terms, term_starts, is_name, tokens, token_starts, features, indptr) -> (indices, counts)\n\n"
    "Hashed counts of the names among the tokens ``name_tokens`` gave (``is_name``: uint8 per term) and of the\n"
    "bigrams of consecutive tokens of one text that are both names (\"lindsay lohan\"). Writes the CSR row starts\n"
    "into ``indptr`` (int64, texts + 1) and returns the columns (int32, sorted within a row) and their counts\n"
    "(float32) as bytearrays.");

static PyObject *name_counts(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer views[6];
    int held = 0;
    PyObject *result = NULL;
    Grow columns = {NULL, 0, 0, 4}, scratch = {NULL, 0, 0, 4}, indices = {NULL, 0, 0, 4}, counts = {NULL, 0, 0, 4},
         joined = {NULL, 0, 0, 1};
    uint32_t *term_columns = NULL;
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "name_counts takes 7 arguments (%zd given)", nargs);
        return NULL;
    }
    int64_t features = features_argument(args[5], "name_counts");
    if (features < 0) return NULL;
    PyObject *buffer_args[6] = {args[0], args[1], args[2], args[3], args[4], args[6]};
    static const int writable[6] = {0, 0, 0, 0, 0, 1};
    static const Py_ssize_t item[6] = {1, 8, 1, 4, 8, 8};
    if (views_get(buffer_args, 6, 6, writable, item, views, &held, "name_counts") < 0) goto done;
    Py_ssize_t terms = views[1].len / 8 - 1, docs = views[4].len / 8 - 1, n_tokens = views[3].len / 4;
    if (terms < 0 || docs < 0 || views[2].len != terms || views[5].len / 8 != docs + 1) {
        PyErr_SetString(PyExc_ValueError, "name_counts: the buffers do not fit together");
        goto done;
    }
    if (!offsets_fit(views[1].buf, terms, views[0].len, "name_counts")
        || !offsets_fit(views[4].buf, docs, n_tokens, "name_counts"))
        goto done;
    const uint8_t *data = views[0].buf, *is_name = views[2].buf;
    const int64_t *term_starts = views[1].buf, *token_starts = views[4].buf;
    const int32_t *tokens = views[3].buf;
    for (Py_ssize_t k = 0; k < n_tokens; k++)
        if (tokens[k] < 0 || tokens[k] >= terms) {
            PyErr_SetString(PyExc_ValueError, "name_counts: a token names no term");
            goto done;
        }
    int64_t *indptr = views[5].buf;
    int failed = (term_columns = malloc((terms + 1) * sizeof(uint32_t))) == NULL;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < terms && !failed; k++)
        if (is_name[k]) term_columns[k] = hashed_column(data + term_starts[k], term_starts[k + 1] - term_starts[k],
                                                        features);
    indptr[0] = 0;
    for (Py_ssize_t d = 0; d < docs && !failed; d++) {
        for (Py_ssize_t k = token_starts[d]; k < token_starts[d + 1] && !failed; k++) {
            int32_t term = tokens[k];
            if (!is_name[term]) continue;
            failed = grow_push_u32(&columns, term_columns[term]) < 0;
            int32_t before = k > token_starts[d] ? tokens[k - 1] : -1;
            if (!failed && before >= 0 && is_name[before]) {
                uint32_t column;
                failed = bigram_column(data + term_starts[before], term_starts[before + 1] - term_starts[before],
                                       data + term_starts[term], term_starts[term + 1] - term_starts[term], features,
                                       &joined, &column) < 0 || grow_push_u32(&columns, column) < 0;
            }
        }
        failed = failed || append_row(&columns, &scratch, &indices, &counts) < 0;
        indptr[d + 1] = indices.count;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject *out_indices = grow_bytes(&indices), *out_counts = out_indices ? grow_bytes(&counts) : NULL;
    if (out_counts != NULL) result = PyTuple_Pack(2, out_indices, out_counts);
    Py_XDECREF(out_indices);
    Py_XDECREF(out_counts);
done:
    free(term_columns);
    free(columns.items);
    free(scratch.items);
    free(indices.items);
    free(counts.items);
    free(joined.items);
    for (int k = 0; k < held; k++) PyBuffer_Release(&views[k]);
    return result;
}

PyDoc_STRVAR(tfidf_rows_doc,
    "tfidf_rows(indptr, indices, logs, column, idf, out_indptr, out_indices, out_data)\n\n"
    "lexical._tfidf's rows: for each entry of a CSR matrix (indptr int64, indices int32) whose term is kept\n"
    "(column[term] >= 0, int32), the weight (logs + 1) * idf[column] in float32 (logs: the entries' float32 natural\n"
    "logarithms, as numpy takes them), each row divided by its L2 norm (squares summed in float64 in column order;\n"
    "a row of zeros left as it is), into the output CSR arrays, which hold exactly the kept entries.");

static PyObject *tfidf_rows(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer views[8];
    int held = 0;
    PyObject *result = NULL;
    static const int writable[8] = {0, 0, 0, 0, 0, 1, 1, 1};
    static const Py_ssize_t item[8] = {8, 4, 4, 4, 4, 8, 4, 4};
    if (views_get(args, nargs, 8, writable, item, views, &held, "tfidf_rows") < 0) goto done;
    Py_ssize_t rows = views[0].len / 8 - 1, entries = views[1].len / 4, terms = views[3].len / 4;
    Py_ssize_t kept_columns = views[4].len / 4, room = views[6].len / 4;
    if (rows < 0 || views[2].len / 4 != entries || views[5].len / 8 != rows + 1 || views[7].len / 4 != room) {
        PyErr_SetString(PyExc_ValueError, "tfidf_rows: the buffers do not fit together");
        goto done;
    }
    const int64_t *indptr = views[0].buf;
    const int32_t *indices = views[1].buf, *column = views[3].buf;
    const float *logs = views[2].buf, *idf = views[4].buf;
    if (!offsets_fit(indptr, rows, entries, "tfidf_rows")) goto done;
    Py_ssize_t needed = 0;
    for (Py_ssize_t e = 0; e < indptr[rows]; e++) {
        if (indices[e] < 0 || indices[e] >= terms || column[indices[e]] >= kept_columns) {
            PyErr_SetString(PyExc_ValueError, "tfidf_rows: an entry names no term or no kept column");
            goto done;
        }
        needed += column[indices[e]] >= 0;
    }
    if (needed > room) {
        PyErr_SetString(PyExc_ValueError, "tfidf_rows: the outputs hold fewer entries than are kept");
        goto done;
    }
    int64_t *out_indptr = views[5].buf;
    int32_t *out_indices = views[6].buf;
    float *out_data = views[7].buf;
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t written = 0;
    out_indptr[0] = 0;
    for (Py_ssize_t r = 0; r < rows; r++) {
        Py_ssize_t first = written;
        double squares = 0.0;
        for (Py_ssize_t e = indptr[r]; e < indptr[r + 1]; e++) {
            int32_t c = column[indices[e]];
            if (c < 0) continue;
            float weight = (logs[e] + 1.0f) * idf[c];
            float square = weight * weight;
            squares += (double)square;
            out_indices[written] = c;
            out_data[written++] = weight;
        }
        double norm = sqrt(squares);
        if (norm == 0.0) norm = 1.0;
        for (Py_ssize_t k = first; k < written; k++) out_data[k] = (float)((double)out_data[k] / norm);
        out_indptr[r + 1] = written;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    for (int k = 0; k < held; k++) PyBuffer_Release(&views[k]);
    return result;
}

static PyMethodDef methods[] = {
    {"average_linkage", (PyCFunction)(void (*)(void))average_linkage, METH_FASTCALL, average_linkage_doc},
    {"best_columns", (PyCFunction)(void (*)(void))best_columns, METH_FASTCALL, best_columns_doc},
    {"best_rows", (PyCFunction)(void (*)(void))best_rows, METH_FASTCALL, best_rows_doc},
    {"code_points", (PyCFunction)(void (*)(void))code_points, METH_FASTCALL, code_points_doc},
    {"docs_holding", (PyCFunction)(void (*)(void))docs_holding, METH_FASTCALL, docs_holding_doc},
    {"merge_best", (PyCFunction)(void (*)(void))merge_best, METH_FASTCALL, merge_best_doc},
    {"name_counts", (PyCFunction)(void (*)(void))name_counts, METH_FASTCALL, name_counts_doc},
    {"name_tokens", (PyCFunction)(void (*)(void))name_tokens, METH_FASTCALL, name_tokens_doc},
    {"murmur_hashes", (PyCFunction)(void (*)(void))murmur_hashes, METH_FASTCALL, murmur_hashes_doc},
    {"signatures", (PyCFunction)(void (*)(void))signatures, METH_FASTCALL, signatures_doc},
    {"sparse_pair_dots", (PyCFunction)(void (*)(void))sparse_pair_dots, METH_FASTCALL, sparse_pair_dots_doc},
    {"shingles", (PyCFunction)(void (*)(void))shingles, METH_FASTCALL, shingles_doc},
    {"tfidf_rows", (PyCFunction)(void (*)(void))tfidf_rows, METH_FASTCALL, tfidf_rows_doc},
    {"last_shingles", (PyCFunction)(void (*)(void))last_shingles, METH_FASTCALL, last_shingles_doc},
    {"line_hashes", (PyCFunction)(void (*)(void))line_hashes, METH_FASTCALL, line_hashes_doc},
    {"word_bounds", (PyCFunction)(void (*)(void))word_bounds, METH_FASTCALL, word_bounds_doc},
    {"word_counts", (PyCFunction)(void (*)(void))word_counts, METH_FASTCALL, word_counts_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernel",
    "Words, word hashes and shingle hashes of normalised texts in one pass over their bytes (see cluster/tokens.py),\n"
    "the lexical vectors' hashed term counts (cluster/lexical.py) and the story engine's inner loops.",
    -1, methods,
};

PyMODINIT_FUNC PyInit__kernel(void) {
    init_byte_kinds();
    init_ascii_classes();
    return PyModule_Create(&module);
}
