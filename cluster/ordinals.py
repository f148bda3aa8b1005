"""Rounds stated by the coverage itself: "the third round of talks", "round 3", "second summit", "fourth rate rise".

A recurring event's articles often number the occurrence. ``stated_round`` reads one text: an ordinal (a word up to
"twentieth", or "3rd", "21st") before an occurrence noun with at most two words between ("third round", "second
Trump-Kim summit", "fourth rate rise"), or an occurrence noun followed by a number ("round 3", "Round Three",
"Leg II"). A text that states several (the second round failed, a third begins) gives the highest, the occurrence
it reports; an article's round is its headline's, else its lead's. ``agreed_round`` asks a story's articles: the
round a strict majority of the articles that state one agree on and at least a third of all its articles state,
or None when they are split (conflicting ordinals), too few or none state one; the chain's own count decides then.

Occurrence nouns are kinds of event that recur as numbered instances. Words that number the parts of one
occurrence ("day three of the talks", "the second half", "first quarter") or things that are not occurrences
("first lady", "second city") are not among them, so they never set a round.
"""

from __future__ import annotations

import re
from collections import Counter

import polars as pl

_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
          "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
          "twentieth")
_CARDINALS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
MAX_ROUND = 99  # a larger number after "round" is a score, a year or a count, not an occurrence

OCCURRENCE_NOUNS = (
    "round", "summit", "meeting", "session", "rate rise", "rate hike", "rate cut", "rate increase", "debate",
    "hearing", "leg", "edition", "phase", "wave", "referendum", "ballot", "vote", "strike", "walkout", "stoppage",
    "bailout", "conference", "negotiation", "ceasefire", "truce", "lockdown", "launch", "test", "auction", "review",
    "inquiry", "congress", "convention",
)
NUMBERED_NOUNS = ("round", "leg", "phase", "session")  # written with the number after: "round 3", "Leg II"
# Words that may stand between an ordinal and its noun ("second Trump-Kim summit") must not be these: they make
# the ordinal number something else ("second day of the strike", "first time a vote").
_BLOCKING = frozenset({
    "of", "the", "a", "an", "in", "on", "at", "for", "to", "and", "or", "by", "with", "from", "after", "before",
    "since", "this", "that", "its", "their", "his", "her", "our", "day", "days", "week", "weeks", "month", "months",
    "year", "years", "hour", "hours", "minute", "minutes", "time", "times", "half", "quarter", "part", "parts", "set",
    "sets", "place", "person", "woman", "man", "country", "state", "city", "team",
})
_NOUN = "|".join(sorted((re.escape(noun) for noun in OCCURRENCE_NOUNS), key=len, reverse=True))
_BEFORE = re.compile(
    r"\b(?P<ord>" + "|".join(_WORDS) + r"|\d{1,2}(?:st|nd|rd|th))[\s-]+(?P<between>(?:[\w'’.-]+\s+){0,2}?)"
    rf"(?:{_NOUN})s?\b",
    re.IGNORECASE,
)
_AFTER = re.compile(
    r"\b(?:" + "|".join(NUMBERED_NOUNS) + r")\s+(?:no\.?\s*)?(?P<num>\d{1,2}|" + "|".join(_CARDINALS + _ROMAN)
    + r")\b(?![-–:%]|\s*[-–]\s*\d)",
    re.IGNORECASE,
)


def _spelled(token: str, words: tuple[str, ...]) -> int | None:
    """The index of the word of ``words`` that ``token`` spells under the patterns' own ``IGNORECASE`` (which also
    reads "ſecond" as "second" and "İİ" as "ii", where ``lower()`` does not), or None."""
    return next((k for k, word in enumerate(words) if re.fullmatch(word, token, re.IGNORECASE)), None)


def _ordinal_value(token: str) -> int | None:
    word = _spelled(token, _WORDS)
    if word is not None:
        return word + 1
    digits = re.match(r"\d+", token)
    return int(digits.group()) if digits else None


def _number_value(token: str) -> int | None:
    if token.isdecimal():
        return int(token)
    cardinal = _spelled(token, _CARDINALS)
    if cardinal is not None:
        return cardinal + 1
    if token.isupper() and len(token) > 1:  # "Round II"; a lone I, V or X is too often a word or a letter
        roman = _spelled(token, _ROMAN)
        return roman + 1 if roman is not None else None
    return None


def stated_round(text: str) -> int | None:
    """The highest occurrence number ``text`` states (module docstring), or None."""
    found = [_ordinal_value(m["ord"]) for m in _BEFORE.finditer(text)
             if not any(word.lower() in _BLOCKING for word in m["between"].split())]
    found += [_number_value(m["num"]) for m in _AFTER.finditer(text)]
    rounds = [value for value in found if value is not None and 1 <= value <= MAX_ROUND]
    return max(rounds) if rounds else None


def article_round(title: str, lead: str) -> int | None:
    """The round one article states: its headline's, else its lead's (a lead looks ahead to the next occurrence
    more often than a headline does: "after a second strike, the union threatens a third walkout")."""
    stated = stated_round(title or "")
    return stated if stated is not None else stated_round(lead or "")


# What any text that states a round holds (case aside), in polars' regex: the two patterns above with their word
# boundaries and look-ahead dropped and their classes widened to hold Python's (Python's \w is [\p{L}\p{N}_], its \s
# also holds \x1c-\x1f, and its IGNORECASE reads "İ" and "ı" as "i", which polars' does not), so a superset of the
# texts they match; polars rules out all the others in one pass (a plain ordinal or "round" anywhere let a third of
# a night's articles through to Python).
_SPACE = r"[\s\x1c-\x1f]"


def _any_i(words: tuple[str, ...]) -> str:
    return "|".join(words).replace("i", "[iİı]")


_MAY_STATE = (
    "(?i)(?:(?:" + _any_i(_WORDS) + r"|\d{1,2}(?:st|nd|rd|th))[\s\x1c-\x1f-]+"
    + rf"(?:[\p{{L}}\p{{N}}\p{{M}}_'’.-]+{_SPACE}+){{0,2}}(?:{_any_i((_NOUN,))})"
    + "|(?:" + _any_i(NUMBERED_NOUNS) + rf"){_SPACE}+(?:no\.?{_SPACE}*)?(?:\d|" + _any_i(_CARDINALS + _ROMAN) + "))"
)


def article_rounds(titles: pl.Series, leads: pl.Series) -> list[int | None]:
    """``article_round`` of each article; only the articles whose headline or lead may state a round
    (``_MAY_STATE``) are read one by one (on a night of 20,000 articles, about one in 50)."""
    frame = pl.DataFrame({"title": titles, "lead": leads}).with_columns(pl.all().cast(pl.String).fill_null(""))
    may_state = frame.select(pl.col("title").str.contains(_MAY_STATE) | pl.col("lead").str.contains(_MAY_STATE))
    rows = may_state.to_series().arg_true()
    rounds: list[int | None] = [None] * frame.height
    for row, title, lead in zip(rows.to_list(), frame["title"].gather(rows), frame["lead"].gather(rows), strict=True):
        rounds[row] = article_round(title, lead)
    return rounds


def agreed_round(stated: list[int | None]) -> int | None:
    """The round a story states, from each of its articles' (``article_round``): the value a strict majority of the
    stating articles agree on, stated by at least a third of all of them (one article of six looking ahead to "a
    second launch attempt" does not number a story); None otherwise."""
    votes = Counter(value for value in stated if value is not None)
    if not votes:
        return None
    best, count = votes.most_common(1)[0]
    return best if count * 2 > sum(votes.values()) and count * 3 >= len(stated) else None
