"""The Spark session of a run: built from the ``spark`` config section, after checking that pyspark and a Java
runtime Spark 4 can use are installed (each missing piece is an ``EngineError`` that names the fix)."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ...config import SparkConfig
from .. import EngineError

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")  # the JVM's log: errors only
MIN_JAVA = 17  # Spark 4 runs on Java 17 or 21
_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')
_JOB_KEYS = ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel")


def in_job_group(group: str, description: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Run a kernel's method (on an object with ``.spark``) with its Spark jobs in ``group``, as the Spark UI and
    ``statusTracker`` show them, and put the thread's previous job group back afterwards (a notebook's own jobs
    must not carry ours)."""
    def decorate(method: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(method)
        def run(self: Any, *args: Any, **kwargs: Any) -> T:
            context = self.spark.sparkContext
            previous = {key: context.getLocalProperty(key) for key in _JOB_KEYS}
            context.setJobGroup(group, description)
            try:
                return method(self, *args, **kwargs)
            finally:
                for key, value in previous.items():
                    context.setLocalProperty(key, value)
        return run
    return decorate


@contextlib.contextmanager
def _one_task_per_item(spark: Any, shared: Any, items: list[Any]) -> Iterator[tuple[Any, Any]]:
    """The items as an RDD of one partition each and ``shared`` broadcast to every executor, released on exit."""
    context = spark.sparkContext
    broadcast = context.broadcast(shared)
    try:
        yield context.parallelize(items, max(1, len(items))), broadcast
    finally:
        broadcast.unpersist()


def broadcast_tasks(spark: Any, shared: Any, items: list[Any], work: Callable[[Any, Any], T]) -> list[T]:
    """``work(shared, item)`` for every item, one Spark task each, with ``shared`` broadcast once to every executor
    (and released afterwards); the answers in item order."""
    with _one_task_per_item(spark, shared, items) as (tasks, broadcast):
        return tasks.map(lambda item: work(broadcast.value, item)).collect()


def broadcast_reduced(spark: Any, shared: Any, items: list[Any], work: Callable[[Any, Any], list[tuple[K, V]]],
                      combine: Callable[[V, V], V]) -> list[tuple[K, V]]:
    """``work(shared, item)`` for every item, one Spark task each, with ``shared`` broadcast once; each task answers
    ``(key, value)`` pairs, and the values of one key are combined on the executors (``combine`` must not depend on
    their order), so the driver receives one value per key, in key order."""
    with _one_task_per_item(spark, shared, items) as (tasks, broadcast):
        pairs = tasks.flatMap(lambda item: work(broadcast.value, item))
        return sorted(pairs.reduceByKey(combine).collect(), key=lambda pair: pair[0])


def check_runtime() -> None:
    """Refuse, with the fix, when pyspark or Java 17+ is missing."""
    if importlib.util.find_spec("pyspark") is None:
        raise EngineError("engine spark needs pyspark: pip install -e '.[spark]'")
    java = _java_binary()
    if java is None:
        raise EngineError("engine spark needs a Java 17 runtime: apt-get install openjdk-17-jre-headless "
                          "(or set JAVA_HOME)")
    version = java_major_version(java)
    if version is not None and version < MIN_JAVA:
        raise EngineError(f"engine spark needs Java {MIN_JAVA} or later, {java} is Java {version}: "
                          "apt-get install openjdk-17-jre-headless and set JAVA_HOME to it")


def _java_binary() -> str | None:
    """The java Spark's launcher will run: ``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else ``java`` on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = os.path.join(home, "bin", "java")
        if not os.access(java, os.X_OK):
            raise EngineError(f"engine spark: JAVA_HOME is {home!r} but {java} is not an executable; point it at a "
                              "Java 17 runtime (apt-get install openjdk-17-jre-headless) or unset it")
        return java
    return shutil.which("java")


def java_major_version(java: str) -> int | None:
    """The major version ``java -version`` reports (``1.8`` is 8), or None when it cannot be read."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    found = _JAVA_VERSION.search(done.stderr + done.stdout)
    if found is None:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def spark_settings(config: SparkConfig) -> dict[str, str]:
    """The Spark conf of a run: ours first, the config's ``conf`` last (it may override any of them)."""
    settings = {
        "spark.app.name": config.app_name,
        "spark.master": config.master,
        "spark.sql.shuffle.partitions": str(config.shuffle_partitions),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        # the driver holds the tables between stages, so it collects every article (ingest's rows, the vectors):
        # Spark's 1g cap on a job's collected results would end any night above about 250k articles; the driver's
        # memory is the limit instead
        "spark.driver.maxResultSize": "0",
        "spark.executorEnv.LC_ALL": "C.UTF-8",  # executors started by a cluster manager: file names in UTF-8 too
    }
    # errors-only JVM log; a driver out of heap exits (and the run fails with exit 1) instead of hanging for ever
    java_options = f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()} -XX:+ExitOnOutOfMemoryError"
    settings["spark.driver.extraJavaOptions"] = java_options
    settings["spark.executor.extraJavaOptions"] = java_options
    if config.executor_memory:
        settings["spark.executor.memory"] = config.executor_memory
    if config.driver_memory:
        settings["spark.driver.memory"] = config.driver_memory
    if config.checkpoint_dir:  # reliable checkpoints are files: removed once their rounds are released
        settings["spark.cleaner.referenceTracking.cleanCheckpoints"] = "true"
    return {**settings, **config.conf}


def utf8_locale(environ: Mapping[str, str]) -> dict[str, str]:
    """What to set so that the JVM this process starts names files in UTF-8: under cron's C or POSIX locale Java
    reads and writes every non-ASCII file name as ``?`` (``café.jsonl`` is not found), while Python, which the local
    engine uses, decodes them in UTF-8 whatever the locale."""
    effective = environ.get("LC_ALL") or environ.get("LC_CTYPE") or environ.get("LANG") or ""
    return {} if re.search(r"utf-?8", effective, re.IGNORECASE) else {"LC_ALL": "C.UTF-8"}


def checkpointed(frame: Any) -> Any:
    """``frame`` computed now and cut from its plan, so an iteration's plan does not grow with its rounds: to the
    session's checkpoint folder when it has one (``spark.checkpoint_dir``; it survives a lost executor), else on
    the executors (``localCheckpoint``)."""
    if frame.sparkSession.sparkContext.getCheckpointDir():
        return frame.checkpoint(eager=True)
    return frame.localCheckpoint(eager=True)


def start_session(config: SparkConfig) -> tuple[Any, bool]:
    """A Spark session with ``spark_settings`` and whether this call started it. An active session (a notebook's,
    a platform's) is used as it is and must not be stopped by us. Executors run this interpreter, so they import
    this package."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is None and SparkContext._active_spark_context is not None:  # started on another thread: not ours
        active = SparkSession.builder.getOrCreate()
    if active is not None:  # its own settings stay; a checkpoint folder the config asks for is set
        if config.checkpoint_dir:
            active.sparkContext.setCheckpointDir(config.checkpoint_dir)
        return active, False
    os.environ.update(utf8_locale(os.environ))
    builder = SparkSession.builder
    for key, value in spark_settings(config).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if config.checkpoint_dir:
        session.sparkContext.setCheckpointDir(config.checkpoint_dir)
    return session, True
