"""Same-day reprints for the syndication set: reader apps, portals and partner sites, as they present others' work.

Written from how such pages look: reader apps put the whole article inside their own frame (a banner, the origin's
name and section on lines of their own, a photo caption, then after the text a sign-up or trial box, lists of other
stories and an app footer); portals (Yahoo News, MSN, AOL) show a provider line, a reading time and "more for you"
lists, MSN under the provider's own name; partner sites keep a credit line in one of many wordings (some of which no
rule knows), at the top, at the bottom or as a dateline; partner teasers keep the first paragraphs and send readers
on. Every service words its chrome its own way, and the wordings vary per item. Two of the apps and every partner
site are made up and listed nowhere. Nothing here is shared with the unit tests' fixtures or with the built-in chrome
patterns (``cluster.chrome_patterns.BUILTIN_PATTERNS``).

Copies carry a date alone (midnight UTC), most of them the same day as their original; partners are sometimes a day
early (a partner in another time zone), which only their credit line can overrule.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

ORIGIN_NAMES = {  # how copies name the base corpus's sources (its ``source`` column holds hosts)
    "www.aljazeera.com": ["Al Jazeera", "Al Jazeera", "Al Jazeera English", "aljazeera.com"],
    "tass.com": ["TASS", "TASS", "TASS Russian News Agency"],
    "abcnews.go.com": ["ABC News", "ABC News"],
    "www.rte.ie": ["RTÉ", "RTÉ News", "RTE"],
    "www.dw.com": ["DW", "Deutsche Welle", "dw.com"],
    "www.huffingtonpost.com": ["The Huffington Post", "HuffPost"],
    "europe.chinadaily.com.cn": ["China Daily", "China Daily Europe"],
    "www.bbc.co.uk": ["BBC News", "BBC", "BBC"],
    "www.cnn.com": ["CNN", "CNN"],
}
NEW_TRANSFORMS = ("app_wrap", "portal", "partner", "partner_teaser")

# name: (URL pattern, head lines, foot lines); {origin} is the origin's name, {rN} other stories' headlines
APPS: dict[str, tuple[str, list[str], list[str]]] = {
    "inkl": (
        "https://www.inkl.com/news/{slug}",
        ["{inkl_pitch}", "Try inkl free", "{origin}", "{section}", "{caption}"],
        ["Want more from {origin}? Join inkl to keep reading.", "You might also like", "- {r1}", "- {r2}", "- {r3}",
         "Most popular on inkl today", "1. {r4}", "2. {r5}", "Handpicked for you", "{r6}",
         "Start your {trial}-day trial", "Available on iOS and Android"],
    ),
    "NewsBreak": (
        "https://www.newsbreak.com/news/{n}-{slug}",
        ["{origin}", "{followers} followers", "{caption}"],
        ["Comments / {comments}", "Add a Comment", "YOU MAY ALSO LIKE", "{r1}", "{r2}",
         "Local news you can trust, in the NewsBreak app", "Open App"],
    ),
    "SmartNews": (
        "https://www.smartnews.com/en/articles/{n}",
        ["{origin}", "{section} · {minutes} min read"],
        ["Read next", "{r1}", "{r2}", "{r3}", "SmartNews puts the stories that matter in one free feed.",
         "Get SmartNews"],
    ),
    "Ground News": (
        "https://ground.news/article/{slug}",
        ["{origin}", "Bias distribution: {left}% left, {center}% center, {right}% right",
         "{sources} sources are reporting on this story"],
        ["Compare coverage of this story", "Similar news topics", "{r1}", "{r2}",
         "Ground News Vantage members see every side of every story"],
    ),
    "Flipboard": (
        "https://flipboard.com/@{user}/{slug}-{code}",
        ["Flipped into {section} Now by {user}", "{origin}", "{caption}"],
        ["Flip", "Like", "Comment", "More stories in {section}", "{r1}", "{r2}"],
    ),
    "Dispatch Daily": (  # made up, unlisted
        "https://read.dispatchdaily.app/{slug}",
        ["Dispatch Daily", "Today's essential reads", "{origin}", "{caption}"],
        ["Enjoying Dispatch Daily? Tell a friend.", "Keep exploring", "{r1}", "{r2}", "{r3}",
         "Go premium: ad-free reading for {price} a month", "Dispatch Daily for iPhone, iPad and Android"],
    ),
    "Pressbox": (  # made up, unlisted
        "https://pressbox.news/s/{n}",
        ["{origin} | {section}", "{caption}"],
        ["Reader favourites", "{r1}", "{r2}", "Pressbox: every newsroom in a single feed", "Install Pressbox"],
    ),
}
INKL_PITCHES = ["The world's best journalism, all in one app", "Trusted news from hundreds of publishers",
                "Premium journalism without the paywalls"]
PORTALS: dict[str, tuple[str, list[str], list[str]]] = {
    "Yahoo News": (
        "https://{edition}.yahoo.com/{slug}-{n}.html",
        ["{origin}", "{weekday}, {date} · {minutes}-min read"],
        ["Story continues", "Trending now", "{r1}", "{r2}"],
    ),
    "MSN": (
        "https://www.msn.com/en-{region}/news/world/{slug}/ar-AA{code}",
        ["{origin}", "Story by {editor}", "{hours}h"],
        ["More for You", "{r1}", "{r2}", "{r3}"],
    ),
    "AOL": (
        "https://www.aol.com/news/{slug}-{n}.html",
        ["{origin}", "{date} · {minutes} min read"],
        ["Related video", "{r1}", "Read more stories on AOL", "{r2}"],
    ),
}
PARTNERS = {  # made-up partner sites, listed nowhere
    "Lakeshore Gazette": "lakeshoregazette.com", "The Eastern Tribune": "easterntribune.com",
    "Capital Wire Online": "capitalwireonline.com", "Midland Chronicle": "midlandchronicle.co.uk",
    "Pacific Ledger": "pacificledger.com.au", "Northern Herald": "northernherald.ca",
}
CREDITS = [  # (where, wording); several wordings are ones no rule knows
    ("foot", "This article originally appeared on {origin}."),
    ("foot", "This story was originally published by {origin}."),
    ("foot", "Originally published on {host}."),
    ("foot", "This article was first published on {origin} on {date}."),
    ("foot", "This article is republished from {origin}. Read the original article."),
    ("foot", "Reprinted with permission of {origin}."),
    ("foot", "The post {title} appeared first on {origin}."),
    ("foot", "Source: {origin}"),
    ("foot", "© 2017 {origin}. All rights reserved."),
    ("foot", "Content courtesy of {origin}."),
    ("foot", "Story by {origin} staff"),
    ("head", "Via {origin}"),
    ("head", "From our partners at {origin}"),
    ("dateline", "{city} ({origin}) — "),
]
TEASER_CREDITS = ["Continue reading on {origin}", "Read the full article at {host}", "Read more at {origin}",
                  "Keep reading at {origin}", "Full story: {origin}", "Read the rest of this story on {origin}."]
PARTNER_CHROME = [[], [], ["Share this:", "Facebook", "X", "Email"], ["Comments ({comments})"],
                  ["Related", "{r1}", "{r2}"], ["Tags: {section}, news"]]
CAPTION_SUBJECTS = ["Protesters gather", "Officials meet", "A police officer stands guard", "Residents queue",
                    "Delegates arrive", "Supporters wave flags", "Workers clear debris", "Journalists wait"]
CAPTION_PLACES = ["outside parliament", "in the city centre", "near the border crossing", "at the summit venue",
                  "outside the courthouse", "in the capital", "at a rally", "near the scene"]
CAPTION_CREDITS = ["[Reuters]", "(AP Photo)", "Photo: AFP", "[Getty Images]", "(EPA)", "Photograph: Anadolu Agency"]
SECTIONS = ["World", "Politics", "Business", "Europe", "Middle East", "US News", "Asia", "Top Stories"]
CITIES = ["WASHINGTON", "LONDON", "BERLIN", "MOSCOW", "BEIJING", "DOHA", "DUBLIN", "NEW YORK", "PARIS"]
EDITORS = ["Ana Ruiz", "Tom Okafor", "Mei Chen", "Lars Berg", "Priya Nair", "Sam Cole"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def slug(title: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", title.lower())[:8]) or "story"


@dataclass(frozen=True)
class Reprint:
    source: str
    url: str
    text: str
    kept: float  # share of the original's words kept


class Reprinter:
    """Makes the same-day reprints of one set (``rng`` and the set's headlines for related-story lists)."""

    def __init__(self, rng: random.Random, titles: list[str]) -> None:
        self.rng = rng
        self.titles = titles

    def make(self, kind: str, origin_source: str, title: str, day: datetime, paras: list[str]) -> Reprint:
        """A reprint of this kind of the article with these paragraphs."""
        makers: dict[str, Callable[[], Reprint]] = {
            "app_wrap": lambda: self._framed(APPS, origin_source, title, day, paras),
            "portal": lambda: self._framed(PORTALS, origin_source, title, day, paras),
            "partner": lambda: self._partner(origin_source, title, day, paras),
            "partner_teaser": lambda: self._partner_teaser(origin_source, title, day, paras),
        }
        return makers[kind]()

    def copy_day(self, kind: str, day: datetime) -> datetime:
        """A copy's date (midnight: a date alone): mostly the original's day, sometimes the next, a partner's
        sometimes the day before."""
        r = self.rng.random()
        if kind in ("partner", "partner_teaser") and r < 0.1:
            return day - timedelta(days=1)
        return day + timedelta(days=1) if r > 0.8 else day

    def _fill(self, origin_source: str, title: str, day: datetime) -> dict[str, object]:
        rng = self.rng
        left = rng.randint(10, 60)
        center = rng.randint(0, 100 - left)
        return {
            "origin": rng.choice(ORIGIN_NAMES.get(origin_source, [origin_source])), "section": rng.choice(SECTIONS),
            "slug": slug(title), "n": rng.randint(10**6, 10**7), "code": f"{rng.getrandbits(28):07x}",
            "caption": f"{rng.choice(CAPTION_SUBJECTS)} {rng.choice(CAPTION_PLACES)} on {rng.choice(WEEKDAYS)} "
                       f"{rng.choice(CAPTION_CREDITS)}",
            "inkl_pitch": rng.choice(INKL_PITCHES), "trial": rng.choice([7, 14, 30]),
            "followers": rng.randint(200, 90000), "comments": rng.randint(0, 400), "minutes": rng.randint(2, 9),
            "left": left, "center": center, "right": 100 - left - center, "sources": rng.randint(3, 80),
            "user": rng.choice(["newsdesk", "worldwatch", "dailyreads"]),
            "price": rng.choice(["2.99", "3.49", "4.99"]), "edition": rng.choice(["news", "uk.news", "sg.news"]),
            "region": rng.choice(["gb", "us", "in", "au"]), "editor": rng.choice(EDITORS), "hours": rng.randint(1, 11),
            "weekday": WEEKDAYS[day.weekday()], "date": f"{day:%d %B %Y}", "city": rng.choice(CITIES), "title": title,
            "host": origin_source.removeprefix("www."),
            **{f"r{k}": rng.choice(self.titles) for k in range(1, 7)},
        }

    def _framed(self, services: dict, origin_source: str, title: str, day: datetime,
                paras: list[str]) -> Reprint:
        name = self.rng.choice(sorted(services))
        url, head, foot = services[name]
        fill = self._fill(origin_source, title, day)
        source = str(fill["origin"]) if name == "MSN" and self.rng.random() < 0.7 else name  # MSN credits the provider
        text = "\n".join([h.format(**fill) for h in head] + paras + [f.format(**fill) for f in foot])
        return Reprint(source, url.format(**fill), text, 1.0)

    def _partner_site(self, fill: dict) -> tuple[str, str]:
        name = self.rng.choice(sorted(PARTNERS))
        return name, f"https://www.{PARTNERS[name]}/{str(fill['section']).lower().replace(' ', '-')}/{fill['slug']}"

    def _partner(self, origin_source: str, title: str, day: datetime, paras: list[str]) -> Reprint:
        fill = self._fill(origin_source, title, day)
        name, url = self._partner_site(fill)
        body = list(paras)
        if len(body) > 3 and self.rng.random() < 0.2:  # an editor's cut: the last paragraph left out
            body.pop()
        where, wording = self.rng.choice(CREDITS)
        credit = wording.format(**fill)
        if where == "dateline":
            body[0] = credit + body[0]
        elif where == "head":
            body.insert(0, credit)
        else:
            body.append(credit)
        chrome = [c.format(**fill) for c in self.rng.choice(PARTNER_CHROME)]
        kept = sum(len(p.split()) for p in paras[: len(body)]) / max(sum(len(p.split()) for p in paras), 1)
        return Reprint(name, url, "\n".join(body + chrome), kept)

    def _partner_teaser(self, origin_source: str, title: str, day: datetime,
                        paras: list[str]) -> Reprint:
        fill = self._fill(origin_source, title, day)
        name, url = self._partner_site(fill)
        keep = self.rng.randint(1, max(1, min(3, len(paras) - 1)))
        body = paras[:keep]
        if self.rng.random() < 0.5:  # cut inside the next paragraph, as feeds cut excerpts
            words = paras[keep].split() if keep < len(paras) else []
            if len(words) > 8:
                body = [*body, " ".join(words[: self.rng.randint(3, len(words) - 3)]) + "…"]
        credit = self.rng.choice(TEASER_CREDITS).format(**fill)
        kept = sum(len(p.split()) for p in body) / max(sum(len(p.split()) for p in paras), 1)
        return Reprint(name, url, "\n".join([*body, credit]), min(kept, 1.0))
