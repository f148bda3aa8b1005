"""Build the bundled sample corpus ``data/sample/articles.jsonl`` from the hand-written originals.

Reads every ``data/sample_src/originals_*.jsonl`` (in sorted file-name order), then adds syndicated copies of chosen
originals as four fictional aggregators would publish them: wrapped in the aggregator's own header and footer
("chrome") and sometimes cut to a teaser, retitled, missing a paragraph, carrying an extra line, or with its quotes
and dashes restyled. Every row keeps ``gold`` (the story key) and ``gold_dup`` (the id of the original a row copies,
or its own id), so the sample can score deduplication and story clustering.

The output holds all originals and copies, sorted by ``published_at`` (as an instant) and then ``id``. All choices
come from one seeded ``random.Random``, so the file is byte-identical on every run. Standard library only.

Run from the repository root::

    python data/sample/build.py
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE
OUT = HERE.parent / "sample" / "articles.jsonl"
SEED = 20260302
TARGET_COPIES = 60
MIN_COPIES = 55
FIRST_STORY = "ferry-strike"
FIELDS = ("id", "title", "text", "source", "url", "published_at", "gold", "gold_dup")

Article = dict[str, str]


@dataclass(frozen=True)
class Aggregator:
    """A site that republishes other outlets' articles inside its own chrome."""

    name: str
    domain: str
    header: str = ""
    footer: str = ""
    related: bool = False
    dateline: bool = False


AGGREGATORS = (
    Aggregator(
        "NewsBreeze",
        "newsbreeze.example",
        header="Get all your news in one place with the NewsBreeze app.",
        footer="Sign up to read this article and more on NewsBreeze.",
        related=True,
    ),
    Aggregator(
        "Daily Digest Hub",
        "dailydigesthub.example",
        header="This article originally appeared on {source}.",
        footer="Follow Daily Digest Hub on social media for more.",
    ),
    Aggregator(
        "AllNews Now",
        "allnewsnow.example",
        footer="Subscribe to the AllNews Now newsletter for the day's top stories. | Privacy policy | Terms of use",
    ),
    Aggregator("PressPortal", "pressportal.example", header="PressPortal \u2014 your partner feed", dateline=True),
)
BY_NAME = {agg.name: agg for agg in AGGREGATORS}

# Optional transforms; every copy also gets "chrome".
TEASER, HEADLINE, DROP, APPEND, QUOTES = "teaser", "headline", "drop_paragraph", "append_paragraph", "quotes"
OPTIONAL = (TEASER, HEADLINE, DROP, APPEND, QUOTES)
CLASHES = {TEASER: {DROP, APPEND}, DROP: {TEASER}, APPEND: {TEASER}}

# The first ferry-strike original is copied once by every aggregator, with these transforms.
FIRST_PLAN: dict[str, tuple[str, ...]] = {
    "NewsBreeze": (HEADLINE,),
    "Daily Digest Hub": (QUOTES,),
    "AllNews Now": (TEASER,),
    "PressPortal": (APPEND,),
}
FIRST_TEASER_KEEP = 0.30

APPENDED = (
    "Additional reporting by staff.",
    "This story has been updated with further details.",
    "Reporting by {source}; edited for {aggregator}.",
)
TEMPLATES = ("Watch: {title}", "{title} \u2014 what we know", "Update: {title}", "{title} | {source}")

ALT_TITLES = {
    "a001": ("Porthaven ferry strike: crews walk out, island sailings cancelled",
             "Ferry workers strike in Porthaven over roster changes"),
    "a002": ("Morvah and Holm cut off as Porthaven ferry crews strike",),
    "a003": ("Islanders stranded at Porthaven terminal during ferry strike",),
    "a004": ("Talks begin as Porthaven ferry strike enters second day",),
    "a005": ("Porthaven ferries sail again after crews back roster deal",),
    "a006": ("Alvora fisheries talks open with row over cod cuts",),
    "a007": ("Norland cod port Kettleby fears deep quota cut",),
    "a008": ("Cod cut divides Norland and Vestmark at Alvora talks",),
    "a009": ("No cod deal as Alvora fisheries talks break up",),
    "a010": ("Vestmark seeks bigger mackerel share as Alvora talks resume",),
    "a011": ("Fishermen protest as second round of Alvora quota talks begins",),
    "a012": ("Alvora deal: cod catch cut 14%, Vestmark gains mackerel share",),
    "a013": ("Ports react to Norland-Vestmark fisheries deal",),
    "a014": ("Hackers steal 2.3 million records from payroll firm Quillon",),
    "a015": ("What Quillon Payroll users need to do after the data breach",),
    "a016": ("Regulator to investigate Quillon over delayed breach report",),
    "a017": ("Quillon breach leaves small employers fielding staff worries",),
    "a018": ("Quillon: hackers used contractor's stolen password",),
    "a019": ("Valdoria central bank lifts rates for fourth time in a year",),
    "a020": ("Markets: crown up, VAL 40 down after Bank of Valdoria hike",),
    "a021": ("What the Bank of Valdoria rate rise means for your mortgage",),
    "a022": ("Bank of Valdoria governor signals more rate rises to come",),
    "a023": ("Exporters hit out at Bank of Valdoria rate increase",),
    "a024": ("Eastbrook wildfire: residents told to prepare to evacuate",),
    "a025": ("3,400 ordered out as Tallow Ridge fire nears Eastbrook",),
    "a026": ("Eastbrook fire destroys seven houses in Hale End",),
    "a027": ("Eastbrook wildfire: police look at barbecue as possible cause",),
    "a028": ("Evacuation order lifted as Eastbrook fire is 70% contained",),
    "a029": ("Wrenford's Kestrel maritime museum opens again after revamp",),
    "a030": ("Restored schooner Grey Petrel is star of Kestrel Museum reopening",),
    "a031": ("Can the Kestrel Museum bring 300,000 visitors to Wrenford?",),
    "a032": ("Thousands queue for Kestrel Museum reopening in Wrenford",),
}

