"""Choosing an engine: the config keys, and the refusals before any work when the Spark engine cannot run here.

These tests need neither pyspark nor Java: they check what a user sees without them (``test_spark_engine.py`` runs
the engine itself).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from cluster.config import ConfigError, SparkConfig, load_config
from cluster.engines import EngineError, LocalEngine, engine_from_config
from cluster.engines.spark.session import check_runtime, java_major_version, spark_settings, utf8_locale
from jobs.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample" / "articles.jsonl"


def fake_java(folder: Path, version_line: str) -> Path:
    """A ``bin/java`` that answers ``-version`` like a real JVM does (on stderr)."""
    java = folder / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return java


def test_local_is_the_default_engine():
    engine = engine_from_config(load_config(None))
    assert isinstance(engine, LocalEngine)
    assert engine.describe() == {"name": "local"}


def test_an_unknown_engine_names_the_key_and_the_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("engine: sparkle\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"config {path}: 1 error(s)" in str(info.value)
    assert "  engine: Input should be 'local' or 'spark' (got 'sparkle')" in str(info.value)


def test_a_bad_memory_size_names_the_key(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("spark:\n  executor_memory: lots\n")
    with pytest.raises(ConfigError, match=r"spark.executor_memory: Value error, must be a JVM memory size"):
        load_config(path)


@pytest.mark.parametrize("master", ["local", "local[2]", "local[*]", "local[4,2]", "spark://10.0.0.5:7077", "yarn",
                                    "k8s://https://cluster:6443"])
def test_master_urls_spark_accepts_load(master):
    assert load_config(None, {"spark.master": master}).spark.master == master


def test_a_master_spark_cannot_parse_names_the_key(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("engine: spark\nspark:\n  master: bogus://x\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert (f"config {path}: 1 error(s)\n  spark.master: Value error, must be local, local[N], local[*], "
            "spark://HOST:PORT, k8s://URL or yarn (got 'bogus://x')") == str(info.value)


def test_the_engine_does_not_change_the_config_hash():
    spark = load_config(None, {"engine": "spark", "spark.master": "yarn"})
    assert load_config(None).config_hash() == spark.config_hash()


def test_spark_settings_put_the_config_conf_last():
    settings = spark_settings(SparkConfig(master="local[2]", executor_memory="2g",
                                          conf={"spark.sql.shuffle.partitions": "3", "spark.task.cpus": "1"}))
    assert settings["spark.master"] == "local[2]"
    assert settings["spark.executor.memory"] == "2g"
    assert settings["spark.sql.shuffle.partitions"] == "3"
    assert settings["spark.task.cpus"] == "1"
    assert "log4j2.properties" in settings["spark.driver.extraJavaOptions"]
    assert settings["spark.driver.maxResultSize"] == "0"  # the driver collects every article by design
    assert spark_settings(SparkConfig(conf={"spark.driver.maxResultSize": "8g"}))["spark.driver.maxResultSize"] == "8g"


@pytest.mark.parametrize(("environ", "change"), [
    ({"LANG": "C"}, {"LC_ALL": "C.UTF-8"}), ({}, {"LC_ALL": "C.UTF-8"}), ({"LC_ALL": "POSIX"}, {"LC_ALL": "C.UTF-8"}),
    ({"LANG": "en_GB.UTF-8"}, {}), ({"LC_ALL": "C.utf8", "LANG": "C"}, {}), ({"LC_CTYPE": "de_DE.UTF-8"}, {}),
])
def test_the_jvm_gets_a_utf8_locale_under_cron(environ, change):
    """cron runs jobs under the C locale, where Java names non-ASCII files with '?'."""
    assert utf8_locale(environ) == change


@pytest.mark.parametrize(("line", "major"), [
    ('openjdk version "17.0.15" 2025-04-15', 17), ('java version "1.8.0_292"', 8),
    ('openjdk version "21" 2023-09-19', 21), ("no version here", None),
])
def test_java_major_version_reads_what_the_jvm_prints(tmp_path, line, major):
    assert java_major_version(str(fake_java(tmp_path, line))) == major


def test_old_java_is_refused_with_the_fix(tmp_path, monkeypatch):
    pytest.importorskip("pyspark")
    fake_java(tmp_path, 'openjdk version "11.0.2" 2019-01-15')
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(EngineError, match=r"needs Java 17 or later, .* is Java 11: apt-get install "
                                          r"openjdk-17-jre-headless"):
        check_runtime()


def test_cli_without_java_exits_2_before_any_work(tmp_path):
    pytest.importorskip("pyspark")
    out = tmp_path / "out"
    env = {"PATH": str(tmp_path / "empty"), "JAVA_HOME": ""}
    result = CliRunner(env=env).invoke(main, ["dedup", "--engine", "spark", "--input", str(SAMPLE), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == ("error: engine spark needs a Java 17 runtime: apt-get install openjdk-17-jre-headless "
                             "(or set JAVA_HOME)\n")
    assert not out.exists()
    assert os.environ.get("PATH")  # CliRunner restored the environment


def test_a_spark_failure_is_one_line_and_other_errors_are_not_ours_to_word():
    protocol = pytest.importorskip("py4j.protocol")
    from cluster.engines import spark_failure

    failure = spark_failure(protocol.Py4JNetworkError("Answer from Java side is empty\nwhile sending a command"))
    assert failure == "engine spark: Py4JNetworkError: Answer from Java side is empty"
    assert spark_failure(ValueError("a bug of ours")) is None


def test_a_failed_spark_job_names_its_reason_not_py4js_header():
    protocol = pytest.importorskip("py4j.protocol")
    from cluster.engines import spark_failure

    class JobFailed(protocol.Py4JError):  # what py4j raises for a Java exception reads like this
        def __str__(self) -> str:
            return ("An error occurred while calling o123.collectToPython.\n"
                    ": org.apache.spark.SparkException: Job aborted due to stage failure: Task 1 failed 4 times\n"
                    "\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages")

    assert spark_failure(JobFailed()) == ("engine spark: JobFailed: org.apache.spark.SparkException: Job aborted due "
                                          "to stage failure: Task 1 failed 4 times")


def test_a_java_home_without_java_is_refused_with_the_fix(tmp_path, monkeypatch):
    pytest.importorskip("pyspark")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(EngineError, match=r"JAVA_HOME is .* but .*/bin/java is not an executable"):
        check_runtime()


def test_a_dataset_folder_whose_parts_the_driver_cannot_see_fails_before_the_commit(tmp_path):
    """Executors that wrote their parts to their own disks leave the driver a folder with only ``_SUCCESS``."""
    from cluster.engines.spark.tables import _check_written

    folder = tmp_path / "articles.parquet"
    folder.mkdir()
    (folder / "_SUCCESS").touch()
    with pytest.raises(OSError, match="holds no part files; the output and state folders must be on a filesystem"):
        _check_written(folder)
    (folder / "part-00000-x.snappy.parquet").write_bytes(b"")
    _check_written(folder)
