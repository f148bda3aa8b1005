"""Cut the bundled sample into nightly feeds: ``<folder>/<YYYY-MM-DD>/articles.jsonl`` by publication day (UTC).

Usage: ``python data/sample_src/split_by_day.py feeds`` (then ``newsclust nightly --config configs/nightly.yaml``).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "sample" / "articles.jsonl"


def day_of(published_at: str) -> str:
    return datetime.fromisoformat(published_at.replace("Z", "+00:00")).astimezone(timezone.utc).date().isoformat()


def main(folder: str) -> None:
    lines_by_day: dict[str, list[str]] = {}
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        lines_by_day.setdefault(day_of(json.loads(line)["published_at"]), []).append(line)
    for day, lines in sorted(lines_by_day.items()):
        target = Path(folder) / day
        target.mkdir(parents=True, exist_ok=True)
        (target / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{target / 'articles.jsonl'}: {len(lines)} articles")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "feeds")
