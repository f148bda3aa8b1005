"""Story labels: the representative headline cut to the shared words, names kept whole, rounds, uniqueness."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl

from cluster.label import finalise_labels, label_stories
from cluster.schema import TIME


def _texts(rows):
    return pl.DataFrame(rows, schema=["story_id", "title", "lead"], orient="row")


STRIKE = [
    ("s1", "Porthaven ferry crews walk out over new roster",
     "Ferry crews in Porthaven walked off the job at 5am on Monday, halting every sailing to the islands."),
    ("s1", "Island sailings halted as Porthaven ferry strike begins",
     "No ferries left Porthaven on Monday as crews began a 48-hour strike over a new roster."),
    ("s1", "Porthaven ferry strike: crews walk out, island sailings cancelled",
     "The strike by Porthaven ferry crews has cancelled every island sailing, the operator said."),
]
RATES = [
    ("s2", "Bank of Valdoria lifts interest rate to 3.75%",
     "The Bank of Valdoria raised its key interest rate by a quarter point on Thursday."),
    ("s2", "Bank of Valdoria raises key rate to tame inflation",
     "Valdoria's central bank lifted its rate again, the fourth rise in a year."),
]


def test_a_label_is_the_representative_headline_cut_to_the_words_the_coverage_shares():
    labels = label_stories(_texts(STRIKE + RATES), max_words=5)
    assert labels["s1"].startswith("Porthaven ferry strike")  # the headline most of the coverage agrees with
    assert "roster" not in labels["s1"].split()  # one outlet's detail
    assert labels["s2"].startswith("Bank of Valdoria")  # a stop word between two kept words stays


def test_names_are_never_cut_and_title_case_is_undone():
    chess = [
        ("s3", "How Okonedo Outplayed Valenko In The Grand Harbour Decider",
         "Mira Okonedo beat Lev Valenko in the deciding game of the Grand Harbour final on Sunday."),
        ("s3", "Mira Okonedo, 19, Crowned Grand Harbour Chess Champion",
         "The 19-year-old Mira Okonedo won the Grand Harbour chess championship, beating Valenko."),
        ("s3", "Okonedo wins Grand Harbour chess final",
         "Okonedo took the Grand Harbour title after a tense deciding game against Valenko."),
    ]
    label = label_stories(_texts(chess + RATES), max_words=5)["s3"]
    assert "Grand Harbour" in label and "Okonedo" in label
    assert all(word[0].islower() for word in label.split() if word.lower() in {"chess", "champion", "crowned"})


def test_labels_have_no_quote_marks_pronouns_or_more_than_max_words():
    quoted = [
        ("s4", "'We are not done yet': Governor Ferro signals more rate rises",
         "Governor Ana Ferro said the bank would raise rates again if inflation stayed high."),
        ("s4", "Ferro: 'We are not done yet' on interest rates",
         "Valdoria's central bank governor Ana Ferro warned that rates could rise further."),
    ]
    labels = label_stories(_texts(quoted + STRIKE + RATES), max_words=3)
    for label in labels.values():  # at most 3 content words, and 6 words with the joining ones
        assert len(label.split()) <= 6
        assert len([w for w in label.lower().split() if w not in {"of", "in", "at", "for", "on", "to", "and"}]) <= 3
        assert not set("'\"‘’“”") & set(label)
        assert not {"we", "they", "he", "she", "it", "our"} & set(label.lower().split())
    assert "Ferro" in labels["s4"]


def test_a_one_article_story_keeps_its_most_distinctive_headline_words():
    labels = label_stories(_texts(STRIKE + RATES + [
        ("s5", "Kessford freight train derails, spilling fertiliser beside village",
         "A freight train derailed near Kessford early on Tuesday.")]), max_words=5)
    assert labels["s5"].startswith("Kessford") and "derails" in labels["s5"]


def test_punctuation_ends_a_name():
    upset = [
        ("s6", "Ines Kade defeated by Reyes, Green Party newcomer",
         "Tom Reyes beat Marlow mayor Ines Kade by 212 votes on Sunday."),
        ("s6", "Mayor Kade ousted", "Marlow mayor Ines Kade was defeated by Tom Reyes, the count showed."),
    ]
    # "Reyes, Green Party" is two names: the one-outlet "Green Party" is not glued to the shared "Reyes"
    assert label_stories(_texts(upset + STRIKE + RATES), max_words=6)["s6"] == "Ines Kade defeated by Reyes"


def test_a_bleeped_word_is_no_label_word():
    rant = [("s7", "Kade calls count f***ing disgrace", "Ines Kade lost the Marlow mayoral race.")]
    label = label_stories(_texts(rant + STRIKE + RATES), max_words=6)["s7"]
    assert "Kade" in label and not {"f", "ing", "f***ing"} & set(label.lower().split())


def test_amounts_are_no_label_words():
    breach = [("s8", "Quillon says hackers took 2.3 million customer records",
               "Hackers took 2.3 million customer records from Quillon Systems, the company said.")]
    label = label_stories(_texts(breach + STRIKE + RATES), max_words=4)["s8"]
    assert "Quillon" in label and "million" not in label.lower().split()


def _label_of(story, max_words=4):
    return label_stories(_texts(story + STRIKE + RATES), max_words=max_words)[story[0][0]]


def test_a_verb_in_its_base_form_keeps_its_object_or_goes():
    # "Ferro to announce" and "Ferro listen" dangle: the word after a verb in its base form is its object
    announce = [
        ("s9", "Governor Ana Ferro to announce decision on second term",
         "Ana Ferro, governor of the Bank of Valdoria, will announce her decision on Friday."),
        ("s9", "Ferro expected to announce decision on future at bank",
         "Governor Ana Ferro is to announce on Friday whether she will seek a second term."),
    ]
    assert "to announce decision" in _label_of(announce, max_words=5)
    # no room for the object within label.max_words: the verb goes instead of dangling
    assert "announce" not in _label_of(announce, max_words=4).lower().split()
    listen = [
        ("s10", "Mayor Brennan urges council to listen to traders on parking",
         "Dunmore mayor Clara Brennan told the council to listen to traders before it votes on parking fees."),
        ("s10", "Brennan tells council: listen to traders on parking fees",
         "Clara Brennan urged councillors to listen to Dunmore's traders over parking charges."),
    ]
    words = _label_of(listen).lower().split()
    assert "brennan" in words and ("listen" not in words or words[words.index("listen") + 1:][:1] == ["to"])


def test_a_verb_that_can_be_a_noun_dangles_only_after_to_or_a_modal():
    wall = [
        ("s11", "Former Norland premier Vos: we won't pay for that border wall",
         "Former Norland premier Piet Vos said Norland would not pay for the border wall."),
        ("s11", "Vos says Norland won't pay for border wall",
         "Piet Vos, a former premier, said his country would never pay for the wall."),
    ]
    label = _label_of(wall, max_words=4)
    assert not label.lower().endswith(" pay")
    merger = [("s12", "FreshWay and Marlow's agree £6.8bn all-share merger",
               "FreshWay and Marlow's agreed an all-share merger worth £6.8bn, the grocers said.")]
    assert _label_of(merger).endswith("agree merger")  # the head of its object kept: modifiers may go


def test_a_preposition_after_a_verb_stays_with_its_phrase_and_no_modifier_ends_a_label():
    resign = [
        ("s13", "Lena Voss resigns after harassment allegations",
         "Lena Voss resigned from Norland's parliament on Tuesday after harassment allegations."),
        ("s13", "Lena Voss resigns after sexual harassment claims",
         "MP Lena Voss quit over harassment claims, her office said."),
        ("s13", "Lena Voss resigns amid harassment inquiry",
         "The Norland MP Lena Voss resigned as an inquiry into harassment claims began."),
    ]
    label = _label_of(resign)
    assert "Lena Voss resigns" in label
    assert "resigns harassment" not in label  # the verb does not take "harassment" as its object
    museum = [("s14", "Kestrel Museum of Maritime History reopens after three-year renovation",
               "The Kestrel Museum reopened in Wrenford after a three-year renovation.")]
    # "of" belongs to the cut name, and "three-year" means nothing without "renovation"
    assert _label_of(museum) == "Kestrel Museum reopens after renovation"


def test_no_label_ends_in_a_bare_possessive_or_an_auxiliary_or_holds_a_contracted_pronoun():
    greeting = [("s15", "Premier sends birthday greeting to Okonedo's coach",
                 "Norland's premier sent a birthday greeting to chess champion Mira Okonedo, praising Okonedo.")]
    assert _label_of(greeting) == "Premier birthday greeting to Okonedo"  # not "... to Okonedo's": whose what?
    retiring = [("s16", "Okonedo: I'm retiring after Grand Harbour title", "“I'm done,” Mira Okonedo said.")]
    assert _label_of(retiring) == "Okonedo retiring after Grand Harbour"  # "I'm" is a pronoun, as "I" is
    rules = [("s17", "Quillon Systems says password rules won't work", "The rules won't do, Quillon Systems said.")]
    assert _label_of(rules) == "Quillon Systems password rules"  # "won't" means nothing without "work"
    # and dropping the auxiliary takes its verb with it: "rules work" would say the opposite
    assert _label_of(rules, max_words=5) == "Quillon Systems password rules"
    assert _label_of([("s20", "We're back", "")])  # a headline of a contracted pronoun alone still gets a label


def test_a_possessive_takes_its_noun_where_there_is_room_and_stays_after_a_verb():
    greeting = [("s15", "Premier sends birthday greeting to Okonedo's coach",
                 "Norland's premier sent a birthday greeting to chess champion Mira Okonedo, praising Okonedo.")]
    assert _label_of(greeting, max_words=5) == "Premier birthday greeting to Okonedo's coach"
    fine = [("s21", "Regulator fines Quillon's insurer",
             "The regulator fined Quillon, whose insurer, the regulator said, fined.")]
    assert _label_of(fine, max_words=4) == "Regulator fines Quillon's insurer"
    assert _label_of(fine, max_words=3) == "Regulator fines Quillon's"  # not "fines Quillon": Quillon was not fined


def test_a_label_starting_with_an_inflected_verb_takes_its_subject_back_where_there_is_room():
    summit = [("s18", "Norland invites Vestmark to Alvora summit",
               "Vestmark was invited to the Alvora summit, officials said.")]
    assert _label_of(summit, max_words=5) == "Norland invites Vestmark to Alvora summit"  # who invites whom
    assert _label_of(summit, max_words=4) == "Invites Vestmark to Alvora summit"  # no room: the label stays
    adverb = [("s18", "Vestmark now really invites Norland to Alvora summit",
               "Norland was invited to the Alvora summit, officials said.")]
    assert _label_of(adverb, max_words=5) == "Invites Norland to Alvora summit"  # "really" is nobody


def test_label_of_story_without_words():
    assert label_stories(_texts([("s1", "", "")]), max_words=5) == {"s1": "untitled story"}


def _stories(rows):
    return pl.DataFrame(
        {
            "story_id": [r[0] for r in rows],
            "chain_id": [r[1] for r in rows],
            "round": [r[2] for r in rows],
            "chain_length": [r[3] for r in rows],
            "first_seen": [datetime(2026, 3, r[4], tzinfo=timezone.utc) for r in rows],
        },
        schema_overrides={"first_seen": TIME},
    )


def test_rounds_take_the_first_rounds_label_with_ordinal():
    stories = _stories([("s-a", "c-a", 1, 2, 2), ("s-b", "c-a", 2, 2, 11)])
    labels = finalise_labels(stories, {"s-a": "Alvora fisheries talks", "s-b": "Alvora mackerel"})
    assert labels == {"s-a": "Alvora fisheries talks round 1", "s-b": "Alvora fisheries talks round 2"}


def test_repeated_labels_get_their_first_day_then_their_id():
    stories = _stories([("s-a", "c-a", 1, 1, 2), ("s-b", "c-b", 1, 1, 5), ("s-c", "c-c", 1, 1, 5)])
    labels = finalise_labels(stories, {"s-a": "Quillon breach", "s-b": "Quillon breach", "s-c": "Quillon breach"})
    assert labels == {
        "s-a": "Quillon breach",
        "s-b": "Quillon breach (Mar 5)",
        "s-c": "Quillon breach (Mar 5) [s-c]",
    }
    assert len(set(labels.values())) == 3


def test_only_the_stories_asked_for_are_labelled_weighed_against_all():
    texts = _texts(STRIKE + RATES)
    assert label_stories(texts, max_words=5, only={"s1"}) == {"s1": label_stories(texts, max_words=5)["s1"]}


def test_leads_are_read_as_the_python_tokeniser_reads_them():
    # the leads are tokenised by polars (_TOKEN_POLARS) for speed; every assigned code point must be a word
    # character there exactly when Python's \w says so, or a story's word counts would depend on the engine
    import re
    import unicodedata

    from cluster.label import _TOKEN_POLARS

    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"]
    in_polars = pl.Series(chars).str.contains(r"^[\p{L}\p{N}_]$").to_list()
    assert [c for c, word in zip(chars, in_polars, strict=True) if word != bool(re.fullmatch(r"\w", c))] == []
    assert _TOKEN_POLARS.startswith(r"[\p{L}\p{N}]")


def test_story_words_count_leads_and_sentence_case_headlines_as_each_text_reads():
    from collections import Counter

    from cluster.label import _story_words, _tokens

    rows = [
        ("s1", "Mayor Okonedo's 3½-year plan: Grand Harbour café reopens", "Mayor Okonedo said the café at Grand "
         "Harbour, shut for 3½ years, reopens; the mayor's office called it f***ing overdue. Okonedo smiled."),
        ("s1", "Grand Harbour Café Reopens After Three Years", "grand harbour’s café is back, said Okonedo."),
        ("s2", "", None),
    ]
    words = _story_words(_texts(rows))
    in_leads, capital, lower = Counter(), Counter(), Counter()  # the text-by-text reading the polars pass replaces
    for _, _, lead in rows[:2]:
        in_leads.update({t.stem for t in _tokens(lead) if t.stem})
    for text in [lead for _, _, lead in rows[:2]] + [rows[0][1]]:  # the second headline is in Title Case
        capital.update(t.key for t in _tokens(text)[1:] if t.capital)
        lower.update(t.key for t in _tokens(text) if t.lower)
    assert words["s1"].in_leads == in_leads
    assert words["s1"].name_case == {key: capital[key] > lower[key] for key in capital.keys() | lower.keys()}
    assert words["s1"].name_case["okonedo"] and not words["s1"].name_case["mayor"]  # "the mayor's office"
    assert "three" not in words["s1"].name_case  # only the Title Case headline writes it
    assert words["s2"].in_leads == Counter() and words["s2"].name_case == {}


def test_first_pieces_is_split_head_join():
    from hypothesis import given
    from hypothesis import strategies as st

    from cluster.label import first_pieces

    @given(st.lists(st.one_of(st.none(), st.text(alphabet=" a\n\u00a0é", max_size=12)), max_size=8),
           st.integers(0, 4))
    def check(texts, count):
        frame = pl.DataFrame({"body": texts}, schema={"body": pl.String})
        pieces = frame.select(pl.col("body").str.split(" ").list.head(count).list.join(" "))["body"]
        assert frame.select(first_pieces(pl.col("body"), count))["body"].to_list() == pieces.to_list()

    check()


def test_an_abbreviation_keeps_its_last_dot():
    rows = [
        ("s1", "Fire in Washington, D.C. destroys warehouse", "A fire in Washington, D.C. destroyed a warehouse."),
        ("s1", "D.C. warehouse fire", "Firefighters in D.C. fought a warehouse fire on Sunday."),
        ("s2", "U.S. House passes voting rights bill", "The U.S. House passed the bill."),
        ("s2", "Voting rights bill clears U.S. House", "The bill cleared the U.S. House on Friday."),
    ]
    labels = label_stories(_texts(rows), max_words=4)
    assert "D.C." in labels["s1"].split() and "U.S." in labels["s2"].split()
    assert all(not word.endswith(".") for word in labels["s1"].split() if word != "D.C.")
