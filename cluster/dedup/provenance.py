"""Where an article comes from: known aggregators, a source's own site, and lines that name an article's origin.

**Names and keys.** Sources are written many ways: ``Al Jazeera``, ``www.aljazeera.com``, ``AL JAZEERA``. Every way
is reduced to *keys*: a name to its letters and digits, lower-cased, accents dropped (``RTÉ`` → ``rte``, ``Yahoo!
News`` → ``yahoonews``), also without a leading "the" and without trailing generic words ("BBC News" → ``bbcnews``,
``bbc``); a host to its *site label*, the label left of the public suffix (``europe.chinadaily.com.cn`` →
``chinadaily``, ``www.bbc.co.uk`` → ``bbc``), or the label left of a hosting platform (``abcnews.go.com`` →
``abcnews``). Two sources are the same when their keys meet.

**Aggregators** (``AGGREGATOR_NAMES``, ``AGGREGATOR_HOSTS``) are services that show articles other newsrooms wrote:
reader apps, portals, digital newsstands, feed readers and archives. An article is an aggregator's when its source
is a listed name (trailing edition words allowed: "Yahoo News UK"), or its source or URL host is a listed host or a
subdomain of one (``uk.news.yahoo.com``, ``msn.com/en-gb/...``). ``Aggregators`` holds the built-in list, extended by
``dedup.aggregators`` (names, or hosts where an entry looks like one), and can leave the built-in list out.

**Attribution.** A copy that says where it comes from is believed. ``find_attributions`` reads an article's raw
lines (before chrome removal: attribution lines are chrome themselves) for cues that name a source, in the wordings
of ``ATTRIBUTION_RULES`` (``cluster.rules``), and keeps those that name another member of the group:

* the text after the cue is cut at sentence punctuation and split into parts at commas, slashes, "&" and "and"
  ("Source: Al Jazeera and news agencies" → "Al Jazeera", "news agencies"); a host at its start is taken whole;
* a part names a member when its first words have one of the member's keys, and what follows is nothing, a
  lower-case word (the name ended: "republished from The Conversation under a Creative Commons licence") or a
  generic word ("Al Jazeera English", "BBC News"); the longest such start wins; where no start is a key, one that
  abbreviates a key counts (initials: "Deutsche Welle" for ``dw.com``; starts of its parts: "HuffPost" for
  ``huffingtonpost.com``), after a cue that names a place of publication only (``_SHORT_FORM_CUES``);
* a line of at most ``NAME_LINE_MAX_WORDS`` words that is exactly a member's name (generic words allowed) names it
  too: apps print the origin's name on a line of its own; a "via X" line counts only on its own, short;
* an article never names itself: members whose keys meet its own are left out (the original's own "Source: Al
  Jazeera" line is no attribution, the same line in a reprint is).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np
import polars as pl

AGGREGATOR_NAMES: tuple[str, ...] = (
    # reader apps
    "inkl", "Apple News", "Google News", "Flipboard", "NewsBreak", "SmartNews", "Ground News", "Upday", "News360",
    "Inshorts", "Dailyhunt", "Toutiao", "LINE NEWS", "Knewz",
    # portals that carry partners' articles under their own brand
    "Yahoo", "Yahoo News", "Yahoo Finance", "Yahoo Sports", "Yahoo Entertainment", "Yahoo Life", "Yahoo Japan",
    "MSN", "MSN News", "Microsoft Start", "Microsoft News", "AOL", "AOL News", "Naver News", "Daum News",
    # headline aggregators and link pages that show excerpts
    "NewsNow", "Drudge Report", "Memeorandum", "Techmeme", "AllSides", "BizToc", "Head Topics", "Alltop",
    # digital newsstands, feed readers, archives
    "PressReader", "Readly", "Zinio", "Magzter", "Blendle", "Feedly", "Inoreader", "NewsBlur", "Internet Archive",
    "Wayback Machine", "archive.today",
)
AGGREGATOR_HOSTS: tuple[str, ...] = (
    "inkl.com", "apple.news", "news.google.com", "flipboard.com", "newsbreak.com", "smartnews.com", "ground.news",
    "upday.com", "news360.com", "inshorts.com", "dailyhunt.in", "toutiao.com", "news.line.me", "knewz.com",
    "particle.news", "yahoo.com", "yahoo.co.jp", "msn.com", "aol.com", "news.naver.com", "v.daum.net",
    "newsnow.co.uk", "drudgereport.com", "memeorandum.com", "techmeme.com", "allsides.com", "biztoc.com",
    "headtopics.com", "alltop.com", "pressreader.com", "readly.com", "zinio.com", "magzter.com", "blendle.com",
    "feedly.com", "inoreader.com", "newsblur.com", "getpocket.com", "web.archive.org", "archive.org", "archive.ph",
    "archive.is", "archive.today",
)
"""The built-in aggregator list, and how it is kept.

