"""Choosing the original of a group: reprints in app chrome, partner reprints, teasers, edited copies, same-day dates.

The texts are written for these tests: an Al Jazeera-style report and the ways apps (inkl, Yahoo, MSN, an unlisted
app), partner sites and teaser feeds present it. They share no wording with the benchmark set in ``bench/``.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import polars as pl
import pytest

from cluster.chrome import strip_boilerplate
from cluster.config import CleanConfig
from cluster.dedup.origin import GroupText, Member, OriginChooser, has_time_of_day, members_from_frame
from cluster.dedup.provenance import Aggregators
from cluster.rules import CANONICAL_RULES
from cluster.tokens import shingle_sets

DAY = datetime(2024, 5, 1, tzinfo=timezone.utc)  # a date alone: midnight UTC
MORNING = datetime(2024, 5, 1, 10, 40, tzinfo=timezone.utc)
ORIGIN_URL = "https://www.aljazeera.com/news/2024/5/1/dockworkers-strike-shuts-gulf-container-terminals"

BODY = [
    "Dockworkers at the country's two largest container terminals walked off the job on Wednesday, halting most "
    "cargo traffic as talks over pay and automation broke down after six hours.",
    "The General Port Workers Union said its members would not return until the operator withdrew plans to replace "
    "crane crews with remotely controlled systems at the northern terminal.",
    "About 140 vessels were waiting at anchor by the afternoon, according to ship-tracking data, and freight agents "
    "warned that perishable goods would be diverted to neighbouring ports within days.",
    "The operator, which is majority owned by the state, said the automation programme was needed to keep the "
    "terminals competitive and that no permanent jobs would be lost before 2027.",
    "Union leader Samira Haddad told reporters outside the main gate that the promise was worthless without a "
    "written agreement, and that workers had seen similar assurances broken before.",
    "Labour Minister Karim Nasser called both sides to a meeting on Thursday morning and said the government would "
    "not allow the dispute to damage the country's reputation as a regional trade hub.",
]
INKL_HEAD = ["Get all your news in one place.", "100's of premium titles.", "One app.", "Start reading", "Al Jazeera",
             "World", "Dockworkers gather outside the main gate of the northern container terminal [Reuters]"]
INKL_FOOT = ["Sign up to read this article and more from the world's best publishers.", "Related Stories",
             "Shipping rates jump as Red Sea diversions continue", "Union leaders meet ministers before deadline",
             "Top stories on inkl right now", "Our Picks", "Fourteen days free", "Download the app"]
APP_HEAD = ["Morning Stack", "Your briefing, curated by editors", "Al Jazeera", "3 min read"]
APP_FOOT = ["Save for later", "More in World", "Ferry operators warn of summer fare rises",
            "Central bank holds rates for a fourth month", "Morning Stack is free for 30 days, then 4.99 a month."]
YAHOO_HEAD = ["Al Jazeera", "Wed, 1 May 2024 at 10:40 am", "3-min read"]
YAHOO_FOOT = ["Story continues", "Trending now", "Ferry operators warn of summer fare rises",
              "Central bank holds rates for a fourth month"]


def build(*specs: tuple, clean: bool = True) -> list[Member]:
    """Members from ``(id, source, url, lines, published_at)``, their shingle sets from the text after chrome
    removal with the built-in patterns, as the dedup stage would have them."""
    articles = pl.DataFrame({
        "article_id": [s[0] for s in specs], "source": [s[1] for s in specs], "url": [s[2] for s in specs],
        "text": ["\n".join(s[3]) for s in specs], "title": ["Dockworkers strike shuts Gulf terminals"] * len(specs),
        "published_at": [s[4] for s in specs], "date_missing": [s[4] is None for s in specs],
    }, schema_overrides={"published_at": pl.Datetime("us", "UTC"), "url": pl.String})
    cleaned = strip_boilerplate(articles, CleanConfig(boilerplate_min_docs=3, boilerplate_max_words=120,
                                                   builtin_patterns=clean))
    sets = shingle_sets(cleaned["body"], 4).to_list()
    return members_from_frame(articles, sets)


def chooser(builtin: bool = True, priority: tuple[str, ...] = ()) -> OriginChooser:
    return OriginChooser(4, 0.8, list(priority), Aggregators.from_lists([], builtin))


def origin(published_at: datetime | None = MORNING, lines: list[str] = BODY) -> tuple:
    return ("o-aj", "Al Jazeera", ORIGIN_URL, lines, published_at)


def teaser_of(words: int) -> list[str]:
    return [" ".join(" ".join(BODY).split()[:words]) + "…", "Read more"]


# ---------------------------------------------------------------- dates


def test_midnight_exactly_is_a_date_alone():
    assert not has_time_of_day(DAY)
    assert has_time_of_day(MORNING)
    assert has_time_of_day(datetime(2024, 5, 1, 0, 0, 1, tzinfo=timezone.utc))
    assert not has_time_of_day(None)


def test_a_copy_with_a_date_alone_does_not_beat_the_timed_original_of_that_day():
    group = build(origin(MORNING), ("c-1", "Harbour Post", "https://harbourpost.example/world/strike",
                                    [*BODY, "Share this story"], DAY))
    choice = chooser().choose(group)
    assert (choice.canonical, choice.rule) == ("o-aj", "least_wrapper")


def test_full_timestamps_decide_when_every_member_has_one():
    early = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
    group = build(origin(datetime(2024, 5, 1, 14, 0, tzinfo=timezone.utc)),
                  ("c-1", "Harbour Post", None, [*BODY, "Share this story"], early))
    assert (chooser().choose(group).canonical, chooser().choose(group).rule) == ("c-1", "earliest")


def test_a_copy_dated_the_next_day_is_later_when_the_text_ties():
    # a date alone a day later may be the same moment in another time zone: the text is asked first, then the day
    group = build(origin(DAY), ("c-1", "Harbour Post", None, BODY, datetime(2024, 5, 2, tzinfo=timezone.utc)))
    assert (chooser().choose(group).canonical, chooser().choose(group).rule) == ("o-aj", "earliest_day")


def test_a_copy_dated_two_days_later_loses_on_the_date():
    group = build(origin(DAY), ("c-1", "Harbour Post", None, BODY, datetime(2024, 5, 3, tzinfo=timezone.utc)))
    assert (chooser().choose(group).canonical, chooser().choose(group).rule) == ("o-aj", "earliest")


def test_a_teaser_dated_a_day_before_its_original_is_still_the_teaser():
    teaser = [" ".join(BODY[0].split()[:20])]
    group = build(origin(DAY), ("c-1", "Harbour Post", None, teaser, datetime(2024, 4, 30, tzinfo=timezone.utc)))
    assert chooser().choose(group).canonical == "o-aj"


def test_undated_members_lose_to_dated_ones():
    group = build(origin(None), ("c-1", "Harbour Post", None, [*BODY, "Share this story"], DAY))
    assert (chooser().choose(group).canonical, chooser().choose(group).rule) == ("c-1", "dated")


# ---------------------------------------------------------------- reprints in app chrome


def test_wrapped_full_reprint_naming_the_origin_on_its_own_line_same_day_three_members():
    group = build(origin(DAY), ("a-inkl", "inkl", "https://www.inkl.com/news/dockworkers-strike-shuts-gulf-terminals",
                                INKL_HEAD + BODY + INKL_FOOT, DAY),
                  ("a-app", "Morning Stack", "https://morningstack.example/s/8812", APP_HEAD + BODY + APP_FOOT, DAY))
    assert sum(len("\n".join(m.lines)) for m in group[1:2]) > len("\n".join(group[0].lines))  # the longest is inkl
    choice = chooser().choose(group)
    assert (choice.canonical, choice.rule) == ("o-aj", "attribution")
    assert choice.evidence["a-inkl"].aggregator and not choice.evidence["a-app"].aggregator
    assert (choice.evidence["a-app"].attribution.line, choice.evidence["a-app"].attribution.rule) == ("Al Jazeera",
                                                                                                      "name_line")
    assert choice.evidence["a-inkl"].attribution.named == ("o-aj",)
    assert choice.evidence["o-aj"].attribution is None


def test_without_the_builtin_list_the_name_line_still_names_the_origin():
    group = build(origin(DAY), ("a-inkl", "inkl", None, INKL_HEAD + BODY + INKL_FOOT, DAY))
    choice = chooser(builtin=False).choose(group)
    assert (choice.canonical, choice.rule) == ("o-aj", "attribution")


def test_wrapper_lines_count_against_a_reprint_that_names_no_one():
    unnamed = [line for line in APP_HEAD if line != "Al Jazeera"]
    group = build(origin(DAY), ("a-app", "Morning Stack", "https://morningstack.example/s/8812",
                                unnamed + BODY + APP_FOOT, DAY))
    choice = chooser().choose(group)
    assert (choice.canonical, choice.rule) == ("o-aj", "least_wrapper")
    assert choice.evidence["o-aj"].wrapper == 0.0
    assert choice.evidence["a-app"].wrapper == len(unnamed) + len(APP_FOOT)
    assert choice.evidence["o-aj"].completeness == choice.evidence["a-app"].completeness


def test_portal_copies_are_aggregators_by_url_even_under_the_origin_name():
    msn = ("a-msn", "Al Jazeera", "https://www.msn.com/en-gb/news/world/dockworkers-strike/ar-AA1nQx2",
           [*BODY, "More for You"], DAY)
    yahoo = ("a-yahoo", "Yahoo News", "https://uk.news.yahoo.com/dockworkers-strike-091500123.html",
             YAHOO_HEAD + BODY + YAHOO_FOOT, datetime(2024, 5, 1, 9, 55, tzinfo=timezone.utc))
    choice = chooser().choose(build(origin(MORNING), msn, yahoo))
    assert (choice.canonical, choice.rule) == ("o-aj", "not_aggregator")


def test_text_the_group_shares_outweighs_a_longer_wrapper():
    dropped = ("c-partner", "Harbour Post", "https://harbourpost.example/world/strike",
               [*BODY[:-1], "Share this story"], DAY)
    wrapped = ("a-app", "Morning Stack", None, APP_HEAD[:2] + BODY + APP_FOOT, DAY)
    choice = chooser().choose(build(origin(DAY), dropped, wrapped))
    assert (choice.canonical, choice.rule) == ("o-aj", "least_wrapper")
    assert choice.evidence["c-partner"].completeness < choice.evidence["o-aj"].completeness


# ---------------------------------------------------------------- partners


@pytest.mark.parametrize("credit", [
    "This article originally appeared on Al Jazeera.",
    "Originally published by Al Jazeera. Republished with permission.", "Source: Al Jazeera",
    "Read the original story at aljazeera.com",
])
def test_partner_reprint_with_an_attribution_line(credit):
    partner = ("c-partner", "Harbour Post", "https://harbourpost.example/world/dockworkers-strike", [*BODY, credit],
               DAY)
    choice = chooser().choose(build(origin(DAY), partner))
    assert (choice.canonical, choice.rule) == ("o-aj", "attribution")
    assert choice.evidence["c-partner"].attribution.line == credit


def test_an_attributed_copy_dated_earlier_than_its_original_is_still_not_canonical():
    partner = ("c-partner", "Harbour Post", "https://harbourpost.example/world/dockworkers-strike",
               ["DOHA (Al Jazeera) — " + BODY[0], *BODY[1:]], datetime(2024, 4, 30, tzinfo=timezone.utc))
    choice = chooser().choose(build(origin(MORNING), partner))
    assert (choice.canonical, choice.rule) == ("o-aj", "attribution")
    assert choice.evidence["c-partner"].attribution.rule == "dateline"


def test_the_member_a_credit_names_is_the_original_over_a_copy_that_says_nothing():
    # the silent copy ties the original on every text and date rule and its id sorts first: only the partner's
    # credit tells them apart, and it says where the text the whole group carries comes from
    quiet = ("c-quiet", "Valley Times", None, BODY, DAY)
    partner = ("c-partner", "Harbour Post", None, [*BODY, "This article originally appeared on Al Jazeera."], DAY)
    choice = chooser().choose(build(("o-aj", "Al Jazeera", None, BODY, DAY), quiet, partner))
    assert (choice.canonical, choice.rule) == ("o-aj", "attribution")


def test_members_naming_each_other_do_not_win_over_a_member_nobody_names():
    a = ("c-a", "Harbour Post", None, [*BODY, "Source: Gulf Review"], DAY)
    b = ("c-b", "Gulf Review", None, [*BODY, "Source: Harbour Post"], DAY)
    choice = chooser().choose(build(origin(DAY), a, b))
    assert choice.canonical == "o-aj" and choice.rule != "attribution"


def test_members_naming_each_other_cancel_out():
    a = ("c-a", "Harbour Post", None, [*BODY, "Source: Gulf Review"], DAY)
    b = ("c-b", "Gulf Review", None, [*BODY, "Source: Harbour Post", "Share this story"], DAY)
    choice = chooser().choose(build(a, b))
    assert choice.rule != "attribution"


# ---------------------------------------------------------------- teasers


@pytest.mark.parametrize("words", [40, 57, 75, 130, 170])
def test_a_teaser_cut_mid_paragraph_is_never_canonical_over_the_fuller_text(words):
    teaser = ("c-teaser", "Gulf Briefing", "https://gulfbriefing.example/t/1", teaser_of(words), DAY)
    choice = chooser().choose(build(origin(DAY), teaser))
    assert (choice.canonical, choice.rule) == ("o-aj", "not_teaser")
    assert choice.evidence["c-teaser"].teaser_of == ("o-aj",)


def test_a_teaser_of_whole_paragraphs_marked_with_an_ellipsis():
    teaser = ("c-teaser", "Gulf Briefing", None, [*BODY[:2], BODY[2] + " …"], DAY)
    choice = chooser().choose(build(origin(DAY), teaser))
    assert (choice.canonical, choice.rule) == ("o-aj", "not_teaser")


def test_a_teaser_in_app_chrome_loses_to_the_wrapped_full_text_too():
    group = build(("a-app", "Morning Stack", None, APP_HEAD[:2] + BODY + APP_FOOT, DAY),
                  ("c-teaser", "Gulf Briefing", None, teaser_of(90), DAY))
    choice = chooser().choose(group)
    assert (choice.canonical, choice.rule) == ("a-app", "not_teaser")


def test_the_original_is_never_a_teaser_of_its_wrapper():
    group = build(origin(DAY), ("a-app", "Morning Stack", None, APP_HEAD[:2] + BODY + APP_FOOT, DAY))
    text = GroupText(4, 0.8).fit(group, [0, 1])
    assert not text.cut(0, 1) and not text.cut(1, 0)


# ---------------------------------------------------------------- edited copies


def test_a_copy_that_left_out_an_inner_paragraph_and_added_a_credit_line():
    edited = ("c-edit", "Valley Times", None, [*BODY[:2], *BODY[3:], "Edited for Valley Times by Ana Ruiz."], DAY)
    choice = chooser().choose(build(origin(DAY), edited))
    assert (choice.canonical, choice.rule) == ("o-aj", "least_wrapper")
    assert choice.evidence["o-aj"].wrapper == 0.0  # its own paragraph inside the shared text is not wrapper


def test_a_copy_with_an_appended_paragraph():
    appended = ("c-edit", "Valley Times", None,
                [*BODY, "Additional reporting by Tom Okafor; this story has been updated with comment from the union."],
                DAY)
    assert chooser().choose(build(origin(DAY), appended)).canonical == "o-aj"


def test_a_wire_dateline_glued_to_the_first_paragraph_counts_against_the_copy():
    wire = ("c-wire", "Valley Times", None, ["DOHA (AFP) — " + BODY[0], *BODY[1:]], DAY)
    choice = chooser().choose(build(origin(DAY), wire))
    assert (choice.canonical, choice.rule) == ("o-aj", "least_wrapper")
    assert 0 < choice.evidence["c-wire"].wrapper < 1


# ---------------------------------------------------------------- ties


def test_own_site_then_time_of_day_then_id_break_full_ties():
    same = [*BODY]
    on_site = chooser().choose(build(("b", "Al Jazeera", ORIGIN_URL, same, DAY), ("a", "Al Jazeera", None, same, DAY)))
    assert (on_site.canonical, on_site.rule) == ("b", "own_host")
    timed = chooser().choose(build(("b", "Al Jazeera", None, same, MORNING), ("a", "Al Jazeera", None, same, DAY),
                                   ("c", "Al Jazeera", None, same, DAY)))
    assert (timed.canonical, timed.rule) == ("b", "earliest_time")
    tie = chooser().choose(build(("b", "Al Jazeera", None, same, DAY), ("a", "Al Jazeera", None, same, DAY)))
    assert (tie.canonical, tie.rule) == ("a", "lowest_id")


def test_source_priority_decides_among_the_same_day():
    group = build(("a", "Harbour Post", None, [*BODY, "Share this story"], DAY), origin(DAY))
    assert chooser(priority=("Harbour Post",)).choose(group).rule == "source_priority"


def test_a_single_member_is_its_own_canonical_and_an_empty_group_is_an_error():
    assert chooser().choose(build(origin())).canonical == "o-aj"
    with pytest.raises(ValueError, match="at least one member"):
        chooser().choose([])


def test_every_rule_has_an_explanation_in_order():
    rules = list(CANONICAL_RULES)
    assert rules[0] == "not_aggregator" and rules[-1] == "lowest_id"
    assert all(CANONICAL_RULES.values())


def test_members_from_frame_use_the_title_for_an_empty_text():
    frame = pl.DataFrame({"article_id": ["h"], "source": ["Al Jazeera"], "url": [None], "published_at": [DAY],
                          "date_missing": [False], "title": ["Dockworkers strike"], "text": [""]},
                         schema_overrides={"url": pl.String})
    member = members_from_frame(frame, [np.empty(0, np.uint32)])[0]
    assert member.lines == ("Dockworkers strike",) and not member.timed


# ---------------------------------------------------------------- what the group shares


def test_lines_only_one_sources_pages_share_are_its_template_not_shared_text():
    credit = "Edited for Valley Times by Ana Ruiz."
    group = build(origin(DAY), ("c-1", "Valley Times", None, [*BODY, credit], DAY),
                  ("c-2", "Valley Times", None, ["DOHA (AFP) — " + BODY[0], *BODY[1:], credit], DAY))
    choice = chooser().choose(group)
    assert (choice.canonical, choice.rule) == ("o-aj", "least_wrapper")
    assert choice.evidence["c-1"].wrapper == 1.0


def test_a_headline_two_apps_both_list_is_not_text_the_group_shares():
    trending = "Central bank holds rates for a fourth month as inflation eases"
    apps = [(f"a-{k}", name, None, [name, *BODY, "More in World", trending, f"{name} for iPhone and Android"], DAY)
            for k, name in enumerate(["Morning Stack", "Daily Scroll"])]
    partners = [("c-1", "Harbour Post", None, [*BODY, "Share this story"], DAY),
                ("c-2", "Gulf Review", None, [*BODY, "Comments (12)"], DAY)]
    choice = chooser().choose(build(origin(DAY), *apps, *partners))
    assert choice.canonical == "o-aj"
    assert choice.evidence["a-0"].completeness == choice.evidence["o-aj"].completeness
    assert choice.evidence["a-0"].wrapper == 4.0  # its name, the list header, the shared headline, the footer


def test_completeness_counts_the_raw_lines_so_the_origins_own_learned_chrome_still_counts():
    sign_off = "Follow Al Jazeera for the latest on the port dispute and the talks in the capital."
    articles = [origin(DAY, [*BODY, sign_off]), ("c-1", "Harbour Post", None, [*BODY, sign_off, "Share this"], DAY),
                ("c-2", "Gulf Review", None, [*BODY, sign_off, "Comments (3)"], DAY)]
    group = build(*articles)
    # as if the clean stage had learned the sign-off as the origin's own chrome: its cleaned text lacks it
    group[0] = Member(**{**group[0].__dict__, "shingles": shingle_sets(["\n".join(BODY)], 4)[0]})
    choice = chooser().choose(group)
    gap = choice.evidence["c-1"].completeness - choice.evidence["o-aj"].completeness
    assert 0 <= gap < 4  # only the shingles across the sign-off's line break, within the tolerance
    assert (choice.canonical, choice.rule) == ("o-aj", "least_wrapper")


def test_one_word_two_copies_share_by_chance_does_not_make_them_more_complete():
    wire = [("c-1", "Valley Times", None, ["NEW YORK (AP) — " + BODY[0], *BODY[1:], "Share"], DAY),
            ("c-2", "Gulf Review", None, ["PARIS (AP) — " + BODY[0], *BODY[1:], "Comments"], DAY)]
    choice = chooser().choose(build(origin(DAY), *wire))
    assert choice.evidence["c-1"].completeness > choice.evidence["o-aj"].completeness
    assert (choice.canonical, choice.rule) == ("o-aj", "least_wrapper")


def test_a_phrase_that_recurs_in_an_appended_paragraph_does_not_make_the_original_a_teaser():
    last = "Reporters Lina Saab and Omar Farouk contributed to this report."
    note = "Tom Okafor contributed to this report. Readers with information can contact the newsroom."
    group = build(origin(DAY, [*BODY, last]), ("c-1", "Valley Times", None, [*BODY, last, note], DAY))
    text = GroupText(4, 0.8).fit(group, [0, 1])
    assert not text.cut(0, 1)
    assert chooser().choose(group).canonical == "o-aj"


# ---------------------------------------------------------------- many groups at once


def test_groups_decided_together_get_the_choices_and_evidence_each_gets_alone():
    later = datetime(2024, 5, 1, 15, 0, tzinfo=timezone.utc)
    groups = [
        build(origin(MORNING), ("c-1", "Harbour Post", None, [*BODY, "Share this story"], later)),  # by time alone
        build(origin(DAY), ("c-1", "Harbour Post", "https://harbourpost.example/world/strike",
                            [*BODY, "Share this story"], DAY)),  # the text decides
        build(origin(DAY), ("c-teaser", "Harbour Post", None, teaser_of(40), DAY)),  # a teaser
        build(origin(DAY), ("a-inkl", "inkl", "https://www.inkl.com/news/1", INKL_HEAD + BODY + INKL_FOOT, DAY)),
    ]
    together = chooser().choose_many(groups)
    alone = [chooser().choose(group) for group in groups]
    assert [(c.canonical, c.rule) for c in together] == [(c.canonical, c.rule) for c in alone]
    assert [c.rule for c in together] == ["earliest", "least_wrapper", "not_teaser", "not_aggregator"]
    assert [c.evidence for c in together] == [c.evidence for c in alone]
    # a group decided by its timestamps still reports its text measures when asked
    assert together[0].evidence["o-aj"].completeness == together[0].evidence["c-1"].completeness > 0
    assert together[0].evidence["c-1"].wrapper == 1.0
