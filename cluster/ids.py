"""Ids of duplicate groups, stories, chains and topics: how each is built and how one converts to another.

Every id is a prefix and the first 12 hex digits of a SHA-1, so it is stable across runs of the same input and
across nights: a group is named after its canonical article, a story after its first article, and a chain after
its first story (``c-`` plus the story's digest), a topic after its first story (``t-``).
"""

from __future__ import annotations

import hashlib

GROUP_PREFIX = "g-"
STORY_PREFIX = "s-"
CHAIN_PREFIX = "c-"
TOPIC_PREFIX = "t-"
_DIGITS = 12


def _digest(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:_DIGITS]


def group_id(canonical_article_id: str) -> str:
    """The duplicate group named after its canonical article."""
    return GROUP_PREFIX + _digest(canonical_article_id)


def story_id(first_article_id: str) -> str:
    """The story named after its first article (by publication time, then id)."""
    return STORY_PREFIX + _digest(first_article_id)


def topic_id(first_story_id: str) -> str:
    """The topic named after its first story (by first article, then id)."""
    return TOPIC_PREFIX + _digest(first_story_id)


def fresh_topic_id(taken_topic_id: str, attempt: int) -> str:
    """A new id for a topic whose natural id an earlier, different topic already has."""
    return TOPIC_PREFIX + _digest(f"{taken_topic_id}#{attempt}")


def fresh_story_id(taken_story_id: str, attempt: int) -> str:
    """A new id for a story whose natural id is already taken (``attempt`` counts from 1 until one is free)."""
    return STORY_PREFIX + _digest(f"{taken_story_id}#{attempt}")


def chain_of_story(first_story_id: str) -> str:
    """The chain that a story starts: the same digest under the chain prefix."""
    return CHAIN_PREFIX + first_story_id[len(STORY_PREFIX):]


def story_of_chain(chain_id: str) -> str:
    """The id of the story that started a chain (the inverse of ``chain_of_story``)."""
    return STORY_PREFIX + chain_id[len(CHAIN_PREFIX):]