An entry is a service whose pages are mostly other newsrooms' articles, shown whole or in part: reader apps, portals
that carry partners' feeds (MSN, Yahoo, AOL), headline pages, digital newsstands, feed readers and web archives. An
outlet with a newsroom of its own whose output is mostly its own is never listed, even when it also republishes
(partners are told apart by attribution and text evidence instead). Names are listed as the services write them;
hosts as the registrable domain or the one subdomain that serves articles (``news.google.com``, not
``google.com``), and match that host and every subdomain of it. A name that is also a common word or another
outlet's name is left out and only the host listed ("Pocket", "Particle", "Opera News", a magazine). Portals such as
MSN and Yahoo publish a few originals of their own: listed, such an original loses to a non-aggregator copy of it,
which is rare and accepted. Add a service when a run shows it winning canonicals (``newsclust show article``, the
syndication table); remove one that becomes a publisher. Runs extend the list with ``dedup.aggregators``.
"""

NAME_LINE_MAX_WORDS = 6  # a line naming a source on its own is short ("Al Jazeera", "via Reuters")
CREDIT_EDGE_CHARS = 240  # a credit run into a long text sits within this many characters of its start or end
_MAX_NAME_WORDS = 8  # words of a named span tried as a source name
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "or", "ne", "go", "gob", "mil", "nic",
                           "ltd", "plc", "sch", "nhs", "police"})  # under a country code: bbc.co.uk, chinadaily.com.cn
_PLATFORMS = frozenset({"go.com", "blogspot.com", "wordpress.com", "substack.com", "medium.com", "tumblr.com",
                        "github.io", "typepad.com", "wixsite.com", "weebly.com", "squarespace.com"})
_EDITION_WORDS = frozenset({"uk", "us", "usa", "au", "ca", "nz", "ie", "in", "sg", "ph", "my", "za", "de", "fr",
                            "es", "it", "jp", "en", "english", "edition", "australia", "canada", "india", "singapore",
                            "philippines", "malaysia", "plus", "app"})
GENERIC_NAME_WORDS = frozenset({"news", "english", "online", "media", "network", "group", "staff", "digital", "com",
                                "wire", "agency", "agencies", "newsroom", "international", "world", "reporters",
                                "correspondents", "desk", "service", "services", "inc", "ltd", "limited", "llc",
                                "plc", "corp", "corporation", "company", "gmbh", "ag", "sa", "net", "org", "tv",
                                "radio", "live", "today", "uk", "us"})
"""Words that may follow an outlet's name without making it another name ("BBC News", "Al Jazeera Media Network")."""
_EDITIONS = frozenset({"europe", "asia", "africa", "americas", "pacific", "global", "edition"})
"""Editions a credit may add after the name ("China Daily Europe", "Al Jazeera Asia"). Not countries: "ABC
Australia" is another broadcaster than ABC News."""
_AFTER_CUED_NAME = GENERIC_NAME_WORDS | _EDITIONS
_STOP_KEYS = frozenset({"the", "news", "world", "home", "source", "sources", "staff", "com", "www", "online", "media",
                        "live", "today", "video", "photo", "more", "unknown"})

_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]")
_HOST_AT_START = re.compile(r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})\b", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+")
_CAMEL_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")  # "HuffPost" → Huff, Post; "NYPost" → NY, Post
_SPAN_END = re.compile(r"[.;:!?()\[\]|\"“”]|\s[-–—]\s|,\s+(?:which|who|and|on|in)\b")
_PARTS = re.compile(r"\s*(?:,|/|&|\+|\band\b)\s*", re.IGNORECASE)
_ELLIPSIS = re.compile(r"(?:…|\.\.\.|\[…\]|\[\.\.\.\])\W*$")

