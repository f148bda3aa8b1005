"""The original of one duplicate group: which member the others copy, from dates, attribution and the text itself.

``OriginChooser.choose`` takes the members of one group (``Member``: id, source, URL, publication time, raw text
lines and the shingle set of the cleaned text) and applies ``cluster.rules.CANONICAL_RULES`` in order. Every rule keeps
the members that do best on it among those still in the running; the canonical is the last one left, and the rule
that removed its last rival is the group's ``canonical_rule``.

**Dates.** ``earliest`` compares full timestamps only when every remaining member has a time of day; when one has a
date alone (midnight UTC exactly), it compares days, so a copy dated "2017-02-07" does not beat an original of
2017-02-07 10:40, and days within ``DATE_ONLY_SLACK_DAYS`` tie (a date alone is a day in the publisher's time zone,
which may be the UTC day before or after): the text decides those, and ``earliest_day`` only when the text ties.
``earliest_time`` later breaks the remaining ties by time of day, members with a date alone last.

**Attribution** (``cluster.dedup.provenance``): a member that names another member as its origin is never canonical over
it, whatever the dates say; a member and the one it names drop out only when the naming is not mutual. Of the
members left, those some member names as the origin stay over those nobody names: the credit tells where the text
the whole group carries comes from, so a copy that says nothing does not win on the text or the dates.

**Text.** For member ``i``, ``X_i`` is everything of its text another member could share: the shingle set of its
cleaned text (what dedup compares), the shingles of each raw line (chrome included) and the one shingle of each raw
line shorter than a shingle. A hash is *shared* when members of at least two sources, and of at least half of the
group's sources, have it (``same_sources``): lines that only one source's pages have in common (two copies by one
partner site with the same editor's line) are that source's template, and what two copies among many share by
chance (a headline two apps both list, the same agency in two datelines) is not the text the group carries. The
raw lines count, not only the cleaned text, because cleaning is not even-handed: the origin's own recurring lines
(its sign-off, a series footer) are learned as its chrome, while a copy by a source with few items keeps them. With
``#`` the size of a set:

* **shared-text completeness** ``C_i = #{h ∈ X_i : h shared}``: how much of the text the group shares is in ``i``.
  Wrapper text adds nothing to it, because no other source has it. A teaser or a copy that left a paragraph out has
  less of it than the fuller member; an app's reprint has as much as the clean original, no more. Members within
  ``shingle_size`` of the most complete tie: a one-word edit two copies share by chance (the same agency in a
  dateline) adds that many shingles, and is no missing passage.
* **wrapper** ``W_i = Σ_ℓ u_ℓ`` over ``i``'s raw lines, where ``u_ℓ`` is the share of line ``ℓ``'s shingles that
  are not shared, except lines wholly its own that lie inside its *shared span* (between its first and last line of
  at least a shingle's length that shares a shingle): those are paragraphs the other copies left out, not wrapper.
  So a banner, a caption, the origin's name on its own line, a sign-up box, each related headline and an app footer
  count one each; a dateline glued to the first paragraph counts its share of that line; the clean original's
  count is zero, a wrapped reprint's is its number of chrome lines.
* **teaser** (``cut``): member ``j`` is cut from member ``i`` when (a) ``i`` holds the text ``j`` shares:
  ``#(X_j ∩ shared ∩ X_i) ≥ containment_threshold · #(X_j ∩ shared)``, and (b) ``j`` stops where ``i`` goes on.
  Let ``λ`` be ``j``'s last line whose last shingle ``w`` is in ``X_i``, and ``ℓ`` the line of ``i`` that holds
  ``w`` and the most of ``λ``: either ``ℓ`` goes on past ``w`` with text ``j`` lacks (``j`` ends in the middle of a
  line: an excerpt cut off mid-paragraph), or ``λ`` ends with an ellipsis and ``i`` has text ``j`` lacks from
  ``ℓ`` on. A wrapper adds whole lines around the original's whole lines, so the original never stops inside one of
  the wrapper's lines: an app that wraps the article is never mistaken for its fuller text, nor the article for a
  teaser of the app.

With only two members, ``C`` ties by construction (``#(X_i ∩ X_j)`` is symmetric): the teaser rule and the wrapper
count tell the pair apart. Ties go on to the source's own site (``host_matches_source``), the earliest time of day,
and the smallest id. In all, ``CANONICAL_RULES``: not_aggregator, attribution, dated, earliest, source_priority,
not_teaser, most_complete, least_wrapper, earliest_day, own_host, earliest_time, lowest_id.

**Cost.** The text measures are the dear part (shingling every raw line, the group's shared set), and most groups
are decided before any text rule: an aggregator's copy, a credit line, a later timestamp. So a group measures its
text only when a text rule is reached (or its ``evidence`` is asked for), and ``OriginChooser.choose_many`` decides
every group up to the first text rule, then shingles the lines of the members of the groups still open in one
pass (``line_shingles``: tokenising is fast per text and slow per call, several milliseconds a call) and finishes
them. Lines are read for attribution in every group (the ``duplicates`` table records the credit lines found).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence, Sized
from dataclasses import dataclass
from datetime import datetime, time
from functools import cached_property

import numpy as np
import polars as pl

from ..graph import component_roots
from ..rules import CANONICAL_RULES
from ..tokens import ShingleSets, last_shingles, shingle_sets
from .provenance import (
    Aggregators,
    Attribution,
    cue_lines,
    ends_with_ellipsis,
    find_attributions,
    host_matches_source,
    nameable_lines,
    source_keys,
)

_EMPTY = np.empty(0, dtype=np.uint32)
DATE_ONLY_SLACK_DAYS = 1  # dates alone this many days apart may be the same moment in two time zones
TEXT_RULES = frozenset({"not_teaser", "most_complete", "least_wrapper"})  # the rules that read ``GroupText``


def has_time_of_day(published_at: datetime | None) -> bool:
    """False for a missing timestamp and for midnight UTC exactly, which is how a date alone is stored."""
    return published_at is not None and published_at.timetz().replace(tzinfo=None) != time(0, 0)


@dataclass(frozen=True, eq=False)
class Member:
    """One member of a duplicate group, as the dedup stage knows it."""

    article_id: str
    source: str | None
    url: str | None
    published_at: datetime | None  # UTC
    date_missing: bool
    timed: bool  # has a time of day (``has_time_of_day``)
    lines: tuple[str, ...]  # raw text lines, before chrome removal (the title where the body is empty)
    shingles: np.ndarray  # sorted uint32 shingle hashes of the cleaned text (``cluster.tokens.shingle_sets``)


@dataclass(frozen=True)
class MemberEvidence:
    """What was found about one member; the dedup stage records ``attribution`` (line and rule) per member."""

    attribution: Attribution | None  # its first line naming another member as its origin
    aggregator: bool
    own_host: bool
    completeness: int  # C_i
    wrapper: float  # W_i
    teaser_of: tuple[str, ...] = ()  # members it was found cut from (among the members still in the running)


class CanonicalChoice:
    """The canonical member's id, the rule that decided, the attribution lines found; and on request ``evidence``,
    every measure about every member (the text measures are computed then if no rule needed them)."""

    def __init__(self, canonical: str, rule: str, group: _Group) -> None:
        self.canonical = canonical
        self.rule = rule  # a name in ``CANONICAL_RULES``
        self._group = group

    @property
    def attributions(self) -> dict[str, Attribution]:
        """Member id → its first line naming another member as its origin, for the members that have one."""
        return {m.article_id: found[0] for m, found in zip(self._group.members, self._group.attributions, strict=True)
                if found}

    @cached_property
    def evidence(self) -> dict[str, MemberEvidence]:
        return self._group.evidence()


def _member_of(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in the sorted array ``sorted_set``."""
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[where] == values


