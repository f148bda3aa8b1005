"""Config loading: defaults, strict keys, ranges, types, regexes, hashing and dotted overrides."""

from __future__ import annotations

import pytest

from cluster.config import Config, ConfigError, DedupConfig, load_config


def write(tmp_path, body: str):
    path = tmp_path / "config.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_validate():
    config = load_config()
    assert config == Config()
    assert config.dedup.jaccard_threshold == 0.5
    assert config.dedup.num_perm == 128
    assert config.clean.boilerplate_min_docs == 3
    assert config.output.formats == ["csv", "parquet"]


def test_unknown_key_names_file_dotted_key_and_allowed_keys(tmp_path):
    path = write(tmp_path, "dedup:\n  jacard_threshold: 0.6\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"config {path}: 1 error(s)\n"
        "  dedup.jacard_threshold: unknown key (allowed: shingle_size, num_perm, seed, candidate_threshold, "
        "jaccard_threshold, containment_threshold, min_shingles, max_bucket_size, sample_bits, estimate_margin, "
        "short_edit_share, threads, source_priority, builtin_aggregators, aggregators)"
    )


def test_unknown_nested_key_lists_that_sections_keys(tmp_path):
    path = write(tmp_path, "input:\n  columns:\n    headline: title\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert (
        "  input.columns.headline: unknown key (allowed: id, title, text, source, url, published_at)"
        in str(info.value)
    )


def test_unknown_top_level_section_lists_sections(tmp_path):
    path = write(tmp_path, "dedupe: {}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert (
        "  dedupe: unknown key (allowed: engine, input, output, clean, dedup, embed, stories, topics, label, nightly, "
            "spark)"
        in str(info.value)
    )


def test_out_of_range_threshold_names_key(tmp_path):
    path = write(tmp_path, "dedup:\n  jaccard_threshold: 1.5\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"config {path}: 1 error(s)\n  dedup.jaccard_threshold: Input should be less than or equal to 1 (got 1.5)"
    )


def test_wrong_type_names_key_and_value(tmp_path):
    path = write(tmp_path, "dedup:\n  num_perm: many\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"config {path}: 1 error(s)\n  dedup.num_perm: Input should be a valid integer")
    assert message.endswith("(got 'many')")


def test_every_error_is_listed(tmp_path):
    path = write(tmp_path, "dedup:\n  num_perm: 8\n  seed: -1\nlabel:\n  max_words: 0\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"config {path}: 3 error(s)"
    assert [line.split(":")[0].strip() for line in lines[1:]] == ["dedup.num_perm", "dedup.seed", "label.max_words"]


def test_bad_regex_in_clean_patterns_fails(tmp_path):
    path = write(tmp_path, "clean:\n  patterns: ['^ok$', '(unclosed']\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"config {path}: 1 error(s)\n  clean.patterns: Value error, invalid regex '(unclosed':")


def test_regex_the_line_matcher_cannot_run_fails_on_load(tmp_path):
    # Python's re accepts look-ahead, but boilerplate lines are matched by polars (Rust regex), which does not.
    path = write(tmp_path, "clean:\n  patterns: ['^read more(?= here)']\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"config {path}: 1 error(s)\n  clean.patterns: Value error, invalid regex '^read more(?= here)': "
        "look-around, including look-ahead and look-behind, is not supported (got ['^read more(?= here)'])"
    )


def test_unquoted_yaml_run_date_is_accepted(tmp_path):
    # YAML reads an unquoted 2024-05-01 as a date, not a string.
    assert load_config(write(tmp_path, "input:\n  run_date: 2024-05-01\n")).input.run_date == "2024-05-01"
    assert load_config(write(tmp_path, "input:\n  run_date: '2024-05-01'\n")).input.run_date == "2024-05-01"


def test_impossible_run_date_fails_as_config_error(tmp_path):
    path = write(tmp_path, "input:\n  run_date: 2024-13-01\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"config {path}: not valid YAML: month must be in 1..12"
    quoted = write(tmp_path, "input:\n  run_date: '2024-02-30'\n")
    with pytest.raises(ConfigError) as info:
        load_config(quoted)
    assert str(info.value) == (
        f"config {quoted}: 1 error(s)\n  input.run_date: Value error, day is out of range for month (got '2024-02-30')"
    )


def test_empty_yaml_file_gives_defaults(tmp_path):
    assert load_config(write(tmp_path, "")) == Config()
    assert load_config(write(tmp_path, "# only a comment\n")) == Config()


def test_top_level_list_fails(tmp_path):
    path = write(tmp_path, "- dedup\n- clean\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"config {path}: the top level must be a mapping of sections, got list"


def test_invalid_yaml_fails_naming_file(tmp_path):
    path = write(tmp_path, "dedup: [unclosed\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"config {path}: not valid YAML:")


def test_missing_file_fails_naming_file(tmp_path):
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"config {path}: cannot read (No such file or directory)"


def test_config_hash_is_stable():
    assert Config().config_hash() == Config().config_hash()
    assert len(Config().config_hash()) == 16
    assert load_config(overrides={"dedup.seed": 1}).config_hash() == Config().config_hash()


def test_config_hash_changes_with_a_result_changing_key():
    base = Config().config_hash()
    assert load_config(overrides={"dedup.jaccard_threshold": 0.6}).config_hash() != base
    assert load_config(overrides={"clean.patterns": ["^advert"]}).config_hash() != base


def test_config_hash_ignores_output_dir_and_input_paths():
    base = Config().config_hash()
    assert load_config(overrides={"output.dir": "elsewhere"}).config_hash() == base
    assert load_config(overrides={"input.paths": ["a.jsonl"]}).config_hash() == base


def test_dotted_overrides_apply_over_the_file(tmp_path):
    path = write(tmp_path, "dedup:\n  num_perm: 64\n  seed: 3\n")
    config = load_config(path, overrides={"dedup.num_perm": 256, "input.columns.id": "guid"})
    assert config.dedup.num_perm == 256
    assert config.dedup.seed == 3
    assert config.input.columns.id == "guid"
    assert config.input.columns.title == "title"


def test_dotted_override_is_validated():
    with pytest.raises(ConfigError) as info:
        load_config(overrides={"dedup.containment_threshold": 0})
    assert str(info.value) == (
        "config <defaults>: 1 error(s)\n  dedup.containment_threshold: Input should be greater than 0 (got 0)"
    )


def test_dedup_config_is_strict():
    with pytest.raises(ValueError, match="jacard_threshold\n  Extra inputs are not permitted"):
        DedupConfig(jacard_threshold=0.5)
