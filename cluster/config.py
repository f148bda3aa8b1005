"""The YAML config as one typed, validated tree.

Every key is declared here with its default and its allowed range; an unknown key, a wrong type or an impossible
value fails on load with a message that names the file and the key (``ConfigError``), before any work starts.
Derived values (LSH bands and rows) are computed from the tree, never written in it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)


class ColumnMap(_Strict):
    """Input column name for each field of the input contract."""

    id: str = Field("id", description="input column of the article id")
    title: str = Field("title", description="input column of the headline")
    text: str = Field("text", description="input column of the body text")
    source: str = Field("source", description="input column of the publisher name or domain")
    url: str = Field("url", description="input column of the article's address")
    published_at: str = Field("published_at", description="input column of the publication date or datetime")


class InputConfig(_Strict):
    paths: list[str] = Field(default_factory=list, description="files, globs or folders")
    columns: ColumnMap = Field(default_factory=ColumnMap, description="input column of each field")
    run_date: str | None = Field(
        None, description="date (YYYY-MM-DD) used for articles without `published_at`; none: today (UTC)"
    )
    max_text_chars: int = Field(200_000, ge=1_000, description="longer texts are cut")
    future_tolerance_hours: float = Field(
        48.0, ge=0.0, description="articles dated after the end of the run date plus this are rejected"
    )
    earliest_published_at: str = Field(
        "1990-01-01", description="articles dated before this date (YYYY-MM-DD, UTC) are rejected: a placeholder "
        "date (year 1) or a backdated copy, which would otherwise be the earliest of its group"
    )
    max_reject_share: float = Field(
        0.5, ge=0.0, le=1.0, description="a run that rejects more than this share of its rows, or accepts no "
        "article, warns and exits with code 6 after writing its outputs (1.0: off)"
    )

    @field_validator("run_date", "earliest_published_at", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        from datetime import date, datetime

        if isinstance(value, date) and not isinstance(value, datetime):
            value = value.isoformat()  # YAML reads an unquoted 2024-05-01 as a date
        if isinstance(value, str):
            date.fromisoformat(value)
        return value


class OutputConfig(_Strict):
    dir: str = Field("out", description="output folder")
    formats: list[Literal["csv", "parquet"]] = Field(
        default_factory=lambda: ["csv", "parquet"], min_length=1, description="table formats"
    )
    html: bool = Field(True, description="write `report.html`")


class CleanConfig(_Strict):
    boilerplate_min_docs: int = Field(
        3, ge=2, description="a line repeated in this many articles of one source is that source's chrome"
    )
    boilerplate_max_words: int = Field(120, ge=1, description="longer lines are never chrome")
    corpus_min_docs: int = Field(
        6, ge=0, description="a short line in this many articles of several sources is chrome too (0: off)"
    )
    corpus_min_sources: int = Field(3, ge=2, description="sources the corpus rule needs")
    corpus_max_words: int = Field(12, ge=1, description="longer lines are never corpus chrome")
    context_share: float = Field(
        0.5, ge=0.0, le=1.0,
        description="a repeated line is learned as chrome only if its neighbouring lines differ in this share of its "
        "articles (syndicated copies keep theirs)",
    )
    builtin_patterns: bool = Field(
        True, description="strip the built-in chrome of reader apps, partner pages and paywalls "
        "(`cluster/chrome_patterns.py`); `clean.patterns` adds to it"
    )
    patterns: list[str] = Field(
        default_factory=list,
        description="regexes, matched case-insensitively anywhere in a line; a matching line, and a bullet list right "
        "under it, is chrome (added to the built-in patterns)",
    )

    @property
    def own_patterns(self) -> list[str]:
        """The config's patterns that the built-in ones (when on) do not already hold, once each; the clean stage
        applies these as written and the built-in ones as ``chrome_patterns.BUILTIN_REGEX``."""
        from .chrome_patterns import BUILTIN_PATTERNS

        builtin = set(BUILTIN_PATTERNS) if self.builtin_patterns else set()
        return [p for p in dict.fromkeys(self.patterns) if p not in builtin]

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
    seed: int = Field(1, ge=0, description="MinHash seed (datasketch `affine32` scheme)")
    candidate_threshold: float = Field(
        0.2, gt=0.0, lt=1.0, description="Jaccard at which LSH proposes a pair (bands and rows derived from it)"
    )
    jaccard_threshold: float = Field(0.5, gt=0.0, le=1.0, description="verified Jaccard that makes a copy")
    containment_threshold: float = Field(
        0.8, gt=0.0, le=1.0,
        description="verified share of the smaller shingle set inside the larger that makes a copy (teasers)",
    )
    min_shingles: int = Field(
        10, ge=1,
        description="shorter texts and headline-only items match only on their letters and digits, exactly or "
        "near-identical",
    )
    max_bucket_size: int = Field(
        200, ge=2,
        description="larger LSH buckets (and sampled shingles in more articles) are template noise and skipped",
    )
    sample_bits: int = Field(
        4, ge=0, le=8,
        description="the containment index keeps 1 in 2^bits shingles, the same ones in every text (finds teasers)",
    )
    estimate_margin: float = Field(
        0.25, ge=0.0, le=1.0, description="candidates estimated this far below both thresholds skip exact verification"
    )
    short_edit_share: float = Field(
        0.02, ge=0.0, lt=0.5,
        description="short texts within this many character edits per character (rounded) are near-identical; 0: "
        "exact only",
    )
    threads: int = Field(
        0, ge=0, le=64, description="threads for shingles and signatures; 0: one per core, at most 8"
    )
    source_priority: list[str] = Field(
        default_factory=list, description="sources preferred as canonical when publication days tie"
    )
    builtin_aggregators: bool = Field(
        True, description="treat the built-in list of aggregators and syndication hosts (inkl, Yahoo News, MSN, "
        "Apple News, Google News, Flipboard, NewsBreak, ...: `cluster/dedup/provenance.py`) as never canonical "
        "while their group has another source"
    )
    aggregators: list[str] = Field(
        default_factory=list, description="more aggregators, by source name or URL host (added to the built-in list)"
    )


class EmbedConfig(_Strict):
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="the packaged model, or any sentence-transformers model name or local path (loaded offline)",
    )
    backend: Literal["torch", "torch-int8", "onnx-int8"] = Field(
        "torch",
        description="`torch-int8` quantises the model's Linear layers to int8 on the CPU: 2.3x faster, small accuracy "
        "loss; `onnx-int8` runs an int8 ONNX export of the model with ONNX Runtime, built from the packaged model on "
        "first use (`configs/fast.yaml`; CPU only; see `docs/stories.md`)",
    )
    device: str = Field("auto", description="`auto` uses CUDA or MPS when present, else CPU")
    batch_size: int = Field(64, ge=1, le=4096, description="texts per encoder batch")
    max_seq_length: int = Field(128, ge=16, le=512, description="tokens of each text the model reads (the rest is cut)")
    lead_words: int = Field(60, ge=0, description="words of the body embedded after the title")
    cache_dir: str | None = Field(
        None, description="vector cache folder (keyed by model id and text hash); reruns embed nothing twice"
    )
    cache_days: float | None = Field(
        14.0, ge=0.0,
        description="cached vectors unused for this many days are dropped (the nightly cache stays bounded); `null` "
        "keeps all",
    )


class StoriesConfig(_Strict):
    article_threshold: float = Field(
        0.35, gt=-1.0, lt=2.0,
        description="mean combined similarity two clusters of full articles need to merge (average linkage)",
    )
    headline_threshold: float = Field(
        0.16, gt=-1.0, lt=2.0,
        description="the same for headline-only items; pairs in between interpolate by length",
    )
    lexical_weight: float = Field(
        0.85, ge=0.0, le=1.0,
        description="share of the word + proper-noun TF-IDF cosine in the similarity of full articles",
    )
    shared_neighbours: int = Field(
        8, ge=1, description="neighbourhood size of the shared-nearest-neighbour signal"
    )
    shared_neighbour_weight: float = Field(
        0.4, ge=0.0, lt=1.0, description="share of the shared-neighbour overlap in the similarity"
    )
    time_scale_days: float = Field(
        7.0, gt=0.0, description="articles this many days apart lose 0.5 similarity, twice as far apart 2"
    )
    neighbours: int = Field(30, ge=2, description="candidate neighbours per article in the sparse graph")
    chain_similarity: float = Field(
        0.75, gt=0.0, le=1.0, description="centroid cosine that links two stories into a chain"
    )
    chain_min_gap_days: float = Field(5.0, ge=0.0, description="a gap in coverage this long starts a new round")


class TopicsConfig(_Strict):
    threshold: float = Field(
        0.15, gt=-1.0, lt=2.0,
        description="mean similarity of story centroids two topics need to merge (average linkage, no time decay)",
    )
    lexical_weight: float = Field(
        0.85, ge=0.0, le=1.0,
        description="share of the word + proper-noun TF-IDF cosine of the stories' headlines in their similarity",
    )
    shared_neighbours: int = Field(8, ge=1, description="neighbourhood size of the shared-nearest-neighbour signal")
    shared_neighbour_weight: float = Field(
        0.4, ge=0.0, lt=1.0, description="share of the shared-neighbour overlap in the similarity of two stories"
    )
    neighbours: int = Field(30, ge=2, description="candidate neighbour stories per story")


class LabelConfig(_Strict):
    max_words: int = Field(
        4, ge=1, le=6,
        description='content words in a label; joining words such as "of" come on top, 6 words in all '
        '(before "round N")',
    )


class NightlyConfig(_Strict):
    input: str | None = Field(None, description="input pattern with `{date}`")
    state_dir: str = Field("state", description="state folder")
    out_root: str = Field("runs", description="runs folder")
    dedup_days: float = Field(
        7.0, ge=0.0,
        description="earlier nights' articles kept to catch late copies; keep it above `stories.chain_min_gap_days`, "
        "or a copy that late becomes a new round",
    )
    registry_days: float = Field(120.0, ge=1.0, description="stories kept for continuity and recurring chains")
    chrome_days: float = Field(
        30.0, ge=0.0, description="chrome lines learned per source are stripped on later nights until not seen for "
        "this many days (a small night then still strips a source's banners); 0: learn each night afresh"
    )
    continue_similarity: float = Field(
        0.6, gt=0.0, le=1.0, description="centroid cosine that makes tonight's story continue a recent one"
    )
    # at least 2: re-running the newest night reads the snapshot before it, which must still be there
    keep_snapshots: int = Field(3, ge=2, description="state snapshots kept")

    @field_validator("input")
    @classmethod
    def _has_date(cls, value: str | None) -> str | None:
        if value is not None and "{date}" not in value:
            raise ValueError("must contain {date}")
        return value


class SparkConfig(_Strict):
    master: str = Field(
        "local[*]", description="Spark master URL: `local[*]`, `local[2]`, `spark://host:7077`, `yarn`, …"
    )
    app_name: str = Field("newsclust", description="application name shown in the Spark UI")
    executor_memory: str | None = Field(None, description="`spark.executor.memory` (e.g. `4g`); unset: Spark's default")
    driver_memory: str | None = Field(
        "4g", description="`spark.driver.memory`: in `local[*]` the driver is also the executor and holds the "
        "tables it sends (Spark's own 1g runs out at about 50,000 articles); only takes effect when this process "
        "starts the JVM; none: Spark's default"
    )
    shuffle_partitions: int = Field(16, ge=1, description="`spark.sql.shuffle.partitions`")
    partitions: int | None = Field(
        None, ge=1, description="partitions of the article table; unset: Spark's default parallelism"
    )
    checkpoint_dir: str | None = Field(
        None, description="a folder every executor reaches (HDFS, S3, a shared mount) for reliable checkpoints of the "
        "iterative steps (connected components, chrome rounds); unset: checkpoints kept on the executors, which a "
        "lost executor takes with it (the run then fails with exit 1 and is run again)"
    )
    conf: dict[str, str] = Field(default_factory=dict, description="any other Spark settings, passed as given")

    @field_validator("master")
    @classmethod
    def _master(cls, value: str) -> str:
        if not re.fullmatch(r"local(\[(\d+|\*)(,\d+)?\])?|(spark|k8s)://\S+|yarn", value.strip()):
            raise ValueError("must be local, local[N], local[*], spark://HOST:PORT, k8s://URL or yarn")
        return value.strip()

    @field_validator("executor_memory", "driver_memory")
    @classmethod
    def _memory(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d+[kmgt]?", value.strip().lower()):
            raise ValueError("must be a JVM memory size such as 512m or 4g")
        return value


class Config(_Strict):
    engine: Literal["local", "spark"] = Field(
        "local", description="where the stages run: `local` (this process) or `spark` (the `spark` section; "
        "`pip install -e '.[spark]'` and Java 17)"
    )
    input: InputConfig = Field(default_factory=InputConfig, description="where articles come from, how to read them")
    output: OutputConfig = Field(default_factory=OutputConfig, description="what a run writes, and where")
    clean: CleanConfig = Field(default_factory=CleanConfig, description="boilerplate (chrome) removal")
    dedup: DedupConfig = Field(default_factory=DedupConfig, description="syndicated copies (MinHash LSH, verified)")
    embed: EmbedConfig = Field(default_factory=EmbedConfig, description="sentence embeddings and their cache")
    stories: StoriesConfig = Field(default_factory=StoriesConfig, description="story clustering and chains")
    topics: TopicsConfig = Field(default_factory=TopicsConfig, description="topics: the subjects stories belong to")
    label: LabelConfig = Field(default_factory=LabelConfig, description="story labels")
    nightly: NightlyConfig = Field(default_factory=NightlyConfig, description="the nightly job and its state")
    spark: SparkConfig = Field(default_factory=SparkConfig, description="the Spark engine (`engine: spark`)")

    def config_hash(self) -> str:
        """Hash of the settings that change results (the output folder does not)."""
        settings = self.model_dump(
            mode="json", exclude={"output": {"dir"}, "input": {"paths"}, "nightly": {"input", "state_dir", "out_root"},
                                  "engine": True, "spark": True}
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


MAX_CONFIG_BYTES = 1 << 20  # a config is a few KB; anything this large is not one
MAX_CONFIG_NODES = 100_000  # values in the config once aliases are expanded (a YAML "billion laughs" has 10^9)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"config {path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config {path}: {len(data):,} bytes; a config is at most {MAX_CONFIG_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config {path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                          "save it as UTF-8") from None
    try:
        raw = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # ValueError: an impossible date such as 2024-13-01
        raise ConfigError(f"config {path}: not valid YAML: {exc}") from None
    _check_expanded_size(path, raw)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"config {path}: the top level must be a mapping of sections, got {type(raw).__name__}")
    return raw


def _check_expanded_size(path: Path, raw: Any) -> None:
    """Refuse YAML whose aliases expand to more than ``MAX_CONFIG_NODES`` values.

    YAML aliases share one loaded object, so a 447-byte "billion laughs" file loads quickly but every walk over it
    (validation, hashing, printing) visits each reference again: 10^9 visits. Counting references with an early stop
    costs at most ``MAX_CONFIG_NODES`` steps.
    """
    budget = MAX_CONFIG_NODES
    stack = [raw]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise ConfigError(f"config {path}: more than {MAX_CONFIG_NODES:,} values once YAML aliases are "
                              "expanded; a config needs no such structure (an alias bomb?)")
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


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