@dataclass(frozen=True, eq=False)
class MemberLines:
    """The raw lines of one member, as attribution reads them."""

    lines: tuple[str, ...]  # non-empty lines, stripped
    cued: np.ndarray  # bool: the lines that may hold a credit cue (``provenance.cue_lines``)
    nameable: np.ndarray  # bool: the lines that may name a source or be a dateline (``provenance.nameable_lines``)


def member_lines(members: Sequence[Member]) -> list[MemberLines]:
    """``MemberLines`` of every member, the lines worth searching found for all of them in one pass."""
    lines = _stripped_lines(members)
    flat = pl.Series([line for member in lines for line in member], dtype=pl.String)
    cued, nameable = cue_lines(flat), nameable_lines(flat)
    bounds = _bounds(lines)
    return [MemberLines(member, cued[lo:hi], nameable[lo:hi])
            for member, lo, hi in zip(lines, bounds[:-1], bounds[1:], strict=True)]


@dataclass(frozen=True, eq=False)
class LineShingles:
    """The raw lines of one member with, per line, its shingle set, word count and last shingle."""

    lines: tuple[str, ...]  # non-empty lines, stripped
    sets: ShingleSets  # one set per line; ``sets.tokens`` are the lines' word counts
    last: np.ndarray  # uint32: the hash of each line's last ``shingle_size`` words (its only shingle when shorter)


