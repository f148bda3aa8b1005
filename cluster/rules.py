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

# In the order they are applied: the first rule on which two members differ decides.
CANONICAL_RULES: dict[str, str] = {
    "not_aggregator": "the other members come from listed aggregators (dedup.aggregators)",
    "dated": "the other members have no publication date",
    "earliest": "published first",
    "source_priority": "same time; its source comes first in dedup.source_priority",
    "most_complete": "same time and priority; the most complete text",
    "lowest_id": "a full tie; the smallest article id",
}
