import pytest


@pytest.fixture(scope="module")
def spark_session(tmp_path_factory):
    """A small local Spark session (one core, 1 GB), or the one already running."""
    pytest.importorskip("pyspark")
    from nexus.engine.spark import local_spark

    return local_spark(cores=1, local_dir=tmp_path_factory.mktemp("spark"), memory=1024)
