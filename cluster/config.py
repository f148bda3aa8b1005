"""The YAML config as one typed, validated tree.

Every key is declared here with its default and its allowed range; an unknown key, a wrong type or an impossible
value fails on load with a message that names the file and the key (``ConfigError``), before any work starts.
Derived values (LSH bands and rows) are computed from the tree, never written in it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class ColumnMap(_Strict):
    """Input column name for each field of the input contract."""

    id: str = "id"
    title: str = "title"
    text: str = "text"
    source: str = "source"
    url: str = "url"
    published_at: str = "published_at"


class InputConfig(_Strict):
    paths: list[str] = Field(default_factory=list, description="files, globs or folders (JSONL, JSONL.gz, CSV, Parquet)")
    columns: ColumnMap = Field(default_factory=ColumnMap)
    run_date: str | None = Field(None, description="YYYY-MM-DD used for articles without published_at; default today (UTC)")
    max_text_chars: int = Field(200_000, ge=1_000, description="longer texts are cut to this many characters")
    future_tolerance_hours: float = Field(
        48.0, ge=0.0, description="articles dated later than the end of the run date plus this are rejected"
    )

    @field_validator("run_date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        from datetime import date, datetime

        if isinstance(value, date) and not isinstance(value, datetime):
            value = value.isoformat()  # YAML reads an unquoted 2024-05-01 as a date
        if isinstance(value, str):
            date.fromisoformat(value)
        return value


class OutputConfig(_Strict):
    dir: str = "out"
    formats: list[Literal["csv", "parquet"]] = Field(default_factory=lambda: ["csv", "parquet"], min_length=1)
    html: bool = True


class CleanConfig(_Strict):
    boilerplate_min_docs: int = Field(
        3, ge=2, description="a line repeated in this many articles of one source is that source's chrome"
    )
    boilerplate_max_words: int = Field(120, ge=1, description="longer lines are never treated as chrome")
    corpus_min_docs: int = Field(
        6, ge=0, description="a short line in this many articles of several sources, in varying context, is chrome; 0: off"
    )
    corpus_min_sources: int = Field(3, ge=2, description="sources a line must appear in for the corpus rule")
    corpus_max_words: int = Field(12, ge=1, description="longer lines are never corpus chrome")
    context_share: float = Field(
        0.5, ge=0.0, le=1.0,
        description="a repeated line is chrome only if its neighbour lines differ in this share of its articles",
    )
    patterns: list[str] = Field(default_factory=list, description="extra regexes; a matching line is chrome")

    @field_validator("patterns")
    @classmethod
    def _compilable(cls, patterns: list[str]) -> list[str]:
        import re

        import polars as pl

        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regex {pattern!r}: {exc}") from None
            try:  # lines are matched by polars (Rust regex): no look-around, no backreferences
                pl.Series([""]).str.contains(f"(?i){pattern}")
            except pl.exceptions.PolarsError as exc:
                lines = str(exc).splitlines()
                reason = next((line[7:] for line in lines if line.startswith("error: ")), lines[0] if lines else "")
                raise ValueError(f"invalid regex {pattern!r}: {reason}") from None
        return patterns


class DedupConfig(_Strict):
    shingle_size: int = Field(4, ge=1, le=12, description="words per shingle")
    num_perm: int = Field(128, ge=16, le=1024, description="MinHash permutations")
    seed: int = Field(1, ge=0)
    candidate_threshold: float = Field(
        0.2, gt=0.0, lt=1.0, description="Jaccard at which LSH makes a pair a candidate (loose; pairs are verified)"
    )
    jaccard_threshold: float = Field(0.5, gt=0.0, le=1.0, description="verified Jaccard that makes a copy")
    containment_threshold: float = Field(
        0.8, gt=0.0, le=1.0, description="verified share of the smaller shingle set found in the larger"
    )
    min_shingles: int = Field(
        10, ge=1, description="texts with fewer shingles match only on their letters and digits (exact or near-identical)"
    )
    max_bucket_size: int = Field(200, ge=2, description="LSH buckets larger than this are template noise, skipped")
    sample_bits: int = Field(
        4, ge=0, le=8, description="containment index keeps 1 in 2^bits shingles (same ones in every text); 0 keeps all"
    )
    estimate_margin: float = Field(
        0.25, ge=0.0, le=1.0, description="candidates estimated this far below both thresholds skip exact verification"
    )
    short_edit_share: float = Field(
        0.02, ge=0.0, lt=0.5, description="short texts within this many character edits per character (rounded) are near-identical"
    )
    threads: int = Field(0, ge=0, le=64, description="threads for shingles and signatures; 0 uses every core")
    source_priority: list[str] = Field(
        default_factory=list, description="sources preferred as canonical when publication times tie"
    )
    aggregators: list[str] = Field(
        default_factory=list, description="sources never chosen as canonical while a group has another source"
    )


class EmbedConfig(_Strict):
    model: str = Field("all-MiniLM-L6-v2", description="sentence-transformers model name or local path")
    backend: Literal["torch", "torch-int8", "onnx-int8"] = Field(
        "torch", description="torch-int8: Linear layers quantised to int8 on the CPU (about 2x faster, see docs/stories.md);"
        " onnx-int8: ONNX Runtime, int8 per channel, exported from the model on first use (configs/fast.yaml; CPU only)"
    )
    device: str = Field("auto", description="auto, cpu, cuda, cuda:N or mps")
    batch_size: int = Field(64, ge=1, le=4096)
    max_seq_length: int = Field(128, ge=16, le=512)
    lead_words: int = Field(60, ge=0, description="words of the body embedded after the title")
    cache_dir: str | None = Field(None, description="folder of the vector cache; none disables it")
    cache_days: float | None = Field(
        14.0, ge=0.0, description="cached vectors unused for this many days are dropped; none keeps them forever"
    )


class StoriesConfig(_Strict):
    article_threshold: float = Field(
        0.35, gt=-1.0, lt=2.0, description="mean combined similarity two stories of full articles need to merge"
    )
    headline_threshold: float = Field(
        0.16, gt=-1.0, lt=2.0, description="the same for headline-only items (fewer words, lower similarities)"
    )
    lexical_weight: float = Field(
        0.85, ge=0.0, le=1.0, description="share of the word and proper-noun TF-IDF cosine in full-article similarity"
    )
    shared_neighbours: int = Field(8, ge=1, description="nearest neighbours compared for the shared-neighbour signal")
    shared_neighbour_weight: float = Field(
        0.4, ge=0.0, lt=1.0, description="share of the shared-nearest-neighbour overlap in the similarity"
    )
    time_scale_days: float = Field(
        7.0, gt=0.0, description="articles this many days apart lose 0.5 similarity (Gaussian decay in days)"
    )
    neighbours: int = Field(30, ge=2, description="candidate neighbours per article in the sparse graph")
    chain_similarity: float = Field(
        0.75, gt=0.0, le=1.0, description="centroid cosine that links two stories into one chain"
    )
    chain_min_gap_days: float = Field(5.0, ge=0.0, description="stories must be this far apart to be rounds")


class LabelConfig(_Strict):
    max_words: int = Field(5, ge=1, le=12)


class NightlyConfig(_Strict):
    input: str | None = Field(None, description="input pattern with {date}, e.g. feeds/{date}/*.jsonl")
    state_dir: str = Field("state", description="state store folder (recent articles, story registry, vectors)")
    out_root: str = Field("runs", description="each night writes <out_root>/<date>/")
    dedup_days: float = Field(
        7.0, ge=0.0, description="earlier nights' articles kept for catching late copies (keep it above "
        "stories.chain_min_gap_days, or a copy that late starts a new round instead of joining its original)"
    )
    registry_days: float = Field(120.0, ge=1.0, description="stories kept in the registry for continuity and chains")
    continue_similarity: float = Field(
        0.6, gt=0.0, le=1.0, description="centroid cosine that makes tonight's story continue a recent one"
    )
    keep_snapshots: int = Field(
        3, ge=2, description="state snapshots kept (one per night); 2 at least, or re-running the newest night would "
        "start from empty state"
    )

    @field_validator("input")
    @classmethod
    def _has_date(cls, value: str | None) -> str | None:
        if value is not None and "{date}" not in value:
            raise ValueError("must contain {date}")
        return value


class Config(_Strict):
    input: InputConfig = Field(default_factory=InputConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    clean: CleanConfig = Field(default_factory=CleanConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    embed: EmbedConfig = Field(default_factory=EmbedConfig)
    stories: StoriesConfig = Field(default_factory=StoriesConfig)
    label: LabelConfig = Field(default_factory=LabelConfig)
    nightly: NightlyConfig = Field(default_factory=NightlyConfig)

    def config_hash(self) -> str:
        """Hash of the settings that change results (the output folder does not)."""
        settings = self.model_dump(
            mode="json", exclude={"output": {"dir"}, "input": {"paths"}, "nightly": {"input", "state_dir", "out_root"}}
        )
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Read and validate a YAML config; relative input paths stay relative to the working directory."""
    raw: dict[str, Any] = {}
    label = str(path) if path is not None else "<defaults>"
    if path is not None:
        raw = _read_yaml(Path(path))
    for dotted_key, value in (overrides or {}).items():
        _set_dotted(raw, dotted_key, value)
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(label, exc)) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"config {path}: cannot read ({exc.strerror or exc})") from None
    try:
        raw = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date such as 2024-13-01
        raise ConfigError(f"config {path}: not valid YAML: {exc}") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"config {path}: the top level must be a mapping of sections, got {type(raw).__name__}")
    return raw


def _set_dotted(tree: dict[str, Any], dotted_key: str, value: Any) -> None:
    *parents, leaf = dotted_key.split(".")
    node = tree
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[leaf] = value


def _describe(label: str, exc: ValidationError) -> str:
    lines = [f"config {label}: {exc.error_count()} error(s)"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "<top level>"
        if error["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key (allowed: {_allowed_keys(error['loc'])})")
        else:
            lines.append(f"  {key}: {error['msg']} (got {error.get('input')!r})")
    return "\n".join(lines)


def _allowed_keys(loc: tuple[Any, ...]) -> str:
    model: type[BaseModel] = Config
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        if field is None or not isinstance(field.annotation, type) or not issubclass(field.annotation, BaseModel):
            break
        model = field.annotation
    return ", ".join(model.model_fields)
