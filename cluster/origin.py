"""The original of one duplicate group: which member the others copy, from dates, attribution and the text itself.

``OriginChooser.choose`` takes the members of one group (``Member``: id, source, URL, publication time, raw text
lines and the shingle set of the cleaned text) and applies ``cluster.rules.ORIGIN_RULES`` in order. Every rule keeps
the members that do best on it among those still in the running; the canonical is the last one left, and the rule
that removed its last rival is the group's ``canonical_rule``.

**Dates.** ``earliest`` compares full timestamps only when every remaining member has a time of day; when one has a
date alone (midnight UTC exactly), it compares days, so a copy dated "2017-02-07" does not beat an original of
2017-02-07 10:40. ``earliest_time`` later breaks the remaining ties by time of day, members with a date alone last.

**Attribution** (``cluster.provenance``): a member that names another member as its origin is never canonical over
it, whatever the dates say; a member and the one it names drop out only when the naming is not mutual.

**Text.** For member ``i``, ``S_i`` is the shingle set of its cleaned text (what dedup compares); ``X_i`` is
everything of its text that another member could share: ``S_i``, the shingles of its raw text (chrome included,
across lines) and the one shingle of each raw line shorter than a shingle. A hash is *shared* when at least two
members have it. Then, with ``#`` the size of a set:

* **shared-text completeness** ``C_i = #{h ∈ S_i : another member's S has h}``: how much of the text the group
  shares is in ``i``. Wrapper text adds nothing to it, because no other member has it. A teaser has less of the
  shared text than the fuller member; an app's reprint has as much as the clean original, no more.
* **wrapper** ``W_i = Σ_ℓ u_ℓ`` over ``i``'s raw lines, where ``u_ℓ`` is the share of line ``ℓ``'s shingles that no
  other member has (``X``), except lines wholly its own that lie inside its *shared span* (between its first and
  last line of at least a shingle's length that shares a shingle): those are paragraphs the other copies left out,
  not wrapper. So a banner, a caption, the origin's name on its own line, a sign-up box, each related headline and
  an app footer count one each; a dateline glued to the first paragraph counts its share of that line; the clean
  original's count is zero, a wrapped reprint's is its number of chrome lines.
* **teaser** (``cut``): member ``j`` is cut from member ``i`` when (a) ``i`` holds the text ``j`` shares:
  ``#(S_j ∩ X_i) ≥ containment_threshold · #{h ∈ S_j : shared}``, and (b) ``j`` stops where ``i`` goes on. Let ``λ``
  be ``j``'s last line whose last shingle ``w`` is in ``X_i``: either ``i`` has a line that contains ``w`` and goes
  on past it with text ``j`` lacks (``j`` ends in the middle of that line: an excerpt cut off mid-paragraph), or
  ``λ`` ends with an ellipsis and ``i`` has text ``j`` lacks after the line that shares ``λ``. A wrapper adds whole
  lines around the original's whole lines, so the original never stops inside one of the wrapper's lines: an app
  that wraps the article is never mistaken for its fuller text, and the article never for a teaser of the app.

With only two members, ``C`` ties by construction (``#(S_i ∩ S_j)`` is symmetric): the teaser rule and the wrapper
count tell the pair apart. Ties go on to the source's own site (``host_matches_source``), the earliest time of day,
and the smallest id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

import numpy as np
import polars as pl

from .provenance import (
    Aggregators,
    Attribution,
    ends_with_ellipsis,
    find_attributions,
    host_matches_source,
    source_keys,
)
from .rules import ORIGIN_RULES
from .tokens import shingle_hash, shingle_sets, token_bounds

_EMPTY = np.empty(0, dtype=np.uint32)


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


@dataclass(frozen=True)
class CanonicalChoice:
    canonical: str  # article id
    rule: str  # a name in ``ORIGIN_RULES``
    evidence: dict[str, MemberEvidence] = field(default_factory=dict)


def _member_of(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in the sorted array ``sorted_set``."""
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[where] == values


