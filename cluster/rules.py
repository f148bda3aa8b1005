"""The rule vocabularies of the ``duplicates`` table, each rule with its explanation for people.

``duplicates.rule`` says why an article matched its group's canonical; ``duplicates.canonical_rule`` says why the
canonical won. The dedup stage writes these names; ``newsclust show``, ``report.html`` and the README explain them
with the texts here, so a rule has one name and one explanation everywhere.
"""

from __future__ import annotations

MATCH_RULES: dict[str, str] = {
    "jaccard": "shingle Jaccard at or above dedup.jaccard_threshold",
    "containment": "share of the shorter text's shingles found in the other at or above "
                   "dedup.containment_threshold (a teaser or cut copy)",
    "exact_short": "identical normalised text (headline-only or too short for shingles)",
    "near_short": "near-identical short text: at most one character edit per dedup.short_edit_share letters, "
                  "same numbers",
    "canonical": "the group's canonical article itself",
}
UNIQUE = "unique"  # ``rule`` of an article with no copy

# Why the canonical is the original (``cluster.dedup.origin``), in the order the rules are applied: each keeps the
# members that do best on it, and the rule that removed the canonical's last rival decides.
CANONICAL_RULES: dict[str, str] = {
    "not_aggregator": "the other members come from aggregators (the built-in list or dedup.aggregators, by source "
                      "name or URL host)",
    "attribution": "the members it competed with name another member as their origin, or a member names it and none "
                   "of them (an attribution line such as 'originally appeared on', a wire dateline, or the origin's "
                   "name on a line of its own)",
    "dated": "the other members have no publication date",
    "earliest": "published first (when a member has a date but no time of day: two days or more before the others, "
                "since a date alone is a day in the publisher's time zone)",
    "source_priority": "same day; its source comes first in dedup.source_priority",
    "not_teaser": "the others are teasers cut from it (they stop in the middle of one of its lines, or end with an "
                  "ellipsis where it goes on)",
    "most_complete": "holds the most of the text the group shares (shingles another member also has)",
    "least_wrapper": "the least text of its own around the shared text (banners, captions, sign-up boxes, related "
                     "lists, app footers: lines no other member has)",
    "earliest_day": "the same text; published on an earlier day (a date alone a day before the others)",
    "own_host": "the same text; its URL is on its own source's site",
    "earliest_time": "a full tie on the text; the earliest time of day (members with only a date come last)",
    "lowest_id": "a full tie; the smallest article id",
}

# What a line naming another member's source as the origin said (``duplicates`` records the line and its rule).
ATTRIBUTION_RULES: dict[str, str] = {
    "originally_published": "says it originally appeared on, or was first published by, the named source",
    "republished_from": "says it is republished or reprinted from (or with permission of) the named source",
    "produced_by": "says the story was produced or provided by the named source",
    "continue_reading": "sends the reader to the named source for the full story",
    "source_line": "a 'Source:' line naming the source",
    "via_line": "a short 'via X' line of its own",
    "dateline": "a wire dateline naming the source: 'WASHINGTON (Reuters) —', 'MOSCOW, February 7. /TASS/.'",
    "copyright": "a copyright line of the named source",
    "name_line": "a line that is exactly another member's source name (apps print the origin's name on its own line)",
}

VOCABULARIES = {"match": MATCH_RULES, "canonical": CANONICAL_RULES, "attribution": ATTRIBUTION_RULES}


def rules_markdown(vocabulary: str) -> str:
    """One vocabulary as a Markdown table (the README's and docs' rule tables are rendered from here)."""
    rules = VOCABULARIES[vocabulary]
    head = "| order | rule | wins when |" if vocabulary == "canonical" else "| rule | meaning |"
    rows = [f"| {n} | `{name}` | {text} |" if vocabulary == "canonical" else f"| `{name}` | {text} |"
            for n, (name, text) in enumerate(rules.items(), start=1)]
    return "\n".join([head, "|---|---|---|" if vocabulary == "canonical" else "|---|---|", *rows])
