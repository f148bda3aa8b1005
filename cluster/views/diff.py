"""``newsclust diff RUN_A RUN_B``: the stories that appeared, ended, grew, shrank, were renamed, split, merged or were
reissued under a new id.

Runs are compared by story id (ids are stable across runs of the same input, and across nights for a continuing
story, whose label may change as it grows: ``relabel``) and by shared article ids (a story whose articles now sit in
two or more stories split; a story holding articles of two or more earlier stories is a merge; a story whose
articles all sit in one story with a new id was reissued).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ..display import columns, iso, plural, printable, stamp
from ..runs import Run, RunFolderError

CHANGES = ("appeared", "ended", "grew", "shrank", "renamed", "split", "merged", "reissued", "unchanged")


def _summary(stories: pl.DataFrame, story_id: str) -> dict[str, Any]:
    row = stories.filter(pl.col("story_id") == story_id).row(0, named=True)
    return {"story_id": story_id, "label": row["label"], "n_articles": row["n_articles"], "n_unique": row["n_unique"],
            "first_seen": iso(row["first_seen"]), "last_seen": iso(row["last_seen"])}


def _shared_articles(a: Run, b: Run) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """How many articles each (``a`` story, ``b`` story) pair shares, keyed by ``a`` story and by ``b`` story."""
    shared = (
        a.articles.select("article_id", pl.col("story_id").alias("a"))
        .join(b.articles.select("article_id", pl.col("story_id").alias("b")), on="article_id")
        .group_by("a", "b").len()
    )
    targets: dict[str, dict[str, int]] = {}
    sources: dict[str, dict[str, int]] = {}
    for story_a, story_b, n in shared.iter_rows():
        targets.setdefault(story_a, {})[story_b] = n
        sources.setdefault(story_b, {})[story_a] = n
    return targets, sources


def _parts(mapping: dict[str, int], stories: pl.DataFrame) -> list[dict[str, Any]]:
    return [{**_summary(stories, sid), "shared_articles": n}
            for sid, n in sorted(mapping.items(), key=lambda item: (-item[1], item[0]))]


class _Changes:
    """Sorts every story of two runs into exactly one category of ``CHANGES``: splits and merges first, then ids in
    both runs (renamed when the label changed, whatever the size did; else by size), then ids in one run only (a
    reissued story is an ``a`` id whose articles all went to one new ``b`` id)."""

    def __init__(self, sa: pl.DataFrame, sb: pl.DataFrame, targets: dict[str, dict[str, int]],
                 sources: dict[str, dict[str, int]]) -> None:
        self.sa, self.sb, self.targets, self.sources = sa, sb, targets, sources
        self.ids_a, self.ids_b = set(sa["story_id"].to_list()), set(sb["story_id"].to_list())

    def sorted_out(self) -> dict[str, list[dict[str, Any]]]:
        result: dict[str, list[dict[str, Any]]] = {k: [] for k in CHANGES}
        explained_b: set[str] = set()
        for sid in sorted(self.ids_a):
            if len(self.targets.get(sid, {})) > 1:
                result["split"].append({**_summary(self.sa, sid), "into": _parts(self.targets[sid], self.sb)})
                explained_b.update(self.targets[sid])
        for sid in sorted(self.ids_b):
            if len(self.sources.get(sid, {})) > 1:
                result["merged"].append({**_summary(self.sb, sid), "from": _parts(self.sources[sid], self.sa)})
                explained_b.add(sid)
        split_a = {s["story_id"] for s in result["split"]}
        merged_from = {p["story_id"] for m in result["merged"] for p in m["from"]}
        self._same_ids(result, skip=split_a | explained_b)
        explained_b |= self._gone_ids(result, skip=split_a | merged_from)
        new_ids = sorted(self.ids_b - self.ids_a)
        result["appeared"] = [_summary(self.sb, sid) for sid in new_ids if sid not in explained_b]
        for entries in result.values():
            entries.sort(key=lambda e: (e["first_seen"] or "", e["story_id"]))
        return result

    def _same_ids(self, result: dict[str, list[dict[str, Any]]], skip: set[str]) -> None:
        for sid in sorted(self.ids_a & self.ids_b):
            if sid in skip:
                continue
            before, after = _summary(self.sa, sid), _summary(self.sb, sid)
            entry = {**after, "before": before["n_articles"], "after": after["n_articles"]}
            if before["label"] != after["label"]:
                result["renamed"].append({**entry, "previous_label": before["label"]})
                continue
            change = after["n_articles"] - before["n_articles"]
            result["grew" if change > 0 else "shrank" if change < 0 else "unchanged"].append(entry)

    def _gone_ids(self, result: dict[str, list[dict[str, Any]]], skip: set[str]) -> set[str]:
        """Sort ``a`` ids missing from ``b`` into reissued and ended; return the ``b`` ids that reissues explain."""
        reissued_as: set[str] = set()
        for sid in sorted(self.ids_a - self.ids_b):
            if sid in skip:
                continue
            target = self.targets.get(sid, {})
            if len(target) == 1 and next(iter(target)) not in self.ids_a:
                new_id = next(iter(target))
                result["reissued"].append({**_summary(self.sa, sid), "now": _summary(self.sb, new_id)})
                reissued_as.add(new_id)
            else:
                result["ended"].append(_summary(self.sa, sid))
        return reissued_as


def diff_runs(a: Run, b: Run) -> dict[str, Any]:
    """Stories that appeared, ended, grew, shrank, were renamed, split, merged or were reissued between run ``a`` and
    run ``b``.

    Story ids decide continuity: the same id with another label is renamed (with its sizes in both runs), else it
    grew, shrank or is unchanged. Shared article ids decide splits (an ``a`` story whose articles now sit in two or
    more ``b`` stories), merges (a ``b`` story holding articles of two or more ``a`` stories) and reissues (all of an
    ``a`` story's shared articles in one ``b`` story with another id, which is not itself in ``a``).
    """
    for run in (a, b):
        if not run.has_stories:
            raise RunFolderError(f"{run.folder} has no stories (a dedup-only run)")
    sa, sb = a.stories, b.stories
    assert sa is not None and sb is not None
    result = _Changes(sa, sb, *_shared_articles(a, b)).sorted_out()
    return {
        "run_a": {"folder": str(a.folder), "started_at": a.manifest.get("started_at"), "stories": sa.height,
                  "articles": a.articles.height},
        "run_b": {"folder": str(b.folder), "started_at": b.manifest.get("started_at"), "stories": sb.height,
                  "articles": b.articles.height},
        "summary": {k: len(v) for k, v in result.items()},
        **result,
    }


def _dates(entry: dict[str, Any]) -> str:
    return f"{stamp(entry['first_seen'])[:10]} → {stamp(entry['last_seen'])[:10]}"


def _articles(n: int) -> str:
    return plural(n, "article", grouped=False)


def _sizes(entry: dict[str, Any]) -> str:
    """A same-id story's size in A and in B: ``4 → 9 articles (+5)``, or ``4 articles`` when it did not change."""
    before, after = entry["before"], entry["after"]
    return f"{before} → {after} articles ({after - before:+d})" if before != after else _articles(after)


def _run_line(name: str, run: dict[str, Any]) -> str:
    return (f"{name}  {run['folder']}  ({plural(run['stories'], 'story', 'stories', grouped=False)}, "
            f"{_articles(run['articles'])})")


def _listed(diff: dict[str, Any]) -> list[tuple[str, list[list[str]]]]:
    return [
        ("appeared (in B only)", [[e["story_id"], e["label"], _articles(e["n_articles"]), _dates(e)]
                                  for e in diff["appeared"]]),
        ("ended (in A only)", [[e["story_id"], e["label"], _articles(e["n_articles"]), _dates(e)]
                               for e in diff["ended"]]),
        ("grew", [[e["story_id"], e["label"], _sizes(e)] for e in diff["grew"]]),
        ("shrank", [[e["story_id"], e["label"], _sizes(e)] for e in diff["shrank"]]),
        ("renamed (same id, new label)", [[e["story_id"], e["previous_label"], f"→ {e['label']}", _sizes(e)]
                                          for e in diff["renamed"]]),
        ("reissued (same articles, new id)",
         [[e["story_id"], e["label"], f"→ {e['now']['story_id']}  {e['now']['label']}"] for e in diff["reissued"]]),
    ]


def _parts_lines(entries: list[dict[str, Any]], title: str, run: str, arrow: str, key: str) -> list[str]:
    """A split (``into`` B stories) or a merge (``from`` A stories), each followed by its parts."""
    if not entries:
        return []
    lines = ["", f"{title}: {len(entries)}"]
    for e in entries:
        lines.append(f"  {e['story_id']}  {e['label']} ({_articles(e['n_articles'])} in {run}) {arrow} "
                     f"{len(e[key])} stories in {'B' if run == 'A' else 'A'}")
        lines += columns([[p["story_id"], p["label"], f"{p['shared_articles']} of its articles"] for p in e[key]],
                         indent=f"    {arrow} ")
    return lines


def format_diff(diff: dict[str, Any]) -> str:
    """The terminal text of ``diff_runs`` (labels with their control characters made visible)."""
    diff = printable(diff)
    lines = [
        _run_line("A", diff["run_a"]),
        _run_line("B", diff["run_b"]),
        "",
        "  ".join(f"{k} {v}" for k, v in diff["summary"].items()),
    ]
    for title, rows in _listed(diff):
        if rows:
            lines += ["", f"{title}: {len(rows)}", *columns(rows, indent="  ")]
    lines += _parts_lines(diff["split"], "split", run="A", arrow="→", key="into")
    lines += _parts_lines(diff["merged"], "merged", run="B", arrow="←", key="from")
    return "\n".join(lines)