_CUE_WORDINGS: tuple[tuple[str, str], ...] = (  # (rule, the words before the name)
    ("originally_published", r"\b(?:originally|first)\s+(?:appeared|published|posted|ran|aired)\s+"
                             r"(?:on|in|at|by|with|from)\s+"),
    ("originally_published", r"\b(?:appeared|published)\s+(?:first|originally)\s+(?:on|in|at|by)\s+"),
    ("republished_from", r"\b(?:re-?published|reprinted|re-?posted|syndicated)\s+(?:here\s+)?"
                         r"(?:with\s+(?:kind\s+)?permission\s+)?(?:from|of|by)\s+"),
    ("produced_by", r"\b(?:this|the)\s+(?:story|article|report|piece|content|post)\s+(?:was|is|has\s+been)\s+"
                    r"(?:produced|written|reported|provided|supplied|created)\s+(?:by|for|in\s+partnership\s+with)\s+"),
    ("continue_reading", r"\b(?:continue|keep)\s+reading\s+(?:on|at|in)\s+"),
    ("continue_reading", r"\bread\s+(?:the\s+)?(?:full|whole|complete|original|rest\s+of\s+the)\s*"
                         r"(?:story|article|report|piece|post)?\s+(?:on|at|in|from)\s+"),
    ("continue_reading", r"\bread\s+more\s+(?:on|at)\s+"),
    ("source_line", r"^sources?\s*[:\-–—|]\s*"),
    ("copyright", r"^(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?"),
)
# one scan per line: every wording is an alternative, its name captured by a look-ahead so that a cue naming no
# member does not hide a later one
# cues after which a name is an outlet, never a person: "written by Dan Williams" is a byline, not "DW"
_SHORT_FORM_CUES = frozenset({"originally_published", "republished_from", "continue_reading", "source_line"})
_CUES = re.compile("|".join(f"(?P<c{k}>{words})(?=(?P<n{k}>\\S.{{0,160}}))" for k, (_, words) in
                            enumerate(_CUE_WORDINGS)), re.IGNORECASE)
_CUE_WORDS = ("originally", "first", "publish", "reprint", "repost", "re-post", "syndicat", "produced", "written",
              "reported", "provided", "supplied", "created", "read", "source", "©", "(c)", "copyright")
_CUE_HINT = re.compile(  # on the lower-cased line with single spaces: every cue has one of these (and a word above)
    r"originally|first (?:appeared|published|posted|ran|aired)|(?:appeared|published) first|re-?published|reprinted|"
    r"re-?posted|syndicated|(?:produced|written|reported|provided|supplied|created) (?:by|for|in)|reading (?:on|at|in)|"
    r"read (?:the )?(?:full|whole|complete|original|rest|more)|^sources?\b|©|\(c\)|copyright"
)
_VIA = re.compile(r"^\(?\s*via\s*[:\-–—]?\s+(?P<name>[^()]{2,60}?)\s*\)?\.?$", re.IGNORECASE)
_DATELINES = (  # case-sensitive: a place in capitals or title case, then the agency
    re.compile(r"^(?:[A-Z][\w.'’,/ -]{0,40}?\s*)?\((?P<name>[^()]{2,40})\)\s*[-–—]"),
    re.compile(r"^[A-Z][\w.'’, -]{0,40}?\s*/(?P<name>[A-Za-z][^/]{1,30})/"),
)


# ---------------------------------------------------------------- names, hosts, keys


def name_tokens(text: str) -> list[str]:
    """Letter-and-digit runs of ``text`` with accents dropped, case kept (``"RTÉ News"`` → ``["RTE", "News"]``)."""
    if text.isascii():  # nothing to decompose (most lines): skip the per-character pass
        return _TOKEN.findall(text)
    decomposed = unicodedata.normalize("NFKD", text)
    return _TOKEN.findall("".join(c for c in decomposed if not unicodedata.combining(c)))


def name_key(text: str) -> str:
    """A name's letters and digits, lower-cased and without accents: ``"Yahoo! News"`` → ``"yahoonews"``."""
    return "".join(name_tokens(text)).lower()