class GroupText:
    """The text measures of one group (module docstring): ``completeness_``, ``wrapper_`` per member, and ``cut``.

    After ``fit``: ``lines_`` (each member's non-empty raw lines), ``line_start_`` (each member's first line in the
    per-line arrays), ``line_sets_`` (shingle set of every line), ``line_words_`` (its word count), ``line_last_``
    (its last shingle), ``cleaned_`` (``S_i``), ``texts_`` (``X_i``, sorted), ``shared_sizes_`` (how many of
    ``S_i`` another member's ``X`` has), ``completeness_`` and ``wrapper_``.
    """

    def __init__(self, shingle_size: int, containment_threshold: float) -> None:
        self.shingle_size = shingle_size
        self.containment_threshold = containment_threshold

    def fit(self, members: Sequence[Member]) -> GroupText:
        self.lines_ = [[line.strip() for line in m.lines if line.strip()] for m in members]
        flat = [line for lines in self.lines_ for line in lines]
        self.line_start_ = np.concatenate([[0], np.cumsum([len(lines) for lines in self.lines_])]).astype(np.int64)
        self.line_sets_ = shingle_sets(pl.Series(flat, dtype=pl.String), self.shingle_size)
        self.line_words_ = self.line_sets_.tokens
        self.line_last_ = self._last_shingles(flat)
        raw = shingle_sets(pl.Series(["\n".join(lines) for lines in self.lines_], dtype=pl.String), self.shingle_size)
        self.cleaned_ = [np.asarray(m.shingles, dtype=np.uint32) for m in members]
        self.texts_ = [np.unique(np.concatenate([self.cleaned_[i], raw[i], *self._line_sets(i)]))
                       for i in range(len(members))]
        shared_cleaned, shared_text = _shared_hashes(self.cleaned_), _shared_hashes(self.texts_)
        self.completeness_ = [int(_member_of(s, shared_cleaned).sum()) for s in self.cleaned_]
        self.shared_sizes_ = [int(_member_of(s, shared_text).sum()) for s in self.cleaned_]
        self.wrapper_ = [self._wrapper(i, shared_text) for i in range(len(members))]
        return self

    def _line_sets(self, member: int) -> list[np.ndarray]:
        return [self.line_sets_[t] for t in self._lines_of(member)]

    def _lines_of(self, member: int) -> range:
        return range(int(self.line_start_[member]), int(self.line_start_[member + 1]))

    def _long_lines_of(self, member: int) -> list[int]:
        return [t for t in self._lines_of(member) if self.line_words_[t] >= self.shingle_size]

    def _last_shingles(self, lines: list[str]) -> np.ndarray:
        """The hash of each line's last ``shingle_size`` words (its only shingle when shorter; 0 when it has none)."""
        last = np.zeros(len(lines), dtype=np.uint32)
        if not lines:
            return last
        data, starts, ends, line_starts = token_bounds(pl.Series(lines, dtype=pl.String))
        raw = data.tobytes()
        offsets = np.searchsorted(starts, line_starts).tolist()
        for t in np.flatnonzero(self.line_words_ > 0).tolist():
            lo, hi = max(offsets[t], offsets[t + 1] - self.shingle_size), offsets[t + 1]
            last[t] = shingle_hash(b" ".join(raw[s:e] for s, e in zip(starts[lo:hi].tolist(), ends[lo:hi].tolist(),
                                                                       strict=True)))
        return last

    def _wrapper(self, member: int, shared: np.ndarray) -> float:
        """``W_i``: the summed own share of the member's lines, leaving out its own paragraphs inside its shared
        span."""
        lines = self._lines_of(member)
        own = np.array([1.0 - _member_of(self.line_sets_[t], shared).mean() if len(self.line_sets_[t]) else np.nan
                        for t in lines])
        if not len(own):
            return 0.0
        long = self.line_words_[lines.start : lines.stop] >= self.shingle_size
        spanning = np.flatnonzero(long & (own < 1.0))
        inside = np.zeros(len(own), dtype=bool)
        if len(spanning):
            inside[spanning[0] + 1 : spanning[-1]] = True
        counted = ~np.isnan(own) & ~(inside & (own == 1.0))
        return float(own[counted].sum())

    def cut(self, j: int, i: int) -> bool:
        """Whether member ``j`` is a teaser cut from member ``i`` (module docstring)."""
        if self.shared_sizes_[j] == 0:
            return False
        if _member_of(self.cleaned_[j], self.texts_[i]).sum() < self.containment_threshold * self.shared_sizes_[j]:
            return False
        anchors = [t for t in self._long_lines_of(j) if _member_of(self.line_last_[t : t + 1], self.texts_[i])[0]]
        return bool(anchors) and self._goes_on(j, i, anchors[-1])

    def _goes_on(self, j: int, i: int, anchor: int) -> bool:
        """Whether ``i`` goes on, with text ``j`` lacks, where ``j``'s line ``anchor`` stops: in the middle of a line
        of ``i``, or (when ``anchor`` ends with an ellipsis) after the line of ``i`` that shares it."""
        long = self._long_lines_of(i)
        last = self.line_last_[anchor : anchor + 1]
        holding = [t for t in long if _member_of(last, self.line_sets_[t])[0]]
        if holding:
            line = holding[-1]
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


def _shared_hashes(sets: Sequence[np.ndarray]) -> np.ndarray:
    """The sorted hashes found in at least two of ``sets`` (each a set: no repeats inside one)."""
    if len(sets) < 2:
        return _EMPTY
    values, counts = np.unique(np.concatenate([np.asarray(s, dtype=np.uint32) for s in sets]), return_counts=True)
    return values[counts >= 2]


