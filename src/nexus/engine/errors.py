"""Engine failures as one error the user can act on, whatever the engine raised.

DuckDB raises ``duckdb.Error``; Spark raises Py4J errors wrapping a JVM exception (an
``OutOfMemoryError`` among them) or PySpark's own ``AnalysisException``. Callers above
the engine see ``EngineError``, with one line saying what failed and what to try.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from nexus.errors import Unavailable


class EngineError(Unavailable):
    """An analytic query could not finish (out of memory, a bad plan, a lost session)."""


_OOM = re.compile(r"OutOfMemoryError|Java heap space|GC overhead limit|Out of Memory Error", re.IGNORECASE)
_MEMORY_HINT = "set NEXUS_ENGINE_MEMORY (e.g. 8g) or free memory on this machine"


def _spark_errors() -> tuple[type[BaseException], ...]:
    try:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException
    except ImportError:
        return ()
    return (Py4JError, PySparkException)


def describe(exc: BaseException, engine: str) -> str:
    """One line for ``exc``: the first line of the engine's message, and a hint for memory."""
    text = str(exc).strip()
    if _OOM.search(text) or isinstance(exc, MemoryError):
        return f"{engine} ran out of memory: {_MEMORY_HINT}"
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    return f"{engine} failed: {first[:300]}"


@contextmanager
def engine_failures(engine: str) -> Iterator[None]:
    """Re-raise what the engine raises inside the block as ``EngineError``."""
    try:
        yield
    except EngineError:
        raise
    except (duckdb.Error, MemoryError, *_spark_errors()) as exc:
        raise EngineError(describe(exc, engine)) from exc
