"""A local Spark session sized to this machine: loopback only, no UI.

The JVM's heap is fixed when it starts, so the driver memory (``resources.memory_mb``)
is set here, before the first session exists; in local mode the driver is also the only
executor. An active session (a test's, a cluster's) is used as it is.
"""

import os
import sys
import tempfile
from pathlib import Path

from nexus.engine.errors import EngineError
from nexus.engine.resources import memory_mb

# Shuffle partitions per core; adaptive execution coalesces the small ones.
PARTITIONS_PER_CORE = 2
# Spark's own log goes to stderr at ERROR only (the repl logger too, or PySpark resets the
# root to WARN): its warnings are not the user's business.
LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.console.ref = console
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} spark %p %c{1}: %m%n
"""


def _log_config() -> Path:
    path = Path(tempfile.gettempdir()) / "nexus-spark-log4j2.properties"
    if not path.is_file() or path.read_text() != LOG4J2:
        path.write_text(LOG4J2)
    return path


def local_spark(cores: int | None = None, memory: int | None = None):
    """The active Spark session, or a new local one with ``cores`` and ``memory`` MB
    (by default every core and `resources.memory_mb`)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Python UDFs run in this environment
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("the Spark engine is not installed: pip install 'nexus[spark]'") from None

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    cores = cores or os.cpu_count() or 1
    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("nexus")
        .config("spark.driver.memory", f"{memory or memory_mb()}m")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_log_config()}")
        .config("spark.sql.shuffle.partitions", str(cores * PARTITIONS_PER_CORE))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    return builder.getOrCreate()