def line_shingles(members: Sequence[Member], shingle_size: int, threads: int = 1) -> list[LineShingles]:
    """``LineShingles`` of every member, computed for all of them at once (pass every member of a run in one call:
    the column tokeniser is fast per text, slow per call), tokenised on ``threads`` threads."""
    lines = _stripped_lines(members)
    flat = pl.Series([line for member in lines for line in member], dtype=pl.String)
    sets = shingle_sets(flat, shingle_size, threads=threads)
    last = last_shingles(flat, shingle_size, threads=threads)
    bounds = _bounds(lines)
    return [
        LineShingles(member, ShingleSets(sets.values[sets.offsets[lo] : sets.offsets[hi]],
                                         sets.offsets[lo : hi + 1] - sets.offsets[lo], sets.tokens[lo:hi]), last[lo:hi])
        for member, lo, hi in zip(lines, bounds[:-1], bounds[1:], strict=True)
    ]


def _stripped_lines(members: Sequence[Member]) -> list[tuple[str, ...]]:
    return [tuple(line.strip() for line in m.lines if line.strip()) for m in members]


def _bounds(parts: Sequence[Sized]) -> list[int]:
    """Where each part starts in the flat sequence of all their items, then where the last one ends."""
    return np.concatenate([[0], np.cumsum([len(part) for part in parts])]).astype(np.int64).tolist()


