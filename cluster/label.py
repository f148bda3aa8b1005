"""Labels an editor would write, grounded in the story's own headlines: its most representative headline, cut to
the words its coverage agrees on, then "round N" for a chain's rounds.

1. **Words.** Tokens of the story's headlines and leads; content words are those that are not stop words (English,
   plus words headlines use around any event: "says", "watch", "live") and not bare numbers, compared by their
   Snowball stem ("strike" and "strikes" meet).
2. **Weight** of a content word in a story: (headlines using it + ``LEAD_WEIGHT`` × leads using it) ×
   ``log(1 + stories / stories using it)``: class-based TF-IDF, so words every story of the run uses lose to the
   words that set this story apart.
3. **The representative headline**: the one whose distinct content words weigh most, divided by the square root of
   their number (a long headline is not more representative for saying more).
4. **Its words the coverage shares** stay: in a story of several articles, the content words at least
   ``MIN_SUPPORT`` of its headlines and leads use (an article's headline and lead both count); at most
   ``MAX_CONTENT_WORDS`` of them (a run of name words, "Grand Harbour", counts as one and is never cut; punctuation
   ends a run), by weight, and the lightest go while they hold more than ``label.max_words`` words; in the
   headline's order. A stop word between two kept words stays with them ("Bank of Valdoria"), within
   ``MAX_LABEL_WORDS`` words in all. Quote marks, pronouns and a headline's one-outlet asides go.
5. **Grammar**: nothing dangles. A verb in its base form ("to announce", "won't pay") keeps the word after it, its
   object, where ``label.max_words`` leaves room, or goes; a label does not end in a modifier whose noun was cut
   ("reopens after three-year"); the preposition after a verb stays when its phrase ends in a kept word ("resigns
   after harassment", "defeated by Brat"); a label ending in a possessive whose noun was cut loses the possessive
   ending ("greeting to Okonedo", not "to Okonedo's"), and one ending in an auxiliary ("won't", "will") loses it
   with the verb after it, so a negation never goes alone ("rules work" for "rules won't work"). Pronouns with a
   verb contracted onto them ("I'm", "we're") are never label words, as pronouns are not; a label that starts with
   an inflected verb whose subject was cut takes the subject back where ``label.max_words`` leaves room ("Trump
   invites Egypt's Sisi"). Word classes come from LemmInflect's bundled lexicon (``english.word_classes``).
6. **Case**: a word keeps its capital where the story writes it capitalised inside sentences (a name); words that
   only a Title Case headline capitalises are written in lower case. The first word is capitalised.

The constants were chosen on half of ``basil_dev`` (the even gold ids) and are reported on the other half and on the
sample's own gold names (``bench/labels_eval.py``, ``docs/stories.md``). Labels are made unique within a run
(``unique_labels``).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from .english import english_stem, english_stop_words, word_classes

LEAD_WEIGHT = 1.0  # a lead using a word counts as much as a headline; chosen on basil_dev half A
MIN_SUPPORT = 2  # headlines plus leads of a story that must use a word for it to stay in the label
MAX_CONTENT_WORDS = 4  # content words or whole names; chosen on basil_dev half A with label.max_words
MAX_LABEL_WORDS = 6  # joining words included, before "round N"; label.max_words (≤ 6) bounds the content words

_LABEL_STOP = {
    "says", "said", "say", "new", "news", "year", "years", "week", "day", "today", "yesterday", "tonight",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mr", "mrs", "ms", "dr",
    "watch", "live", "update", "updates", "breaking", "report", "reports", "exclusive", "video", "just",
    "told", "according", "including", "like", "set", "amid", "over", "after", "first", "second", "third",
    "fourth", "fifth", "round", "rounds", "opinion", "analysis", "explainer", "photos", "know",
    "hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion", "billions", "percent",  # amounts
    # verbs and fillers that headlines use around the event but that never name it
    "seen", "see", "sees", "tell", "tells", "make", "makes", "made", "take", "takes", "took", "get", "gets", "got",
    "give", "gives", "gave", "come", "comes", "came", "want", "wants", "knows", "look", "looks", "way",
    "thing", "things", "people", "time", "times", "use", "uses", "using", "used", "need", "needs", "case", "could",
    "would", "should", "might", "must", "will", "can", "may", "shake", "shakes", "keep", "keeps", "put", "puts",
}
_TOKEN = re.compile(r"[^\W_][\w'’.&*-]*")  # "*" inside: a bleeped word ("f***ing") is one token, not "f" + "ing"
_TOKEN_POLARS = r"[\p{L}\p{N}][\p{L}\p{N}_'’.&*-]*"  # the same in polars' regex: Python's \w is [\p{L}\p{N}_]
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_ABBREVIATION = re.compile(r"(?:[^\W\d_]\.){2,}")  # "U.S.", "D.C.": the last dot is the word's, not the sentence's
_CONTRACTION = re.compile(r"^(?P<word>\w+)['’](?:m|re|ve|ll|d)$")  # "I'm", "we're", "they'll"
_BREAK = re.compile(r"[,;:|()\[\]\"“”‘’!?—–]|\s-\s")  # between two tokens: they are not one phrase


@functools.cache
def _stop() -> frozenset[str]:
    return english_stop_words() | _LABEL_STOP


@dataclass(frozen=True)
class _Token:
    text: str  # as written, trailing dots and apostrophes off (an abbreviation keeps its dots)
    word: str  # lower-cased, possessive off
    stem: str | None  # the content word's stem; None for a stop word or a bare number
    key: str  # the stem of a content word, else the word: what name case is counted on
    capital: bool  # written with a capital first letter
    lower: bool  # written with a lower-case first letter


def _matches(text: str) -> Iterator[tuple[re.Match, _Token]]:
    """Each token of a text with the match it was read from."""
    for match in _TOKEN.finditer(text or ""):
        if (token := _token(match.group())) is not None:
            yield match, token


@functools.lru_cache(maxsize=1 << 18)
def _tokens(text: str) -> tuple[_Token, ...]:
    """The tokens of a text, as ``_matches`` reads them (cached, for as many headlines as a night of 100,000 articles
    has: a story's headlines are read several times, and 65,536 entries made them be read again from scratch).
    ``findall`` and a cached ``_token`` per string: no match object per token."""
    return tuple(token for token in map(_token, _TOKEN.findall(text or "")) if token is not None)


def _breaks(text: str) -> tuple[bool, ...]:
    """Per token of ``_tokens(text)``, whether punctuation that ends a phrase stands before it ("Brat, Tea Party": a
    break before "Tea"). Only a story's chosen headline needs it."""
    spans = [match.span() for match, _ in _matches(text)]
    return tuple(k > 0 and _BREAK.search(text[spans[k - 1][1] : start]) is not None
                 for k, (start, _) in enumerate(spans))


@functools.lru_cache(maxsize=1 << 18)
def _token(raw: str) -> _Token | None:
    """One token and, for a content word, its stem (cached: stemming was most of the labelling time)."""
    written = raw if _ABBREVIATION.fullmatch(raw) else raw.rstrip(".'’-")
    word = _POSSESSIVE.sub("", written.lower()).strip(".'’-")
    if not word:
        return None
    content = (word not in _stop() and len(word) > 1 and "*" not in word
               and not word.replace(".", "").replace(",", "").isdigit())
    stem = english_stem(word) if content else None
    return _Token(written, word, stem, stem or word, written[:1].isupper(), written[:1].islower())


def _title_case(title: str) -> bool:
    """Headlines in Title Case capitalise every word, so capitals there say nothing about names."""
    content = [t.text for t in _tokens(title) if t.stem]
    return len(content) >= 3 and sum(w[0].isupper() for w in content) >= 0.8 * len(content)


class _Story:
    """One story's headlines, with the support of each content word (headlines and leads using it) and how the story
    writes each word (``_StoryWords``)."""

    def __init__(self, titles: list[str], leads: list[str], words: _StoryWords) -> None:
        self.titles = [t for t in titles if t.strip()] or ([" ".join(leads[0].split()[:12])] if leads else [])
        self.headlines = [_tokens(t) for t in self.titles]
        self.in_titles = Counter(s for tokens in self.headlines for s in {t.stem for t in tokens if t.stem})
        self.in_leads = words.in_leads
        self.articles = max(len(titles), len(leads), 1)
        self.name_case = words.name_case

    def names_in(self, tokens: tuple[_Token, ...], title_case: bool) -> list[bool]:
        """Which tokens of a headline are names: as the story writes them inside sentences; in a sentence-case
        headline, a capital after its first word; in a Title Case one, nothing else."""
        names = []
        for k, token in enumerate(tokens):
            known = self.name_case.get(token.key)
            if known is None:
                known = not title_case and k > 0 and token.text[:1].isupper()
            names.append(known)
        return names

    @property
    def stems(self) -> set[str]:
        return set(self.in_titles) | set(self.in_leads)

    def support(self, stem: str) -> int:
        """Headlines and leads that use the word: an article using it in both counts twice, since its headline and
        lead agree that it matters (counting articles instead scored lower on basil_dev half A)."""
        return self.in_titles[stem] + self.in_leads[stem]


@dataclass(frozen=True)
class _StoryWords:
    """What a story's leads and sentence-case headlines say: ``in_leads``, how many leads use each content word's
    stem; ``name_case``, per key (``_Token.key``), whether the story writes it as a name inside sentences:
    capitalised more often than in lower case (a text's first word says nothing). Keys that only Title Case
    headlines write are not in it."""

    in_leads: Counter
    name_case: dict[str, bool]


def _story_words(texts: pl.DataFrame) -> dict[str, _StoryWords]:
    """``_StoryWords`` of each story of ``texts`` (``story_id, title, lead``), counted over all the stories at once:
    polars tokenises the texts with ``_TOKEN`` in its regex syntax and each distinct token is read once by
    ``_token``, the tokens ``_tokens`` gives text by text without a Python object per token (reading a night's
    20,000 leads one by one took 1.3 s)."""
    sentence_case = pl.Series([not _title_case(title or "") for title in texts["title"]], dtype=pl.Boolean)
    tokens = (pl.concat([texts.select("story_id", pl.col("lead").alias("text"), pl.lit(True).alias("lead")),
                         texts.filter(sentence_case).select("story_id", pl.col("title").alias("text"),
                                                            pl.lit(False).alias("lead"))])
              .lazy().with_row_index("row").with_columns(pl.col("text").fill_null("").str.extract_all(_TOKEN_POLARS))
              .explode("text").drop_nulls("text").collect())
    distinct = tokens["text"].unique().to_list()
    read = [(raw, token) for raw, token in zip(distinct, map(_token, distinct), strict=True) if token is not None]
    words = pl.DataFrame(
        {"text": [raw for raw, _ in read], "stem": [t.stem for _, t in read], "key": [t.key for _, t in read],
         "capital": [t.capital for _, t in read], "lower": [t.lower for _, t in read]},
        schema={"text": pl.String, "stem": pl.String, "key": pl.String, "capital": pl.Boolean, "lower": pl.Boolean},
    )
    tokens = tokens.join(words, on="text", how="inner", maintain_order="left")
    in_leads = (tokens.filter(pl.col("lead")).drop_nulls("stem").unique(["row", "stem"])
                .group_by("story_id", "stem").len().group_by("story_id").agg("stem", "len"))
    case = (tokens.with_columns(pl.col("capital") & ~pl.col("row").is_first_distinct())
            .group_by("story_id", "key").agg(pl.col("capital").sum(), pl.col("lower").sum())
            .filter((pl.col("capital") > 0) | (pl.col("lower") > 0))
            .group_by("story_id").agg("key", (pl.col("capital") > pl.col("lower")).alias("name")))
    stems = {story: Counter(dict(zip(stems, counts, strict=True))) for story, stems, counts in in_leads.iter_rows()}
    names = {story: dict(zip(keys, name, strict=True)) for story, keys, name in case.iter_rows()}
    return {story: _StoryWords(stems.get(story, Counter()), names.get(story, {}))
            for story in texts["story_id"].unique().to_list()}


def _label(story: _Story, weight, max_words: int) -> str:
    scored = [(math.fsum(weight(s) for s in sorted(stems)) / math.sqrt(len(stems)), -k) for k, tokens in
              enumerate(story.headlines) if (stems := {t.stem for t in tokens if t.stem})]
    if not scored:
        return UNTITLED
    headline = -max(scored)[1]
    tokens = story.headlines[headline]
    names = story.names_in(tokens, _title_case(story.titles[headline]))
    breaks = _breaks(story.titles[headline])
    units = _units(tokens, names, breaks)

    def unit_weight(unit: list[int]) -> float:
        return max(weight(tokens[k].stem) for k in unit)

    if story.articles > 1:
        kept = [u for u in units if max(story.support(tokens[k].stem) for k in u) >= MIN_SUPPORT]
    else:
        kept = list(units)
    if len(kept) < 2:
        kept = sorted(units, key=lambda u: -unit_weight(u))[:3]
    seen: set[str] = set()
    distinct = []
    for unit in sorted(kept):  # a word once, in its first place
        stems = {tokens[k].stem for k in unit}
        if not stems <= seen:
            distinct.append(unit)
            seen |= stems
    while True:
        by_weight = sorted(distinct, key=lambda u: (-unit_weight(u), u[0]))[:MAX_CONTENT_WORDS]
        while len(by_weight) > 1 and sum(map(len, by_weight)) > max_words:  # whole names go, never half of one
            by_weight.pop()
        positions = _with_joining_words(tokens, breaks, sorted(k for unit in by_weight for k in unit))
        verb = _dangling_verb(tokens, breaks, positions, names)
        k = verb if verb is not None else _dangling_modifier(tokens, breaks, positions, names)
        words = sum(map(len, by_weight))
        room = len(positions) < MAX_LABEL_WORDS and words < max_words
        subject = _cut_subject(tokens, breaks, positions, names, units) if k is None else None
        if subject and words + len(subject) <= max_words and len(positions) + len(subject) <= MAX_LABEL_WORDS:
            positions = sorted([*positions, *subject])  # "[Trump] invites Egypt's Sisi": who does it, where room
            words += len(subject)
        if k is None or len(distinct) == 1:
            return _finished(positions, tokens, names, breaks, units, room=words < max_words)
        if (verb is not None and tokens[k + 1].stem and not breaks[k + 1] and room
                and not _bare_possessive(tokens, breaks, [k + 1])):
            return _cased(sorted([*positions, k + 1]), tokens, names)  # its object: "to announce decision"
        gone = {k, k + 1} if _auxiliary(tokens[k].word) else {k}  # an auxiliary takes its verb: "rules [won't] work"
        distinct = ([u for u in distinct if not gone & set(u)]  # else it goes: "Clinton listen trade" is no label
                    or [u for u in distinct if k not in u])


def _finished(positions: list[int], tokens: tuple[_Token, ...], names: list[bool], breaks: tuple[bool, ...],
              units: list[list[int]], room: bool) -> str:
    """The label of ``positions``, where it ends in a possessive whose noun was cut (``_bare_possessive``) with that
    noun where there is ``room`` ("Trump's nominee"), or without the ending ("for Ibrahim Halawa"), except after a
    verb: the possessor would read as its object ("fined apprentice" for "fined over apprentice's death"), and a
    dangling possessive is the lesser harm."""
    if not _bare_possessive(tokens, breaks, positions):
        return _cased(positions, tokens, names)
    end = positions[-1]
    if room and len(positions) < MAX_LABEL_WORDS and not _modifier(tokens[end + 1].word):  # not "Asia's top"
        return _cased([*positions, end + 1], tokens, names)
    return _cased(positions, tokens, names, bare_last=not _after_verb(tokens, names, positions, units))


_MODALS = frozenset({"to", "will", "won't", "wont", "would", "can", "can't", "cannot", "could", "must", "should",
                     "may", "might", "not", "don't", "doesn't", "didn't", "shall"})


def _can_be_verb(word: str) -> bool:
    return bool(word_classes(word).get("VERB"))


@functools.lru_cache(maxsize=1 << 16)
def _only_a_base_verb(word: str) -> tuple[bool, bool]:
    """Whether a lower-case spelling can be a verb in its base form, and whether that is all it can be."""
    classes = word_classes(word)
    base = word in classes.get("VERB", ())
    return base, base and set(classes) <= {"VERB", "AUX"}


def _bare_verb(tokens: tuple[_Token, ...], names: list[bool], k: int) -> bool:
    """Whether a headline's word ``k`` is a verb in its base form ("to listen", "won't pay"), which means nothing
    without its object. A spelling that can only be a base-form verb is one anywhere ("announce"); one that can be
    a noun as well ("pay", "cut") only after "to" or a modal."""
    if names[k] or not tokens[k].stem:
        return False
    base, only = _only_a_base_verb(tokens[k].word)
    return only or (base and k > 0 and tokens[k - 1].word in _MODALS)


def _dangling_verb(tokens: tuple[_Token, ...], breaks: tuple[bool, ...], positions: list[int],
                   names: list[bool]) -> int | None:
    """The first base-form verb of a label whose object the label cut: the headline goes on after it, and the
    label's next word is not the next word of its phrase ("Steele to announce [decision]", "Clinton listen [to
    Democrats on] trade"). Content words between it and the next kept word are modifiers of that word ("agree
    [£6.8bn all-share] merger"), so they do not make it dangle."""
    for n, k in enumerate(positions):
        if k + 1 >= len(tokens) or breaks[k + 1] or not _bare_verb(tokens, names, k):
            continue
        following = positions[n + 1] if n + 1 < len(positions) else None
        if following is None or any(not tokens[g].stem or breaks[g] for g in range(k + 1, following + 1)):
            return k
    return None


def _cut_subject(tokens: tuple[_Token, ...], breaks: tuple[bool, ...], positions: list[int], names: list[bool],
                 units: list[list[int]]) -> list[int] | None:
    """The unit just before the label's first word when that word is an inflected verb and the unit, its subject,
    was cut ("[Trump] invites Egypt's Sisi", "[Cars] involved in Chicago pileup"): a spelling the lexicon knows only
    as a verb, not in its base form (that one is ``_bare_verb``'s), with the content word before it in the same
    phrase, a noun or a name (or a word the lexicon lacks, as most names). None otherwise."""
    first = positions[0]
    if first == 0 or names[first] or not tokens[first].stem or breaks[first] or not tokens[first - 1].stem:
        return None
    classes = word_classes(tokens[first].word)
    if not classes.get("VERB") or set(classes) - {"VERB", "AUX"} or tokens[first].word in classes["VERB"]:
        return None
    before = set(word_classes(tokens[first - 1].word))
    if before and "NOUN" not in before and not names[first - 1]:  # "[really] paying" has no subject to give back
        return None
    return next((unit for unit in units if first - 1 in unit), None)


def _units(tokens: tuple[_Token, ...], names: list[bool], breaks: tuple[bool, ...],
           skip_pronouns: bool = True) -> list[list[int]]:
    """Content words, a run of adjacent name words as one ("Grand Harbour", "Peter Strzok"): a label never cuts a
    name in two. Punctuation ends a run ("David Brat, Tea Party challenger" holds two names). Contracted pronouns
    are left out, unless they are all the headline has ("We're back")."""
    units: list[list[int]] = []
    for k, token in enumerate(tokens):
        if not token.stem or (skip_pronouns and _contracted_pronoun(token.word)):
            continue
        if units and names[k] and units[-1][-1] == k - 1 and names[k - 1] and not breaks[k]:
            units[-1].append(k)
        else:
            units.append([k])
    return units or (_units(tokens, names, breaks, skip_pronouns=False) if skip_pronouns else [])


@functools.lru_cache(maxsize=1 << 12)
def _contracted_pronoun(word: str) -> bool:
    """Whether a word is a pronoun with a verb contracted onto it ("i'm", "we're", "they'll"). It is never a label
    word, as pronouns are not; it still counts among the words a story's headlines share when the representative
    headline is chosen (a quote every outlet ran)."""
    contraction = _CONTRACTION.match(word)
    return contraction is not None and contraction["word"] in english_stop_words()


def _dangling_modifier(tokens: tuple[_Token, ...], breaks: tuple[bool, ...], positions: list[int],
                       names: list[bool]) -> int | None:
    """The label's last word where it only modifies the headline's next word, which the label cut ("Kestrel Museum
    reopens after three-year [renovation]", "agree £6.8bn [merger]"): an adjective, a word the lexicon lacks that
    holds a digit or a hyphen ("48-hour", "6.8bn"), or an auxiliary whose verb was cut ("it won't [work]"). Names
    are never modifiers here."""
    k = positions[-1]
    if names[k] or k + 1 >= len(tokens) or breaks[k + 1] or not tokens[k + 1].stem:
        return None
    return k if _modifier(tokens[k].word) or _auxiliary(tokens[k].word) else None


def _auxiliary(word: str) -> bool:
    """A modal or a negated auxiliary ("will", "won't", "aren't"): it means nothing without the verb after it."""
    return word in _MODALS or word.endswith(("n't", "n’t"))


def _with_joining_words(tokens: tuple[_Token, ...], breaks: tuple[bool, ...], kept: list[int]) -> list[int]:
    """``kept`` with the words that join two kept words, while the label stays within ``MAX_LABEL_WORDS`` words: a
    single stop word between them ("Bank of Valdoria"; pronouns never join), and the preposition after a verb whose
    phrase ends in the next kept word ("resigns [after] sexual harassment", "defeated [by] David Brat"): without
    it the verb takes that word as its object ("resigns harassment")."""
    positions = list(kept)
    for a, b in itertools.pairwise(kept):
        if len(positions) >= MAX_LABEL_WORDS:
            break
        if _joins(tokens, breaks, a, b):
            positions.append(a + 1)
    return sorted(positions)


def _joins(tokens: tuple[_Token, ...], breaks: tuple[bool, ...], a: int, b: int) -> bool:
    """Whether the word after kept word ``a`` joins it to the next kept word ``b`` (``_with_joining_words``)."""
    joining = tokens[a + 1].word
    if b - a == 2:
        return joining in _JOINING
    return (joining in _PREPOSITIONS and _can_be_verb(tokens[a].word)
            and all(tokens[g].stem and not breaks[g] for g in range(a + 2, b + 1)))


_PREPOSITIONS = frozenset({"of", "in", "at", "for", "on", "with", "from", "against", "by", "over", "after", "about",
                           "amid", "before", "into", "under", "without", "despite"})
_JOINING = _PREPOSITIONS | {"to", "and"}


def _bare_possessive(tokens: tuple[_Token, ...], breaks: tuple[bool, ...], positions: list[int]) -> bool:
    """Whether the label ends in a possessive whose noun the label cut ("Boylan fearful for Ibrahim Halawa's
    [health]"); ``_finished`` says what becomes of it."""
    k = positions[-1]
    return (_POSSESSIVE.search(tokens[k].text) is not None and k + 1 < len(tokens) and not breaks[k + 1]
            and bool(tokens[k + 1].stem))


def _modifier(word: str) -> bool:
    """An adjective only, or a word the lexicon lacks that holds a digit or a hyphen ("48-hour", "6.8bn")."""
    classes = set(word_classes(word))
    return classes == {"ADJ"} or (not classes and any(c.isdigit() or c == "-" for c in word))


def _after_verb(tokens: tuple[_Token, ...], names: list[bool], positions: list[int], units: list[list[int]]) -> bool:
    """Whether the label word before the last unit can be a verb, which would take that unit as its object
    ("fines Quillon" for "fines Quillon's insurer")."""
    start = next(unit[0] for unit in units if positions[-1] in unit)
    before = [k for k in positions if k < start]
    return (bool(before) and bool(tokens[before[-1]].stem) and not names[before[-1]]
            and _can_be_verb(tokens[before[-1]].word))  # a joining word ("greeting to Okonedo's") is no verb


def _cased(positions: list[int], tokens: tuple[_Token, ...], names: list[bool], bare_last: bool = False) -> str:
    words = []
    for k in positions:
        text = tokens[k].text
        if bare_last and k == positions[-1]:
            text = _POSSESSIVE.sub("", text)
        text = text.strip("'’\"“”‘")
        if not names[k] and not _mixed_case(text):
            text = text.lower()
        words.append(text)
    label = " ".join(w for w in words if w)
    return label[:1].upper() + label[1:] if label else UNTITLED


def _mixed_case(text: str) -> bool:
    """Acronyms and brands keep their case ("NATO", "FreshWay", "iPhone")."""
    return sum(c.isupper() for c in text) > 1 or (text[:1].islower() and any(c.isupper() for c in text))


def label_stories(texts: pl.DataFrame, max_words: int, only: set[str] | None = None) -> dict[str, str]:
    """Base label (no round, not yet unique) per story; ``texts`` has ``story_id, title, lead`` (module docstring).

    With ``only``, just those stories are labelled, weighed against all the stories of ``texts``."""
    grouped = texts.group_by("story_id").agg("title", "lead").sort("story_id")
    words = _story_words(texts)
    stories = {story: _Story([t or "" for t in titles], [x for x in leads if x], words[story])
               for story, titles, leads in grouped.iter_rows()}
    document_frequency = Counter(stem for story in stories.values() for stem in story.stems)
    n = max(len(stories), 1)
    rarity = {stem: math.log(1 + n / count) for stem, count in document_frequency.items()}
    labels = {}
    for story_id, story in stories.items():
        if only is not None and story_id not in only:
            continue

        def weight(stem: str, story: _Story = story) -> float:
            used = story.in_titles[stem] + LEAD_WEIGHT * story.in_leads[stem]
            return used * rarity.get(stem, math.log(1 + n))

        labels[story_id] = _label(story, weight, max_words)
    return labels


UNTITLED = "untitled story"  # the label of a story with no usable words


def first_pieces(column: pl.Expr, count: int) -> pl.Expr:
    """The text before its ``count``-th space: ``str.split(" ").list.head(count).list.join(" ")`` (a headline or a
    lead cut from a body), found by one anchored regex instead of a list of pieces per text (7x faster)."""
    if count < 1:
        return column.str.slice(0, 0)
    return column.str.extract(rf"^(?:[^ ]* ){{0,{count - 1}}}[^ ]*", 0)


def round_label(base_label: str, round_number: int) -> str:
    """The label of one round of a chain: ``"Istanbul talks round 3"``."""
    return f"{base_label} round {round_number}"


def finalise_labels(stories: pl.DataFrame, base: dict[str, str]) -> dict[str, str]:
    """Add "round N" to chained stories and to stories whose articles state their round, and make labels unique
    (first day, then the story id, appended).

    ``stories`` has ``story_id, chain_id, round, chain_length, first_seen`` and optionally ``round_stated``.
    """
    chain_label: dict[str, str] = {}
    for row in stories.sort("first_seen", "story_id").iter_rows(named=True):
        chain_label.setdefault(row["chain_id"], base[row["story_id"]])
    rows = list(stories.iter_rows(named=True))
    labels = {
        row["story_id"]: round_label(chain_label[row["chain_id"]], row["round"])
        if row["chain_length"] > 1 or row.get("round_stated") else base[row["story_id"]]
        for row in rows
    }
    return unique_labels(labels, rows)


def unique_labels(labels: dict[str, str], rows: list[dict]) -> dict[str, str]:
    """Make labels unique in time order (``rows`` have ``story_id, first_seen``): a repeat gets its first day,
    then its story id, appended."""
    used: Counter = Counter()
    result = {}
    for row in sorted(rows, key=lambda r: (r["first_seen"], r["story_id"])):
        label = labels[row["story_id"]]
        if used[label]:
            label = f"{label} ({row['first_seen']:%b} {row['first_seen'].day})"
        if used[label]:
            label = f"{label} [{row['story_id']}]"
        used[label] += 1
        result[row["story_id"]] = label
    return result