class OriginChooser:
    """Chooses the canonical of a group by ``ORIGIN_RULES`` (module docstring); one chooser serves every group.

    ``shingle_size`` must be the one the members' shingle sets were made with; ``containment_threshold`` is the share
    of a teaser's shared text that the fuller member must hold (dedup's ``containment_threshold``);
    ``source_priority`` lists preferred sources (exact names) for the ``source_priority`` rule.
    """

    def __init__(self, shingle_size: int, containment_threshold: float, source_priority: Sequence[str],
                 aggregators: Aggregators) -> None:
        self.shingle_size = shingle_size
        self.containment_threshold = containment_threshold
        self.source_priority = source_priority
        self.aggregators = aggregators

    def choose(self, members: Sequence[Member]) -> CanonicalChoice:
        """The canonical member's id, the rule that decided, and the evidence about every member."""
        if not members:
            raise ValueError("a group has at least one member")
        group = _Group(self, members)
        candidates = list(range(len(members)))
        decided = "lowest_id"
        for rule, step in group.steps().items():
            kept = step(candidates)
            if kept and len(kept) < len(candidates):
                candidates, decided = kept, rule
            if len(candidates) == 1:
                break
        return CanonicalChoice(members[candidates[0]].article_id, decided, group.evidence())


class _Group:
    """One group while it is being decided: the evidence about its members, and one step per rule."""

    def __init__(self, chooser: OriginChooser, members: Sequence[Member]) -> None:
        self.members = members
        self.priority = {source: rank for rank, source in enumerate(chooser.source_priority)}
        self.aggregator = chooser.aggregators.mask([m.source for m in members], [m.url for m in members])
        self.own_host = [host_matches_source(m.source, m.url) for m in members]
        keys = [source_keys(m.source, m.url) for m in members]
        ids = [m.article_id for m in members]
        position = {article: i for i, article in enumerate(ids)}
        self.attributions = [
            find_attributions(m.lines, keys[i], {ids[j]: keys[j] for j in range(len(members)) if j != i})
            for i, m in enumerate(members)
        ]
        self.names = [{position[n] for a in found for n in a.named} for found in self.attributions]
        self.text = GroupText(chooser.shingle_size, chooser.containment_threshold).fit(members)
        self.teaser_of: dict[int, list[int]] = {}

    def steps(self) -> dict[str, Callable[[list[int]], list[int]]]:
        steps = {
            "not_aggregator": self._best(lambda i: self.aggregator[i]),
            "attribution": self._attribution,
            "dated": self._best(lambda i: self._undated(i)),
            "earliest": self._earliest,
            "source_priority": self._best(lambda i: self.priority.get(self.members[i].source, len(self.priority))),
            "not_teaser": self._not_teaser,
            "most_complete": self._best(lambda i: -self.text.completeness_[i]),
            "least_wrapper": self._best(lambda i: round(self.text.wrapper_[i], 9)),
            "own_host": self._best(lambda i: not self.own_host[i]),
            "earliest_time": self._best(self._time_key),
            "lowest_id": self._best(lambda i: self.members[i].article_id),
        }
        assert list(steps) == list(ORIGIN_RULES), "ORIGIN_RULES and the steps must list the same rules in one order"
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
        """Members that name another candidate (not naming them back) as their origin drop out."""
        alive = set(candidates)
        return [i for i in candidates if not any(j != i and i not in self.names[j] for j in self.names[i] & alive)]

    def _earliest(self, candidates: list[int]) -> list[int]:
        """By full timestamp when every candidate has a time of day, else by day; undated candidates all tie."""
        if any(self._undated(i) for i in candidates):
            return candidates
        by_time = all(self.members[i].timed for i in candidates)
        return self._best(lambda i: self.members[i].published_at if by_time else self.members[i].published_at.date())(
            candidates
        )

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


def members_from_frame(frame: pl.DataFrame, shingles: Sequence[np.ndarray], rows: Sequence[int]) -> list[Member]:
    """The ``Member`` of each of ``rows`` of ``frame``, whose columns are ``article_id, source, url, published_at,
    date_missing, title, text`` (the raw text: its lines are what attribution and wrapper are read from; the title
    stands in for an empty text), and ``shingles[row]`` the row's shingle set of the cleaned text."""
    picked = frame[list(rows)].select("article_id", "source", "url", "published_at", "date_missing", "title", "text")
    members = []
    for row, record in zip(rows, picked.iter_rows(named=True), strict=True):
        text = record["text"] or ""
        lines = tuple(text.split("\n")) if text.strip() else (record["title"] or "",)
        members.append(Member(
            article_id=record["article_id"], source=record["source"], url=record["url"],
            published_at=record["published_at"], date_missing=bool(record["date_missing"]),
            timed=has_time_of_day(record["published_at"]), lines=lines, shingles=shingles[row],
        ))
    return members
