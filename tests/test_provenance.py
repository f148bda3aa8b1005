"""Aggregator list, a source's own site, and attribution lines, on the ways real feeds write sources and credits."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster.chrome_patterns import BUILTIN_PATTERNS
from cluster.dedup.provenance import (
    AGGREGATOR_HOSTS,
    AGGREGATOR_NAMES,
    Aggregators,
    _key_index,
    _line_attribution,
    _may_name_or_date,
    cue_lines,
    ends_with_ellipsis,
    find_attributions,
    host_matches_source,
    host_of,
    is_aggregator,
    name_key,
    name_tokens,
    nameable_lines,
    site_label,
    source_keys,
)
from cluster.rules import ATTRIBUTION_RULES

MEMBERS = {  # the group's other members, as sources are written in real feeds
    "aj": source_keys("www.aljazeera.com", "https://www.aljazeera.com/news/2024/5/1/port-strike"),
    "reuters": source_keys("Reuters", "https://www.reuters.com/world/port-strike-2024-05-01/"),
    "tass": source_keys("tass.com"),
    "bbc": source_keys("BBC News", "https://www.bbc.co.uk/news/world-68912345"),
    "conversation": source_keys("The Conversation"),
    "abc": source_keys("abcnews.go.com"),
}


def named(line: str, own: frozenset[str] = frozenset()) -> list[tuple[str, tuple[str, ...]]]:
    return [(a.rule, a.named) for a in find_attributions([line], own, MEMBERS)]


# ---------------------------------------------------------------- names and hosts


def test_name_keys_ignore_case_accents_spaces_and_punctuation():
    assert name_key("RTÉ News") == "rtenews"
    assert name_key("Yahoo! News") == name_key("yahoo news") == "yahoonews"
    assert name_key("  Al   Jazeera ") == "aljazeera"


@pytest.mark.parametrize(("url", "host"), [
    ("https://www.aljazeera.com/news/2024/5/1/port-strike", "www.aljazeera.com"),
    ("msn.com/en-gb/news/world/port-strike/ar-AA1abc", "msn.com"),
    ("HTTP://UK.NEWS.YAHOO.COM/port-strike-091500123.html", "uk.news.yahoo.com"),
    ("", None), (None, None), ("not a url", None), ("http://[bad", None),
])
def test_host_of_reads_urls_with_or_without_a_scheme(url, host):
    assert host_of(url) == host


@pytest.mark.parametrize(("host", "label"), [
    ("www.bbc.co.uk", "bbc"), ("europe.chinadaily.com.cn", "chinadaily"), ("abcnews.go.com", "abcnews"),
    ("edition.cnn.com", "cnn"), ("news.yahoo.co.jp", "yahoo"), ("www.dw.com", "dw"), ("localhost", None),
])
def test_site_label_is_the_label_left_of_the_public_suffix_or_platform(host, label):
    assert site_label(host) == label


@pytest.mark.parametrize(("source", "url"), [
    ("Al Jazeera", "https://www.aljazeera.com/news/2024/5/1/port-strike"),
    ("The Guardian", "https://www.theguardian.com/world/2024/may/01/port-strike"),
    ("BBC News", "https://www.bbc.co.uk/news/world-68912345"),
    ("Deutsche Welle", "https://www.dw.com/en/port-strike/a-68912345"),
    ("New York Times", "https://www.nytimes.com/2024/05/01/world/port-strike.html"),
    ("www.aljazeera.com", "http://www.aljazeera.com/news/2017/02/land-law.html"),
    ("abcnews.go.com", "http://abcnews.go.com/Politics/story?id=45325524"),
    ("RTÉ", "https://www.rte.ie/news/2024/0501/port-strike/"),
    ("HuffPost", "https://www.huffingtonpost.com/entry/port-strike_n_6632"),  # a short form of the site's name
])
def test_host_matches_its_own_source(source, url):
    assert host_matches_source(source, url)


@pytest.mark.parametrize(("source", "url"), [
    ("Al Jazeera", "https://www.inkl.com/news/port-strike-shuts-gulf-terminals"),  # a reprint on an app
    ("Al Jazeera", "https://www.msn.com/en-gb/news/world/port-strike/ar-AA1abc"),  # MSN credits the provider
    ("Guardian", "https://www.theguardian.com/world"),  # not the site's name: be conservative
    ("Al Jazeera", None), (None, "https://www.aljazeera.com/"), ("Times", "https://www.nytimes.com/"),
    ("www.aljazeera.com", "https://aljazeera.example.org/copy"),
    ("The Times", "https://www.thetimesherald.com/story/news"),  # two words are no short form of another name
])
def test_host_does_not_match_another_site_or_a_partial_name(source, url):
    assert not host_matches_source(source, url)


# ---------------------------------------------------------------- aggregators


@pytest.mark.parametrize(("source", "url"), [
    ("inkl", "https://www.inkl.com/news/port-strike"), ("Yahoo News UK", None), ("Yahoo! News", None),
    ("News Break", None), ("NewsBreak", None), ("Apple News+", None), ("MSN", None), ("news.yahoo.com", None),
    ("Al Jazeera", "https://uk.news.yahoo.com/port-strike-091500123.html"),
    ("Al Jazeera", "msn.com/en-gb/news/world/port-strike/ar-AA1abc"),
    ("Reuters", "https://news.google.com/articles/CBMiWmh0dHBz"),
    (None, "https://web.archive.org/web/2024/https://www.aljazeera.com/news/"),
])
def test_builtin_aggregators_match_on_name_variant_or_host(source, url):
    assert is_aggregator(source, url, [])


@pytest.mark.parametrize(("source", "url"), [
    ("Al Jazeera", "https://www.aljazeera.com/news/2024/5/1/port-strike"), ("The Times", None),
    ("Reuters", "https://notyahoo.com/copy"),  # a host ending in the same letters is not a subdomain
    ("Google", "https://www.google.com/search?q=port"),  # only news.google.com is listed
    ("Opera News", None),  # a magazine's name, deliberately not listed
    (None, None), ("", ""),
])
def test_publishers_are_not_aggregators(source, url):
    assert not is_aggregator(source, url, [])


def test_configured_aggregators_extend_the_builtin_list_or_replace_it():
    extra = ["Harbour Digest", "feeds.partner.example"]
    assert is_aggregator("Harbour Digest", None, extra)
    assert is_aggregator("Reuters", "https://a.feeds.partner.example/p/1", extra)
    assert is_aggregator("inkl", None, extra)
    assert not is_aggregator("inkl", "https://www.inkl.com/news/x", extra, builtin=False)
    assert is_aggregator("harbour  digest", None, extra, builtin=False)


def test_aggregator_mask_matches_row_by_row():
    aggregators = Aggregators.from_lists([], builtin=True)
    sources = ["Al Jazeera", "Al Jazeera", "inkl", None]
    urls = ["https://www.aljazeera.com/a", "https://www.msn.com/en-gb/a", None, "https://flipboard.com/@x/a"]
    assert aggregators.mask(sources, urls) == [False, True, True, True]


def test_builtin_lists_are_normalised_once_and_hosts_look_like_hosts():
    assert len({name_key(n) for n in AGGREGATOR_NAMES}) == len(AGGREGATOR_NAMES)
    assert all(re.fullmatch(r"[a-z0-9.-]+\.[a-z]+", h) for h in AGGREGATOR_HOSTS)
    assert len(set(AGGREGATOR_HOSTS)) == len(AGGREGATOR_HOSTS)


# ---------------------------------------------------------------- chrome patterns

INKL_CHROME = [
    "Get all your news in one place.", "100's of premium titles.", "One app.", "Start reading",
    "Related Stories", "Top stories on inkl right now", "Our Picks", "Fourteen days free", "Download the app",
    "Sign up to our daily newsletter", "Advertisement", "Story continues below advertisement",
]
BODY = [
    "Dockworkers at the country's two largest container terminals walked off the job on Wednesday, halting most "
    "cargo traffic as talks over pay and automation broke down.",
    "The union said it would not return until the operator withdrew plans to replace crane crews with remote systems.",
    "Our picks for the new board were announced on Tuesday, the ministry said in a statement.",
    "Readers can download the app report from the ministry's website, officials said.",
]


def test_chrome_patterns_compile_in_polars_and_match_app_chrome_not_prose():
    combined = "(?i)" + "|".join(f"(?:{p})" for p in BUILTIN_PATTERNS)
    assert pl.Series(INKL_CHROME).str.contains(combined).all()
    assert not pl.Series(BODY).str.contains(combined).any()


# ---------------------------------------------------------------- attribution


ATTRIBUTED = [
    ("This article originally appeared on Al Jazeera.", "originally_published", "aj"),
    ("This story was first published by Reuters on May 1, 2024.", "originally_published", "reuters"),
    ("First published by the BBC on Wednesday", "originally_published", "bbc"),
    ("The post Port strike shuts terminals appeared first on Al Jazeera English.", "originally_published", "aj"),
    ("This article is republished from The Conversation under a Creative Commons license. Read the original article.",
     "republished_from", "conversation"),
    ("Reprinted with permission from Reuters.", "republished_from", "reuters"),
    ("This story was produced by Reuters and is republished with permission.", "produced_by", "reuters"),
    ("Continue reading on BBC News", "continue_reading", "bbc"),
    ("Keep reading at Al Jazeera Europe", "continue_reading", "aj"),  # an edition after the name
    ("Read the full story at aljazeera.com", "continue_reading", "aj"),
    ("Source: Al Jazeera and news agencies", "source_line", "aj"),
    ("via Reuters", "via_line", "reuters"),
    ("(via Reuters)", "via_line", "reuters"),
    ("DOHA (Reuters) — Dockworkers at the country's two largest container terminals walked off", "dateline", "reuters"),
    ("MOSCOW, May 1. /TASS/. Dockworkers at the country's two largest terminals walked off", "dateline", "tass"),
    ("© 2024 Al Jazeera Media Network", "copyright", "aj"),
    ("Al Jazeera", "name_line", "aj"),
    ("ABC News", "name_line", "abc"),
]


@pytest.mark.parametrize(("line", "rule", "member"), ATTRIBUTED)
def test_attribution_lines_name_the_member_they_credit(line, rule, member):
    assert named(line) == [(rule, (member,))]


@pytest.mark.parametrize("line", [
    "The plan was agreed via Reuters and AP reporters in the capital, officials said.",  # "via" inside a sentence
    "Al Jazeera reported that talks had broken down on Tuesday evening after six hours.",  # a name in prose
    "Source: the ministry of transport",  # names no member
    "This article originally appeared on The Harbour Review.",
    "Story by Al Jazeera",  # not an attribution wording we know
    "Al Jazeera Tonight",  # a line that is not just the name
    "World",
])
def test_lines_that_name_no_member_as_origin_are_not_attribution(line):
    assert named(line) == []


SHORT_FORMS = {  # outlets whose hosts spell them otherwise than their readers do
    "dw": source_keys("www.dw.com"),
    "huffpost": source_keys("www.huffingtonpost.com"),
    "nyt": source_keys("www.nytimes.com"),
    "post": source_keys("www.washingtonpost.com"),
}


@pytest.mark.parametrize(("line", "rule", "member"), [
    ("Read more at Deutsche Welle", "continue_reading", "dw"),  # initials: dw.com
    ("This article originally appeared on HuffPost.", "originally_published", "huffpost"),  # huff…post…
    ("Source: The New York Times", "source_line", "nyt"),  # nytimes.com
])
def test_a_credit_may_name_an_outlet_by_a_short_form_of_its_host(line, rule, member):
    assert [(a.rule, a.named) for a in find_attributions([line], frozenset(), SHORT_FORMS)] == [(rule, (member,))]


def test_a_source_written_in_short_on_its_own_site_is_credited_by_its_full_name():
    members = {"huffpost": source_keys("HuffPost", "https://www.huffingtonpost.com/entry/port-strike_n_6632")}
    found = find_attributions(["This article originally appeared on The Huffington Post."], frozenset(), members)
    assert [(a.rule, a.named) for a in found] == [("originally_published", ("huffpost",))]


@pytest.mark.parametrize("line", [
    "Deutsche Welle",  # a line of two capitalised words is as often a byline or a caption: no cue, no short form
    "Read more at the Post",  # one word abbreviates nothing
    "Read more at deutsche welle",  # short forms are written as names
])
def test_short_forms_count_only_after_a_cue_and_only_as_names(line):
    assert find_attributions([line], frozenset(), SHORT_FORMS) == []


@pytest.mark.parametrize("line", [
    "This story was written by Dan Williams.",  # a byline: "written by" names people, and D. W. is not DW
    "This article was produced by Nadia Yusuf for the desk.",
])
def test_initials_of_a_byline_name_no_outlet(line):
    assert find_attributions([line], frozenset(), {"dw": source_keys("www.dw.com"), "ny": source_keys("ny.com")}) == []


def test_a_country_after_a_name_makes_another_outlet():
    abc = {"abc": source_keys("ABC News", "https://abcnews.go.com/US/story")}  # keys abcnews, abc
    assert find_attributions(["This article originally appeared on ABC Australia."], frozenset(), abc) == []
    assert find_attributions(["ABC Australia"], frozenset(), abc) == []


def test_a_member_never_names_itself():
    assert named("Source: Al Jazeera and news agencies", own=source_keys("Al Jazeera")) == []
    assert named("MOSCOW, May 1. /TASS/. Talks resumed", own=source_keys("TASS")) == []


def test_one_credit_line_can_name_several_members():
    assert named("Source: Reuters, BBC News") == [("source_line", ("reuters", "bbc"))]


def test_every_attribution_in_order_with_its_line():
    found = find_attributions(["Al Jazeera", "World", *BODY, "This article originally appeared on Al Jazeera."],
                              source_keys("inkl", "https://www.inkl.com/news/x"), MEMBERS)
    assert [(a.line, a.rule) for a in found] == [("Al Jazeera", "name_line"),
                                                 ("This article originally appeared on Al Jazeera.",
                                                  "originally_published")]


LONG_PROSE = " ".join(BODY)  # over 480 characters: only its start and its end are searched for a credit


@pytest.mark.parametrize("line", [
    *(line for line, _, _ in ATTRIBUTED),
    "This article originally\x1cappeared on Al Jazeera.",  # a separator str.split() splits on, Rust's \s does not
    "THIS STORY WAS FIRST PUBLISHED BY REUTERS",
    f"{LONG_PROSE} Read the full story at aljazeera.com",
    f"Source: Reuters. {LONG_PROSE}",
])
def test_the_vectorised_cue_test_keeps_every_line_the_search_credits(line):
    cued = cue_lines(pl.Series([LONG_PROSE, line]))
    assert not cued[0]
    found = find_attributions([line], frozenset(), MEMBERS)
    assert bool(found) <= bool(cued[1]) or found[0].rule in ("name_line", "via_line", "dateline")
    assert find_attributions([line], frozenset(), MEMBERS, cued[1:]) == found


def test_every_attribution_rule_is_explained_and_exercised():
    assert {rule for _, rule, _ in ATTRIBUTED} == set(ATTRIBUTION_RULES)


@pytest.mark.parametrize(("line", "cut"), [
    ("talks over pay and automation broke down as the operator…", True), ("and the union said ...", True),
    ("the operator withdrew its plans [...]", True), ("The talks broke down.", False), ("", False),
])
def test_an_ellipsis_marks_a_text_cut_short(line, cut):
    assert ends_with_ellipsis(line) is cut


_PIECES = ["LONDON", "(Reuters)", "-", "—", "/AFP/", "via", "Al Jazeera", "Reuters", "the", "The Guardian",
           "said on Tuesday", "reported", "according to", "first published by", "BBC News", "inkl", ":", ".", "(",
           ")", "/", "Kessford", "freight", "derailment", "talks", "Istanbul", "2024", "www.aljazeera.com"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=14), st.booleans())
def test_the_cheap_line_filter_never_hides_a_name_via_or_dateline_attribution(pieces, spaced):
    # lines without a credit cue are searched only when _may_name_or_date says so: it must pass every line that
    # the name-line, via-line and dateline rules can attribute
    line = (" " if spaced else "  ").join(pieces)
    index = _key_index({"aj": source_keys("Al Jazeera", None), "rt": source_keys("Reuters", None),
                        "afp": source_keys("AFP", None), "bbc": source_keys("BBC News", None)})
    if _line_attribution(line, index, cued=False) is not None:
        assert _may_name_or_date(line)


def test_name_tokens_keep_case_and_drop_accents():
    assert name_tokens("RTÉ News / Agence France-Presse (AFP)") == ["RTE", "News", "Agence", "France", "Presse", "AFP"]
    assert name_tokens("Reuters_World, 2024") == ["Reuters", "World", "2024"]  # "_" separates: letters and digits only
    assert name_tokens("Cafe\u0301 Lyon") == name_tokens("Café Lyon") == ["Cafe", "Lyon"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*_PIECES, "\x1c", "\u3000", "\xa0", "\t", "word"]), min_size=1, max_size=12))
def test_the_vectorised_name_filter_is_the_per_line_one(pieces):
    lines = [" ".join(pieces), "".join(pieces), " \x1f ".join(pieces)]
    lines = [line.strip() for line in lines if line.strip()]
    assert nameable_lines(pl.Series(lines, dtype=pl.String)).tolist() == [_may_name_or_date(line) for line in lines]
