"""The configuration reference rendered from the model: every key once, its default and its description."""

from __future__ import annotations

import pytest
import yaml

from cluster.config import Config, load_config
from cluster.config_reference import config_reference_markdown, resolved_settings, resolved_yaml, shown_default


def leaf_keys(model=Config, prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            keys += leaf_keys(annotation, f"{prefix}{name}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


def test_every_key_is_one_row_in_model_order():
    lines = config_reference_markdown().splitlines()
    assert lines[:2] == ["| key | default | meaning |", "|---|---|---|"]
    assert [line.split(" | ")[0].removeprefix("| ").strip("`") for line in lines[2:]] == leaf_keys()


def test_rows_show_default_and_description():
    table = config_reference_markdown(["dedup", "embed"])
    assert "| `dedup.num_perm` | 128 | MinHash permutations |" in table.splitlines()
    assert "| `embed.cache_dir` | none | vector cache folder" in table
    assert "input." not in table


def test_every_field_has_a_description():
    # sections and nested models too, so the reference never shows an empty meaning
    def undocumented(model, prefix=""):
        for name, field in model.model_fields.items():
            if not field.description:
                yield f"{prefix}{name}"
            if isinstance(field.annotation, type) and hasattr(field.annotation, "model_fields"):
                yield from undocumented(field.annotation, f"{prefix}{name}.")

    assert list(undocumented(Config)) == []


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "none"), (True, "`true`"), (48.0, "48"), (0.25, "0.25"), (200_000, "200000"), ([], "`[]`"),
     (["csv", "parquet"], "`[csv, parquet]`"), ("out", "`out`")],
)
def test_defaults_are_shown_as_the_yaml_a_user_writes(value, shown):
    assert shown_default(value) == shown


def test_unknown_section_is_an_error():
    with pytest.raises(ValueError, match="no config section dedupe"):
        config_reference_markdown(["dedupe"])


def test_resolved_settings_add_the_derived_lsh_parameters_and_hash():
    config = load_config(overrides={"dedup.num_perm": 64})
    resolved = resolved_settings(config)
    assert resolved["dedup"]["num_perm"] == 64
    assert resolved["derived"] == {"lsh_bands": 32, "lsh_rows": 2, "config_hash": config.config_hash()}
    assert yaml.safe_load(resolved_yaml(config)) == resolved
    assert list(resolved) == [*Config.model_fields, "derived"]