def looks_like_host(text: str) -> bool:
    """Whether ``text`` is a bare host name (``www.aljazeera.com``), not a name with spaces."""
    return _HOST.fullmatch(text.strip().lower()) is not None


def host_of(url: str | None) -> str | None:
    """The lower-cased host of a URL, with or without a scheme (``"msn.com/en-gb/news"`` → ``"msn.com"``)."""
    if not url or not url.strip():
        return None
    text = url.strip()
    try:
        host = urlsplit(text if "://" in text else "//" + text).hostname
    except ValueError:
        return None
    return host.rstrip(".") if host and "." in host else None


def _registrable(host: str) -> tuple[str, str] | None:
    """(site label, registrable domain) of a host: the label left of the public suffix, or of a platform."""
    labels = [label for label in host.lower().split(".") if label]
    if len(labels) < 2:
        return None
    suffix = 2 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 1
    domain = labels[-suffix - 1 :]
    if ".".join(domain) in _PLATFORMS and len(labels) > suffix + 1:
        domain = labels[-suffix - 2 :]
    return domain[0], ".".join(domain)


def site_label(host: str) -> str | None:
    """The label that names a site: ``"europe.chinadaily.com.cn"`` → ``"chinadaily"``, ``"abcnews.go.com"`` →
    ``"abcnews"``."""
    found = _registrable(host)
    return found[0] if found else None


def _name_variants(tokens: Sequence[str]) -> set[str]:
    lowered = [t.lower() for t in tokens]
    variants = {"".join(lowered)}
    if len(lowered) > 1 and lowered[0] == "the":
        variants.add("".join(lowered[1:]))
    trimmed = list(lowered)
    while len(trimmed) > 1 and trimmed[-1] in GENERIC_NAME_WORDS:
        trimmed.pop()
        variants.add("".join(trimmed))
    return variants


def _initialisms(tokens: Sequence[str]) -> set[str]:
    """``Deutsche Welle`` → ``dw``; ``New York Times`` → ``nyt``, ``nytimes`` (how outlets abbreviate for domains)."""
    words = [t.lower() for t in tokens if t.lower() not in {"the", "of", "and"}]
    if len(words) < 2:
        return set()
    return {"".join(w[0] for w in words), "".join(w[0] for w in words[:-1]) + words[-1]}


def host_matches_source(source: str | None, url: str | None) -> bool:
    """Whether the URL is on the source's own site.

    True when the source is a host of the same registrable domain, or when the URL's site label is the source's
    name key, with or without a leading "the" or trailing generic words (``Al Jazeera`` and ``aljazeera.com``,
    ``The Guardian`` and ``theguardian.com``, ``BBC News`` and ``bbc.co.uk``), its initials (``Deutsche Welle``
    and ``dw.com``, ``New York Times`` and ``nytimes.com``), or a short form of it (``HuffPost`` and
    ``huffingtonpost.com``: ``_camel_short_form``). Anything else, a missing URL included, is False:
    ``Al Jazeera`` on ``inkl.com`` or on ``msn.com`` is not on its own site.
    """
    host = host_of(url)
    if not host or not source or not source.strip():
        return False
    found = _registrable(host)
    if found is None:
        return False
    label, domain = found
    if looks_like_host(source):
        own = _registrable(source.strip().lower())
        return own is not None and own[1] == domain
    tokens = name_tokens(source)
    return bool(tokens) and (label in (_name_variants(tokens) | _initialisms(tokens))
                             or (len(tokens) == 1 and _camel_short_form(tokens[0], label)))


def source_keys(source: str | None, url: str | None = None) -> frozenset[str]:
    """The keys a source is known by (see the module docstring), plus its URL's site label when the URL is on its
    own site. Generic keys ("news", "world") are dropped: they name no one."""
    keys: set[str] = set()
    if source and source.strip():
        if looks_like_host(source):
            label = site_label(source.strip().lower())
            keys.update({label} if label else set())
        else:
            keys.update(_name_variants(name_tokens(source)))
    if url and host_matches_source(source, url):
        label = site_label(host_of(url) or "")
        keys.update({label} if label else set())
    return frozenset(k for k in keys if len(k) >= 2 and k not in _STOP_KEYS)


# ---------------------------------------------------------------- aggregators