class GroupText:
    """The text measures of one group (module docstring): ``completeness_``, ``wrapper_`` per member, and ``cut``.

    After ``fit``: ``lines_`` (each member's non-empty raw lines), ``line_start_`` (each member's first line in the
    per-line arrays), ``line_sets_`` (shingle set of every line), ``line_words_`` (its word count), ``line_last_``
    (its last shingle), ``texts_`` (``X_i``, sorted), ``shared_`` (the hashes the group shares),
    ``completeness_`` and ``wrapper_``.
    """

    def __init__(self, shingle_size: int, containment_threshold: float) -> None:
        self.shingle_size = shingle_size
        self.containment_threshold = containment_threshold

    def fit(self, members: Sequence[Member], sources: Sequence[int],
            lines: Sequence[LineShingles] | None = None) -> GroupText:
        """``sources[i]`` labels member ``i``'s source (members with one label are one source: ``same_sources``);
        ``lines`` are the members' ``line_shingles``, computed here when not given."""
        lines = line_shingles(members, self.shingle_size) if lines is None else lines
        self.lines_ = [list(member.lines) for member in lines]
        self.line_start_ = np.concatenate([[0], np.cumsum([len(member.lines) for member in lines])]).astype(np.int64)
        self.line_sets_ = ShingleSets.concat([member.sets for member in lines])
        self.line_words_ = self.line_sets_.tokens
        self.line_last_ = np.concatenate([_EMPTY, *[member.last for member in lines]])
        self.texts_ = [np.unique(np.concatenate([np.asarray(m.shingles, dtype=np.uint32),
                                                 self.line_sets_.values[self._values_of(i)]]))
                       for i, m in enumerate(members)]
        self.shared_ = _shared_across_sources(self.texts_, sources)
        self.completeness_ = [int(_member_of(x, self.shared_).sum()) for x in self.texts_]
        self.wrapper_ = self._wrappers(len(members))
        return self

    def _values_of(self, member: int) -> slice:
        offsets = self.line_sets_.offsets
        return slice(int(offsets[self.line_start_[member]]), int(offsets[self.line_start_[member + 1]]))

    def _lines_of(self, member: int) -> range:
        return range(int(self.line_start_[member]), int(self.line_start_[member + 1]))

    def _long_lines_of(self, member: int) -> list[int]:
        return [t for t in self._lines_of(member) if self.line_words_[t] >= self.shingle_size]

    def _wrappers(self, n_members: int) -> list[float]:
        """``W_i`` of every member: the summed own share of its lines, its own paragraphs inside its shared span
        left out."""
        sizes = self.line_sets_.sizes
        own = np.full(len(sizes), np.nan)
        if len(sizes):
            unshared = (~_member_of(self.line_sets_.values, self.shared_)).astype(np.float64)
            sums = np.add.reduceat(np.append(unshared, 0.0), self.line_sets_.offsets[:-1])
            own = np.where(sizes > 0, sums / np.maximum(sizes, 1), np.nan)
        long = self.line_words_ >= self.shingle_size
        wrappers = []
        for member in range(n_members):
            lines = self._lines_of(member)
            part = own[lines.start : lines.stop]
            spanning = np.flatnonzero(long[lines.start : lines.stop] & (part < 1.0))
            inside = np.zeros(len(part), dtype=bool)
            if len(spanning):
                inside[spanning[0] + 1 : spanning[-1]] = True
            wrappers.append(float(part[~np.isnan(part) & ~(inside & (part == 1.0))].sum()))
        return wrappers

    def cut(self, j: int, i: int) -> bool:
        """Whether member ``j`` is a teaser cut from member ``i`` (module docstring)."""
        shared = self.texts_[j][_member_of(self.texts_[j], self.shared_)]
        if not len(shared) or _member_of(shared, self.texts_[i]).sum() < self.containment_threshold * len(shared):
            return False
        anchors = [t for t in self._long_lines_of(j) if _member_of(self.line_last_[t : t + 1], self.texts_[i])[0]]
        return bool(anchors) and self._goes_on(j, i, anchors[-1])

    def _goes_on(self, j: int, i: int, anchor: int) -> bool:
        """Whether ``i`` goes on, with text ``j`` lacks, where ``j``'s line ``anchor`` stops: in the middle of a line
        of ``i``, or (when ``anchor`` ends with an ellipsis) after the line of ``i`` that shares it."""
        long = self._long_lines_of(i)
        last = self.line_last_[anchor : anchor + 1]
        holding = [t for t in long if _member_of(last, self.line_sets_[t])[0]]
        if holding:  # the line of i that holds where j's line stops, and the most of that line (a phrase may recur)
            line = max(reversed(holding), key=lambda t: _member_of(self.line_sets_[t], self.line_sets_[anchor]).sum())
            end = self.line_last_[line : line + 1]
            if end[0] != last[0] and not _member_of(end, self.texts_[j])[0]:
                return True
        else:
            sharing = [t for t in long if _member_of(self.line_sets_[t], self.line_sets_[anchor]).any()]
            if not sharing:
                return False
            line = sharing[-1]
        if not ends_with_ellipsis(self.lines_[j][anchor - int(self.line_start_[j])]):
            return False
        return any(not _member_of(self.line_sets_[t], self.texts_[j]).all() for t in long if t >= line)


