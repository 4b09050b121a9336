import pytest


@pytest.fixture(scope="module")
def spark_session():
    """A small local Spark session (one core, 1 GB), or the one already running."""
    pytest.importorskip("pyspark")
    from nexus.engine.spark import local_spark

    return local_spark(cores=1, memory=1024)
