"""The configuration as people read it, rendered from the model in ``config.py`` (never written by hand).

``config_reference_markdown`` renders one markdown table row per key: its dotted name, its default and the field's
``description``. The README's configuration tables are this output between marker comments (see ``jobs/readme.py``),
so they cannot drift from the model. ``resolved_yaml`` is what ``newsclust check-config`` prints: every value of a
loaded config with defaults filled in, plus the values derived from it.

    python -m cluster.config_reference [SECTION ...]     # the tables, all sections by default
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .config import Config
from .minhash import lsh_params

HEADER = "| key | default | meaning |\n|---|---|---|"


def config_reference_markdown(sections: list[str] | None = None) -> str:
    """The markdown table of every key in ``sections`` (top-level names, in model order; all when None)."""
    names = list(Config.model_fields) if sections is None else sections
    unknown = [name for name in names if name not in Config.model_fields]
    if unknown:
        raise ValueError(f"no config section {', '.join(unknown)} (sections: {', '.join(Config.model_fields)})")
    rows = [row for name in names for row in _section_rows(name)]
    return "\n".join([HEADER, *(f"| `{key}` | {default} | {meaning} |" for key, default, meaning in rows)])


def _section_rows(name: str) -> Iterator[tuple[str, str, str]]:
    """The rows of a top-level name: a section's keys, or the one row of a top-level key such as ``engine``."""
    field = Config.model_fields[name]
    annotation = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _rows(annotation, f"{name}.")
    else:
        yield _row(name, field)


def _rows(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, str, str]]:
    """(dotted key, shown default, description) of each leaf field; a nested model contributes its own fields."""
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _rows(annotation, f"{prefix}{name}.")
        else:
            yield _row(f"{prefix}{name}", field)


def _row(key: str, field: FieldInfo) -> tuple[str, str, str]:
    if not field.description:
        raise ValueError(f"config key {key} has no description")
    default = field.get_default(call_default_factory=True)
    return key, shown_default(default), field.description.replace("|", "\\|")


def shown_default(value: Any) -> str:
    """A default as the README shows it: numbers plain (48.0 as 48), none for None, other values as YAML code."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return f"`[{', '.join(str(item) for item in value)}]`"
    return f"`{value}`"


def resolved_settings(config: Config) -> dict[str, Any]:
    """Every value of ``config`` (defaults filled in) and, under ``derived``, the LSH bands and rows and the hash."""
    resolved = config.model_dump(mode="json")
    bands, rows = lsh_params(config.dedup.candidate_threshold, config.dedup.num_perm)
    resolved["derived"] = {"lsh_bands": bands, "lsh_rows": rows, "config_hash": config.config_hash()}
    return resolved


def resolved_yaml(config: Config) -> str:
    """``resolved_settings`` as YAML, keys in model order."""
    return yaml.safe_dump(resolved_settings(config), sort_keys=False).rstrip()


if __name__ == "__main__":
    print(config_reference_markdown(sys.argv[1:] or None))