# Dateline place for PressPortal when the original's first paragraph has none of its own (else learned from
# the story's other originals; see story_places).
STORY_PLACES = {
    "ferry-strike": "PORTHAVEN",
    "fisheries-talks-r1": "ALVORA",
    "fisheries-talks-r2": "ALVORA",
    "quillon-breach": "BRACKLEY POINT",
    "valdoria-rates": "ORSENNA",
    "eastbrook-wildfire": "EASTBROOK",
    "museum-reopening": "WRENFORD",
}
DATELINE = re.compile(r"^([A-Z][A-Z'.\- ]*[A-Z])(?:,[^\n\u2014]{0,40}?)?(?: \([^)]*\))? (?:\u2014|--|-) ")


@dataclass(frozen=True)
class CopySpec:
    """One planned copy: which original, which aggregator, which optional transforms."""

    original: Article
    aggregator: Aggregator
    transforms: tuple[str, ...]
    keep: float = 0.0


@dataclass(frozen=True)
class Corpus:
    """What copies draw on besides their own original: every original, and a dateline place per story."""

    originals: list[Article]
    places: dict[str, str]


# ---------------------------------------------------------------------------------------------------- reading


def load_originals(src: Path) -> list[list[Article]]:
    """Originals grouped by source file (sorted file names), each group in id order."""
    groups = []
    for path in sorted(src.glob("originals_*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        groups.append(sorted(rows, key=lambda row: row["id"]))
    return groups


def parse_time(stamp: str) -> datetime:
    """An ISO-8601 timestamp with a timezone ("Z" accepted) as an aware datetime."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.split("\n\n") if part.strip()]


# ---------------------------------------------------------------------------------------------------- planning


def first_of_story(originals: list[Article], gold: str) -> Article | None:
    """The earliest original with a body in story ``gold``, if any."""
    found = [row for row in originals if row["gold"] == gold and row["text"]]
    return min(found, key=lambda row: (parse_time(row["published_at"]), row["id"]), default=None)


def interleave(groups: list[list[Article]], rng: random.Random) -> list[Article]:
    """Each group shuffled, then taken in turn, so every source file contributes early on."""
    shuffled = [rng.sample(group, len(group)) for group in groups]
    merged: list[Article] = []
    for i in range(max((len(group) for group in shuffled), default=0)):
        merged.extend(group[i] for group in shuffled if i < len(group))
    return merged


def pick_aggregator(used: set[str], load: Counter[str], rng: random.Random) -> Aggregator:
    """The least-used aggregator not yet used for this original (ties broken at random)."""
    free = [agg for agg in AGGREGATORS if agg.name not in used]
    least = min(load[agg.name] for agg in free)
    return rng.choice([agg for agg in free if load[agg.name] == least])


def pick_transforms(n_paragraphs: int, rng: random.Random) -> tuple[str, ...]:
    """One or two optional transforms that make sense together and for this body."""
    options = [name for name in OPTIONAL if name != DROP or n_paragraphs >= 3]
    chosen = [rng.choice(options)]
    if rng.random() < 0.4:
        rest = [name for name in options if name not in chosen and name not in CLASHES.get(chosen[0], set())]
        chosen.append(rng.choice(rest))
    return tuple(name for name in OPTIONAL if name in chosen)


def spec_for(original: Article, agg: Aggregator, transforms: tuple[str, ...], rng: random.Random) -> CopySpec:
    keep = round(rng.uniform(0.25, 0.45), 2) if TEASER in transforms else 0.0
    return CopySpec(original, agg, transforms, keep)


def allocate(order: list[Article], fixed: list[CopySpec], rng: random.Random) -> dict[str, list[Aggregator]]:
    """How many copies each chosen original gets (mostly one, a few two or three), and from whom.

    ``fixed`` are the copies already planned; they count towards the totals and each aggregator's load.
    """
    plan: dict[str, list[Aggregator]] = {}
    load: Counter[str] = Counter(spec.aggregator.name for spec in fixed)
    total = len(fixed)
    for original in order:
        if total >= TARGET_COPIES:
            break
        wanted = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
        plan[original["id"]] = []
        for _ in range(wanted):
            agg = pick_aggregator({a.name for a in plan[original["id"]]}, load, rng)
            plan[original["id"]].append(agg)
            load[agg.name] += 1
        total += wanted
    for original in order:  # top-up for a small corpus: more aggregators per original
        if total >= MIN_COPIES:
            break
        taken = plan.setdefault(original["id"], [])
        if len(taken) < len(AGGREGATORS):
            agg = pick_aggregator({a.name for a in taken}, load, rng)
            taken.append(agg)
            load[agg.name] += 1
            total += 1
    return plan


def plan_copies(groups: list[list[Article]], rng: random.Random) -> list[CopySpec]:
    """Every copy to make, the first ferry-strike original's four first."""
    originals = [row for group in groups for row in group]
    first = first_of_story(originals, FIRST_STORY)
    specs: list[CopySpec] = []
    if first is not None:
        for name, transforms in FIRST_PLAN.items():
            keep = FIRST_TEASER_KEEP if TEASER in transforms else 0.0
            specs.append(CopySpec(first, BY_NAME[name], transforms, keep))
    eligible = [[row for row in group if row["text"] and row is not first] for group in groups]
    order = interleave(eligible, rng)
    by_id = {row["id"]: row for row in order}
    for original_id, aggregators in allocate(order, specs, rng).items():
        original = by_id[original_id]
        for agg in aggregators:
            transforms = pick_transforms(len(paragraphs(original["text"])), rng)
            specs.append(spec_for(original, agg, transforms, rng))
    return specs


# ---------------------------------------------------------------------------------------------------- transforms


def to_curly(text: str) -> str:
    """Straight quotes to typographic ones and " -- " to an em dash."""
    text = text.replace("--", "\u2014")
    text = re.sub(r'(^|[\s(\[\u2014])"', "\\1\u201c", text).replace('"', "\u201d")
    text = re.sub(r"(^|[\s(\[\u2014\u201c])'", "\\1\u2018", text).replace("'", "\u2019")
    return text


def to_straight(text: str) -> str:
    """Typographic quotes to straight ones and em dashes to "--"."""
    table = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
    return text.translate(table).replace("\u2014", "--")


def restyle(text: str) -> str:
    """Flip the quote and dash style: curly text becomes straight, straight text becomes curly."""
    curly = any(mark in text for mark in "\u201c\u201d\u2018\u2019\u2014")
    return to_straight(text) if curly else to_curly(text)


def teaser(paras: list[str], keep: float) -> list[str]:
    """The first ``keep`` share of the body's words, paragraph breaks kept, ending with an ellipsis."""
    split = [para.split() for para in paras]
    budget = max(1, round(sum(len(words) for words in split) * keep))
    kept: list[list[str]] = []
    for words in split:
        if budget <= 0:
            break
        kept.append(words[:budget])
        budget -= len(kept[-1])
    last = kept[-1]
    last[-1] = last[-1].rstrip(".,;:!?\u2014-") + "\u2026"
    return [" ".join(words) for words in kept]


def new_title(original: Article, rng: random.Random) -> str:
    """A hand-written alternative headline where there is one, else a templated one."""
    alternatives = ALT_TITLES.get(original["id"])
    if alternatives:
        return rng.choice(alternatives)
    return rng.choice(TEMPLATES).format(title=original["title"], source=original["source"])


def story_places(originals: list[Article]) -> dict[str, str]:
    """Dateline place per story: ``STORY_PLACES`` first, else the commonest dateline among the story's originals."""
    seen: dict[str, Counter[str]] = {}
    for row in originals:
        match = DATELINE.match(row["text"])
        if match:
            seen.setdefault(row["gold"], Counter())[match.group(1)] += 1
    learned = {gold: counts.most_common(1)[0][0] for gold, counts in sorted(seen.items())}
    return learned | STORY_PLACES


def with_dateline(first_paragraph: str, gold: str, places: dict[str, str]) -> str:
    """The first paragraph led by a PressPortal dateline, replacing any dateline it had."""
    match = DATELINE.match(first_paragraph)
    place = match.group(1) if match else places.get(gold, "")
    rest = first_paragraph[match.end():] if match else first_paragraph
    prefix = f"{place} (PressPortal) \u2014 " if place else "(PressPortal) \u2014 "
    return prefix + rest


def related_titles(original: Article, originals: list[Article], rng: random.Random) -> list[str]:
    """Headlines of two other sample articles, from other stories."""
    others = sorted({row["title"] for row in originals if row["gold"] != original["gold"]})
    return rng.sample(others, min(2, len(others)))


# ---------------------------------------------------------------------------------------------------- copies


def copy_body(spec: CopySpec, rng: random.Random) -> tuple[str, list[str]]:
    """Title and body paragraphs after the optional transforms, before the chrome."""
    original = spec.original
    title = new_title(original, rng) if HEADLINE in spec.transforms else original["title"]
    paras = paragraphs(original["text"])
    if DROP in spec.transforms:
        del paras[rng.randrange(1, len(paras))]
    if APPEND in spec.transforms:
        line = rng.choice(APPENDED).format(source=original["source"], aggregator=spec.aggregator.name)
        paras.append(line)
    if QUOTES in spec.transforms:
        title, paras = restyle(title), [restyle(para) for para in paras]
    if TEASER in spec.transforms:
        paras = [*teaser(paras, spec.keep), f"Read the full story at {original['source']}."]
    return title, paras


def wrap(spec: CopySpec, paras: list[str], corpus: Corpus, rng: random.Random) -> str:
    """The body inside the aggregator's chrome."""
    agg, original = spec.aggregator, spec.original
    if agg.dateline:
        paras = [with_dateline(paras[0], original["gold"], corpus.places), *paras[1:]]
    parts = [agg.header.format(source=original["source"])] if agg.header else []
    parts += paras
    if agg.related:
        related = related_titles(original, corpus.originals, rng)
        parts.append("Related stories:\n" + "\n".join(f"- {t}" for t in related))
    if agg.footer:
        parts.append(agg.footer)
    return "\n\n".join(parts)


def slug(title: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", title.lower()))[:80].rstrip("-")


def copy_url(agg: Aggregator, title: str, when: datetime, original: Article, rng: random.Random) -> str:
    """A URL in the aggregator's own style."""
    number = rng.randint(100_000, 999_999)
    if agg.name == "NewsBreeze":
        return f"https://{agg.domain}/story/{slug(title)}-{number}"
    if agg.name == "Daily Digest Hub":
        return f"https://{agg.domain}/{when:%Y/%m/%d}/{slug(title)}"
    if agg.name == "AllNews Now":
        return f"https://{agg.domain}/a/{number}/{slug(title)}"
    return f"https://{agg.domain}/feed/{slug(original['source'])}/{slug(title)}"


def make_copy(spec: CopySpec, number: int, corpus: Corpus, rng: random.Random) -> Article:
    original = spec.original
    title, paras = copy_body(spec, rng)
    text = wrap(spec, paras, corpus, rng)
    when = parse_time(original["published_at"]) + timedelta(minutes=rng.randint(60, 30 * 60))
    when = when.astimezone(timezone.utc)
    return {
        "id": f"c{number:03d}",
        "title": title,
        "text": text,
        "source": spec.aggregator.name,
        "url": copy_url(spec.aggregator, title, when, original, rng),
        "published_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "gold": original["gold"],
        "gold_dup": original["id"],
    }


# ---------------------------------------------------------------------------------------------------- output


def write_rows(rows: list[Article], path: Path) -> None:
    ordered = sorted(rows, key=lambda row: (parse_time(row["published_at"]), row["id"]))
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in ordered:
            handle.write(json.dumps({key: row[key] for key in FIELDS}, ensure_ascii=False) + "\n")


def summary(originals: list[Article], specs: list[CopySpec]) -> str:
    per_agg = Counter(spec.aggregator.name for spec in specs)
    per_transform = Counter(name for spec in specs for name in ("chrome", *spec.transforms))
    copied = {spec.original["id"] for spec in specs}
    lines = [
        f"rows {len(originals) + len(specs)}: {len(originals)} originals "
        f"({sum(1 for row in originals if not row['text'])} headline-only), {len(specs)} copies "
        f"of {len(copied)} originals",
        "copies per aggregator: " + ", ".join(f"{agg.name} {per_agg[agg.name]}" for agg in AGGREGATORS),
        "copies per transform: " + ", ".join(f"{name} {per_transform[name]}" for name in ("chrome", *OPTIONAL)),
    ]
    return "\n".join(lines)


def main() -> None:
    rng = random.Random(SEED)
    groups = load_originals(SRC)
    originals = [row for group in groups for row in group]
    specs = plan_copies(groups, rng)
    corpus = Corpus(originals, story_places(originals))
    copies = [make_copy(spec, n, corpus, rng) for n, spec in enumerate(specs, start=1)]
    write_rows(originals + copies, OUT)
    print(f"wrote {OUT}")
    print(summary(originals, specs))


if __name__ == "__main__":
    main()
