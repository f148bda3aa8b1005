"""Built-in chrome patterns: lines that wrap an article in reader apps, partner pages and paywalls.

They are the default of ``clean.builtin_patterns``, so a config that never mentions ``clean.patterns`` still strips
them; ``clean.patterns`` adds a run's own. Kept here, apart from ``cluster.chrome``, so that loading a config does
not import the numeric stack.
"""

from __future__ import annotations

BUILTIN_PATTERNS: tuple[str, ...] = (
    # reader-app banners and trial offers (inkl, NewsBreak, SmartNews ...)
    r"^get all your news in one place",
    r"\b\d+'?s of (premium|trusted|top) (titles|publishers|sources)\b",
    r"^one app\.?$",
    r"^start reading\.?$",
    r"^(fourteen|seven|thirty|14|7|30)[- ]days? free\b",
    r"\bstart (your|a) free trial\b",
    r"^(download|get|open in|continue in|read in|install) (the|our) ([\w.]+ )?app\b",
    r"^(download|get it) on (the )?(app store|google play)\b",
    r"^(app store|google play)$",
    # lists of other stories
    r"^(related|recommended|suggested|more) (stories|articles|reads|reading|coverage|news)\b",
    r"^top stories (on|from) ",
    r"^(our|editor'?s|editors'|today'?s) picks?$",
    r"^(trending|popular|most read|most viewed)( now| on [\w .]+)?:?$",
    # sign-up boxes and newsletters
    r"^sign up (for|to) (our|the|a) ([\w'-]+ ){0,4}(newsletter|briefing|email|digest)",
    r"^(sign up|subscribe|register|join) (now|today|for free|free|to continue)\b",
    r"^(already a (member|subscriber)\??|(log|sign) in to (continue|read))",
    r"^by (signing up|subscribing|clicking)[\w ,]* you agree\b",
    r"^thanks? (you )?for (signing up|subscribing)\b",
    r"^(enter your|your) e-?mail( address)?:?$",
    # in-article furniture
    r"^advertisement$",
    r"^(story|article) continues (below|after)( (this )?(advertisement|ad))?$",
    r"^share (this|on|via)\b.{0,40}$",
    r"^(follow|like) us on ",
    r"^follow .{0,40} on (social media|twitter|facebook|x|instagram)",
    # teaser and paywall footers, attribution lines (read for evidence of origin before they are stripped)
    r"sign up to read (this|the full) (article|story)",
    r"^read the full (story|article)",
    r"^(this (article|story) )?(was )?(originally|first) (appeared|published) (on|in|at)",
    r"subscribe to .{0,40}newsletter",
)
"""Chrome that wraps articles in reader apps and partner pages: app banners and trial offers, related and top-story
lists, sign-up boxes, in-article furniture. Regexes for polars (Rust ``regex``: no look-around, no back-references),
matched case-insensitively anywhere in a line (anchor with ``^``/``$`` where the wording could occur in prose); the
clean stage strips matching lines (``clean.patterns`` adds a run's own; ``clean.builtin_patterns: false`` leaves
these out)."""
BUILTIN_REGEX = "(?i)" + "|".join(f"(?:{pattern})" for pattern in BUILTIN_PATTERNS).replace(r"\b", r"(?-u:\b)")
"""``BUILTIN_PATTERNS`` as one case-insensitive regex whose word boundaries are ASCII ones: a Unicode ``\b`` keeps
Rust's regex off its fast engine (about 9× slower on a night's lines), and these patterns' words are ASCII."""