@dataclass(frozen=True)
class Aggregators:
    """Aggregator names (as keys) and hosts; ``matches`` tells whether an article is an aggregator's."""

    names: frozenset[str]
    hosts: tuple[str, ...]

    @classmethod
    def from_lists(cls, extra: Iterable[str], builtin: bool) -> Aggregators:
        """The built-in list (unless ``builtin`` is False) extended by ``extra`` (``dedup.aggregators``): each entry
        a name, or a host where it looks like one."""
        entries = [*(AGGREGATOR_NAMES + AGGREGATOR_HOSTS if builtin else ()), *extra]
        names = {name_key(e) for e in entries if e and not looks_like_host(e)}
        hosts = {e.strip().lower().removeprefix("www.") for e in entries if e and looks_like_host(e)}
        return cls(frozenset(n for n in names if n), tuple(sorted(hosts)))

    def _host_listed(self, host: str | None) -> bool:
        return bool(host) and any(host == h or host.endswith("." + h) for h in self.hosts)

    def _name_listed(self, source: str) -> bool:
        tokens = [t.lower() for t in name_tokens(source)]
        while tokens:
            if "".join(tokens) in self.names:
                return True
            if tokens[-1] not in _EDITION_WORDS:
                return False
            tokens.pop()
        return False

    def matches(self, source: str | None, url: str | None) -> bool:
        """Whether the source is a listed name (edition words such as "UK" may follow), or the source or the URL
        host is a listed host or one of its subdomains."""
        if source and source.strip():
            cleaned = source.strip().lower()
            if looks_like_host(cleaned) and self._host_listed(cleaned):
                return True
            if self._name_listed(source):
                return True
        return self._host_listed(host_of(url))

    def mask(self, sources: Sequence[str | None], urls: Sequence[str | None]) -> list[bool]:
        """``matches`` for every (source, URL) row, each distinct source and host looked up once."""
        by_source = lru_cache(maxsize=None)(lambda s: self.matches(s, None))
        by_host = lru_cache(maxsize=None)(self._host_listed)
        return [by_source(s) or by_host(host_of(u)) for s, u in zip(sources, urls, strict=True)]


def is_aggregator(source: str | None, url: str | None, extra_names: Iterable[str], builtin: bool = True) -> bool:
    """Whether an article with this source and URL comes from an aggregator (see ``Aggregators``)."""
    return Aggregators.from_lists(extra_names, builtin).matches(source, url)


# ---------------------------------------------------------------- attribution


@dataclass(frozen=True)
class Attribution:
    """A line of an article that names another member's source as its origin."""

    line: str  # the raw line, stripped
    rule: str  # a name in ``cluster.rules.ATTRIBUTION_RULES``
    named: tuple[str, ...]  # the members it names (ids)