def _shared_across_sources(sets: Sequence[np.ndarray], sources: Sequence[int]) -> np.ndarray:
    """The text the group shares: the sorted hashes found in the sets of at least two sources and at least half of
    the group's sources (``sources`` labels each set's source). What only one source's pages have in common is that
    source's template; what two copies among many share by chance (a headline both apps list in their footers, the
    same agency in a dateline) is not the article that most of the group carries."""
    by_source: dict[int, list[np.ndarray]] = {}
    for values, source in zip(sets, sources, strict=True):
        by_source.setdefault(source, []).append(np.asarray(values, dtype=np.uint32))
    if len(by_source) < 2:
        return _EMPTY
    values, counts = np.unique(np.concatenate([np.unique(np.concatenate(parts)) for parts in by_source.values()]),
                               return_counts=True)
    return values[counts >= max(2, (len(by_source) + 1) // 2)]


def same_sources(keys: Sequence[frozenset[str]], sources: Sequence[str | None]) -> list[int]:
    """A label per member, equal for members of one source: the same source string (case and spacing aside), or
    source keys that meet (``Al Jazeera`` and ``www.aljazeera.com``). Members without a source are each their own."""
    names = [" ".join(s.lower().split()) if s and s.strip() else None for s in sources]
    pairs = [(j, i) for i in range(len(keys)) for j in range(i)
             if (names[i] is not None and names[i] == names[j]) or keys[i] & keys[j]]
    return component_roots(len(keys), pairs).tolist()


class OriginChooser:
    """Chooses the canonical of a group by ``CANONICAL_RULES`` (module docstring); one chooser serves every group.

    ``shingle_size`` must be the one the members' shingle sets were made with; ``containment_threshold`` is the share
    of a teaser's shared text that the fuller member must hold (dedup's ``containment_threshold``);
    ``source_priority`` lists preferred sources (exact names) for the ``source_priority`` rule; ``threads`` tokenise
    the lines of ``choose_many``'s groups.
    """

    def __init__(self, shingle_size: int, containment_threshold: float, source_priority: Sequence[str],
                 aggregators: Aggregators, threads: int = 1) -> None:
        self.shingle_size = shingle_size
        self.containment_threshold = containment_threshold
        self.source_priority = source_priority
        self.aggregators = aggregators
        self.threads = threads

    def choose(self, members: Sequence[Member], lines: Sequence[MemberLines] | None = None) -> CanonicalChoice:
        """The canonical member's id, the rule that decided, and the evidence about every member; ``lines`` are the
        members' ``member_lines`` (computed here when not given)."""
        return self.choose_many([members], None if lines is None else [lines])[0]

    def choose_many(self, groups: Sequence[Sequence[Member]],
                    lines: Sequence[Sequence[MemberLines]] | None = None) -> list[CanonicalChoice]:
        """``choose`` for every group; the lines of the groups that reach a text rule are shingled in one pass."""
        if any(not members for members in groups):
            raise ValueError("a group has at least one member")
        flat = [member for members in groups for member in members]
        bounds = list(itertools.pairwise(_bounds(groups)))
        if lines is None:
            found = member_lines(flat)
            lines = [found[lo:hi] for lo, hi in bounds]
        aggregator = self.aggregators.mask([m.source for m in flat], [m.url for m in flat])  # each source once
        decided = [_Group(self, members, found, aggregator[lo:hi])
                   for members, found, (lo, hi) in zip(groups, lines, bounds, strict=True)]
        open_groups = [group for group in decided if not group.run(until_text=True)]
        if open_groups:
            shingled = line_shingles([m for group in open_groups for m in group.members], self.shingle_size,
                                     self.threads)
            spans = itertools.pairwise(_bounds([group.members for group in open_groups]))
            for group, (lo, hi) in zip(open_groups, spans, strict=True):
                group.line_shingles = shingled[lo:hi]
                group.run(until_text=False)
        return [group.choice() for group in decided]


class _Group:
    """One group while it is being decided: the evidence about its members, one step per rule, and how far the rules
    have got (``run``). ``line_shingles`` may be set before the text is first needed (``choose_many`` shingles many
    groups' lines at once); otherwise ``text`` shingles the group's own."""

    def __init__(self, chooser: OriginChooser, members: Sequence[Member], lines: Sequence[MemberLines],
                 aggregator: list[bool]) -> None:
        self.chooser = chooser
        self.members = members
        self.priority = {source: rank for rank, source in enumerate(chooser.source_priority)}
        self.aggregator = aggregator  # which members are aggregators (``Aggregators.mask``)
        self.own_host = [host_matches_source(m.source, m.url) for m in members]
        keys = [source_keys(m.source, m.url) for m in members]
        ids = [m.article_id for m in members]
        position = {article: i for i, article in enumerate(ids)}
        self.attributions = [
            find_attributions(lines[i].lines, keys[i], {ids[j]: keys[j] for j in range(len(members)) if j != i},
                              lines[i].cued, lines[i].nameable)
            for i in range(len(members))
        ]
        self.names = [{position[n] for a in found for n in a.named} for found in self.attributions]
        self.sources = same_sources(keys, [m.source for m in members])
        self.line_shingles: Sequence[LineShingles] | None = None
        self.teaser_of: dict[int, list[int]] = {}
        self.candidates = list(range(len(members)))
        self.decided = "lowest_id"
        self._pending = list(self.steps().items())

    @cached_property
    def text(self) -> GroupText:
        return GroupText(self.chooser.shingle_size, self.chooser.containment_threshold).fit(
            self.members, self.sources, self.line_shingles
        )

    def run(self, until_text: bool) -> bool:
        """Apply the remaining rules in order until one candidate is left (True), or, with ``until_text``, until
        the next rule needs text measures that are not there yet (False)."""
        while self._pending and len(self.candidates) > 1:
            rule, step = self._pending[0]
            if until_text and rule in TEXT_RULES and self.line_shingles is None:
                return False
            self._pending.pop(0)
            kept = step(self.candidates)
            if kept and len(kept) < len(self.candidates):
                self.candidates, self.decided = kept, rule
        return True

    def choice(self) -> CanonicalChoice:
        self.run(until_text=False)
        return CanonicalChoice(self.members[self.candidates[0]].article_id, self.decided, self)

    def steps(self) -> dict[str, Callable[[list[int]], list[int]]]:
        steps = {
            "not_aggregator": self._best(lambda i: self.aggregator[i]),
            "attribution": self._attribution,
            "dated": self._best(lambda i: self._undated(i)),
            "earliest": self._earliest,
            "source_priority": self._best(lambda i: self.priority.get(self.members[i].source, len(self.priority))),
            "not_teaser": self._not_teaser,
            "most_complete": self._most_complete,
            "least_wrapper": self._best(lambda i: round(self.text.wrapper_[i], 9)),
            "earliest_day": self._best(lambda i: self.members[i].published_at.date()),
            "own_host": self._best(lambda i: not self.own_host[i]),
            "earliest_time": self._best(self._time_key),
            "lowest_id": self._best(lambda i: self.members[i].article_id),
        }
        assert list(steps) == list(CANONICAL_RULES), "CANONICAL_RULES and the steps must list the rules in one order"
        return steps

    @staticmethod
    def _best(key: Callable[[int], object]) -> Callable[[list[int]], list[int]]:
        def step(candidates: list[int]) -> list[int]:
            keys = {i: key(i) for i in candidates}
            best = min(keys.values())
            return [i for i in candidates if keys[i] == best]

        return step

    def _undated(self, i: int) -> bool:
        return self.members[i].date_missing or self.members[i].published_at is None

    def _attribution(self, candidates: list[int]) -> list[int]:
        """Members that name another candidate (not naming them back) as their origin drop out; then, where some of
        those left are named as the origin by a member of the group (an aggregator included; members naming each
        other do not count) and others are not, the named ones stay: a credit says where the text the whole group
        carries comes from, so a copy that says nothing is not its origin over the member the credit names."""
        alive = set(candidates)
        left = [i for i in candidates if not any(j != i and i not in self.names[j] for j in self.names[i] & alive)]
        named = {i for j, names in enumerate(self.names) for i in names if i != j and j not in self.names[i]}
        return [i for i in left if i in named] or left

    def _earliest(self, candidates: list[int]) -> list[int]:
        """By full timestamp when every candidate has a time of day, else by day; undated candidates all tie.

        A date alone is a day in the publisher's own time zone, which may start up to 14 hours before or 12 after
        the UTC day it is stored as: two dates alone a day apart may be the same moment, so days within
        ``DATE_ONLY_SLACK_DAYS`` of the earliest tie here; the text decides, and ``earliest_day`` after it.
        """
        if any(self._undated(i) for i in candidates):
            return candidates
        if all(self.members[i].timed for i in candidates):
            return self._best(lambda i: self.members[i].published_at)(candidates)
        first = min(self.members[i].published_at.date() for i in candidates)
        return [i for i in candidates
                if (self.members[i].published_at.date() - first).days <= DATE_ONLY_SLACK_DAYS]

    def _most_complete(self, candidates: list[int]) -> list[int]:
        """Candidates within ``shingle_size`` shingles of the most complete: a one-word edit that two copies share
        by chance (the same agency in a dateline) gives them that many shingles more, and is no missing passage."""
        completeness = self.text.completeness_
        best = max(completeness[i] for i in candidates)
        return [i for i in candidates if completeness[i] >= best - self.text.shingle_size]

    def _time_key(self, i: int) -> tuple[int, float]:
        member = self.members[i]
        return (0, member.published_at.timestamp()) if member.timed and member.published_at else (1, 0.0)

    def _not_teaser(self, candidates: list[int]) -> list[int]:
        """Members cut from another candidate (that is not itself cut from them) drop out."""
        cut = {(j, i): self.text.cut(j, i) for j in candidates for i in candidates if i != j}
        for j in candidates:
            fuller = [i for i in candidates if i != j and cut[(j, i)] and not cut[(i, j)]]
            if fuller:
                self.teaser_of[j] = fuller
        return [j for j in candidates if j not in self.teaser_of]

    def evidence(self) -> dict[str, MemberEvidence]:
        return {
            m.article_id: MemberEvidence(
                attribution=self.attributions[i][0] if self.attributions[i] else None,
                aggregator=self.aggregator[i],
                own_host=self.own_host[i],
                completeness=self.text.completeness_[i],
                wrapper=self.text.wrapper_[i],
                teaser_of=tuple(self.members[f].article_id for f in self.teaser_of.get(i, ())),
            )
            for i, m in enumerate(self.members)
        }


def members_from_frame(frame: pl.DataFrame, shingles: Sequence[np.ndarray]) -> list[Member]:
    """The ``Member`` of every row of ``frame``, whose columns are ``article_id, source, url, published_at,
    date_missing, title, text`` (the raw text: its lines are what attribution and wrapper are read from; the title
    stands in for an empty text), with ``shingles[row]``, the row's shingle set of the cleaned text."""
    picked = frame.select("article_id", "source", "url", "published_at", "date_missing", "title", "text")
    members = []
    for row, record in enumerate(picked.iter_rows(named=True)):
        text = record["text"] or ""
        lines = tuple(text.split("\n")) if text.strip() else (record["title"] or "",)
        members.append(Member(
            article_id=record["article_id"], source=record["source"], url=record["url"],
            published_at=record["published_at"], date_missing=bool(record["date_missing"]),
            timed=has_time_of_day(record["published_at"]), lines=lines, shingles=shingles[row],
        ))
    return members