def _key_index(others: Mapping[str, frozenset[str]]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for member, keys in others.items():
        for key in keys:
            index.setdefault(key, []).append(member)
    return index


def _names_in_part(tokens: list[str], index: Mapping[str, list[str]], whole: bool,
                   short_forms: bool = False) -> list[str]:
    """Members whose key is the start of ``tokens`` (longest first; a leading "the" may be left out), with an
    acceptable rest: nothing, generic words or (unless ``whole``: the tokens are a line of their own) an edition or a
    lower-case word that ends the name. With ``short_forms``, a start that abbreviates a key counts when no start is
    a key (``_short_form_members``)."""
    tokens = tokens if whole else tokens[:_MAX_NAME_WORDS]
    starts = [tokens, tokens[1:]] if len(tokens) > 1 and tokens[0].lower() == "the" else [tokens]
    lookups: list[Callable[[Sequence[str]], list[str]]] = [lambda words: index.get("".join(words).lower(), [])]
    if short_forms:
        lookups.append(lambda words: _short_form_members(words, index))
    for lookup in lookups:
        for words in starts:
            for end in range(len(words), 0, -1):
                members = lookup(words[:end])
                if members and _name_ends(words[end:], whole):
                    return members
    return []


def _name_ends(rest: Sequence[str], whole: bool) -> bool:
    """Whether what follows a name leaves it that name: nothing or generic words; after a cue also an edition or a
    lower-case word ("republished from The Conversation under a Creative Commons licence")."""
    if all(t.lower() in GENERIC_NAME_WORDS for t in rest):
        return True
    return not whole and (rest[0][:1].islower() or all(t.lower() in _AFTER_CUED_NAME for t in rest))


def _short_form_members(words: Sequence[str], index: Mapping[str, list[str]]) -> list[str]:
    """Members whose key a credited name, capitalised word by word, abbreviates: its initials (``Deutsche Welle``
    for ``dw.com``'s ``dw``, as ``_initialisms`` makes them) or, for one camel-case word, a key it is the short form
    of (``_camel_short_form``). Credits name an outlet as readers know it, which is often not how its host spells
    it. A credit is read this way only after a cue that names a place of publication (``_SHORT_FORM_CUES``):
    "written by Dan Williams" and a short line of two capitalised words are as often a byline or a caption as a
    source."""
    if not words or not all(w[:1].isupper() for w in words):
        return []
    if len(words) > 1:
        return [m for key in sorted(_initialisms(words)) for m in index.get(key, [])]
    return [m for key in sorted(index) if _camel_short_form(words[0], key) for m in index[key]]


def _camel_short_form(word: str, key: str) -> bool:
    """Whether one capitalised camel-case word is made of the starts of a longer key's parts, each at least two
    letters, the first three (``HuffPost`` for ``huffingtonpost``: ``huff…post…``). Only one word: "The Times" is
    no short form of ``thetimesofindia``."""
    parts = [part.lower() for part in _CAMEL_PARTS.findall(word)]
    if not word[:1].isupper() or len(parts) < 2 or len(parts[0]) < 3 or min(map(len, parts)) < 2 \
            or len("".join(parts)) >= len(key):
        return False
    return re.fullmatch("[a-z0-9]*".join(map(re.escape, parts)) + "[a-z0-9]*", key) is not None


def _named_in_span(span: str, index: Mapping[str, list[str]], short_forms: bool = False) -> list[str]:
    """Members named by the text after an attribution cue (see the module docstring); ``short_forms`` for a cue
    that names a place of publication (``_SHORT_FORM_CUES``)."""
    host = _HOST_AT_START.match(span)
    if host:
        label = site_label(host.group(1).lower())
        if label and label in index:
            return index[label]
    span = _SPAN_END.split(span, maxsplit=1)[0]
    named: list[str] = []
    for part in _PARTS.split(span):
        named.extend(m for m in _names_in_part(name_tokens(part), index, whole=False, short_forms=short_forms)
                     if m not in named)
    return named


def _line_attribution(line: str, index: Mapping[str, list[str]], cued: bool = True) -> Attribution | None:
    short = len(line.split(maxsplit=NAME_LINE_MAX_WORDS)) <= NAME_LINE_MAX_WORDS  # a paragraph is not split whole
    tokens = name_tokens(line) if short else []
    if tokens and len(tokens) <= NAME_LINE_MAX_WORDS:
        named = _names_in_part(tokens, index, whole=True)
        if named:
            return Attribution(line, "name_line", tuple(named))
        via = _VIA.match(line)
        if via and (named := _named_in_span(via["name"], index)):
            return Attribution(line, "via_line", tuple(named))
    for pattern in _DATELINES:
        found = pattern.match(line)
        if found and (named := _named_in_span(found["name"], index)):
            return Attribution(line, "dateline", tuple(named))
    for edge in _edges(line) if cued else ():
        lowered = edge.lower()
        if not any(word in lowered for word in _CUE_WORDS) or not _CUE_HINT.search(" ".join(lowered.split())):
            continue
        for k, span in _cue_spans(edge):
            if named := _named_in_span(span, index, _CUE_WORDINGS[k][0] in _SHORT_FORM_CUES):
                return Attribution(line, _CUE_WORDINGS[k][0], tuple(named))
    return None


@lru_cache(maxsize=1 << 12)
def _cue_spans(edge: str) -> tuple[tuple[int, str], ...]:
    """Each cue in an edge, in order: its wording's index in ``_CUE_WORDINGS`` and the text after it (cached: a
    syndicated credit line repeats in every copy, and the cue search was most of the origin rules' time)."""
    spans = []
    for found in _CUES.finditer(edge):
        k = next(k for k in range(len(_CUE_WORDINGS)) if found.group(f"c{k}") is not None)
        spans.append((k, found.group(f"n{k}")))
    return tuple(spans)


def _edges(line: str) -> tuple[str, ...]:
    """Where a credit can be: a whole short line, or the start and the end of a long one (a credit run into the
    text, as in feeds without line breaks). The middle of a long paragraph is prose: "the report, first published
    by the BBC in 2015, says" credits nothing."""
    if len(line) <= CREDIT_EDGE_CHARS * 2:
        return (line,)
    return line[:CREDIT_EDGE_CHARS], line[-CREDIT_EDGE_CHARS:]


def find_attributions(lines: Iterable[str], own_keys: frozenset[str], others: Mapping[str, frozenset[str]],
                      cued: Sequence[bool] | None = None, nameable: Sequence[bool] | None = None) -> list[Attribution]:
    """Every line of an article (raw, before chrome removal) that names one of ``others`` (member id → its
    ``source_keys``) as the origin, in line order. Members sharing a key with ``own_keys`` are the article's own
    source and never count. ``cued`` and ``nameable``, when given, are ``cue_lines`` and ``nameable_lines`` of the
    article's non-empty lines: a line neither marks is not searched at all, and one only ``nameable`` marks is not
    searched for a credit cue."""
    index = _key_index({member: keys for member, keys in others.items() if keys and not keys & own_keys})
    if not index:
        return []
    stripped = [line for line in (raw.strip() for raw in lines) if line]
    cued = [True] * len(stripped) if cued is None else cued
    if nameable is None:
        nameable = [bool(credit) or _may_name_or_date(line) for credit, line in zip(cued, stripped, strict=True)]
    found = []
    for k in np.flatnonzero(np.logical_or(cued, nameable)).tolist() if stripped else []:
        if attribution := _line_attribution(stripped[k], index, bool(cued[k])):
            found.append(attribution)
    return found


def _may_name_or_date(line: str) -> bool:
    """Whether a line could be a name line, a via line or a dateline (``_line_attribution``): a short line, or one
    holding the bracket or slash a dateline needs. Most paragraphs are neither, and this is much cheaper to ask."""
    return "(" in line or "/" in line or len(line.split(maxsplit=NAME_LINE_MAX_WORDS)) <= NAME_LINE_MAX_WORDS


def nameable_lines(lines: pl.Series) -> np.ndarray:
    """``_may_name_or_date`` of many lines (stripped, non-empty) in one vectorised pass."""
    words = lines.str.count_matches(r"[^\s\x1c-\x1f]+")  # the runs str.split() returns
    shown = lines.str.contains("(", literal=True) | lines.str.contains("/", literal=True) | (
        words <= NAME_LINE_MAX_WORDS)
    return shown.fill_null(False).to_numpy()


def cue_lines(lines: pl.Series) -> np.ndarray:
    """Which lines (stripped, non-empty) may hold a credit cue at an edge: the cheap tests of ``find_attributions``
    (a cue word, then a cue hint) for many lines in one vectorised pass, so that the per-line search runs only on the
    few that pass. A superset of the lines the search would find a cue in."""
    long = (lines.str.len_chars() > 2 * CREDIT_EDGE_CHARS).fill_null(False)
    heads = pl.select(pl.when(long).then(lines.str.slice(0, CREDIT_EDGE_CHARS)).otherwise(lines)).to_series()
    edges = pl.DataFrame({"line": np.concatenate([np.arange(len(lines)), np.flatnonzero(long.to_numpy())]),
                          "edge": pl.concat([heads, lines.filter(long).str.slice(-CREDIT_EDGE_CHARS)])})
    worded = edges.with_columns(pl.col("edge").str.to_lowercase()).filter(
        pl.col("edge").str.contains_any(list(_CUE_WORDS))
    )
    spaced = pl.col("edge").str.replace_all(r"[\s\x1c-\x1f]+", " ").str.strip_chars(" ")  # what str.split() splits on
    hinted = worded.filter(spaced.str.contains(_CUE_HINT.pattern))["line"].to_numpy()
    cued = np.zeros(len(lines), dtype=bool)
    cued[hinted] = True
    return cued


def ends_with_ellipsis(line: str) -> bool:
    """Whether a line ends with an ellipsis (``…``, ``...``, ``[…]``): a text cut short says so."""
    return _ELLIPSIS.search(line.strip()) is not None
