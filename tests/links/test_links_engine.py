"""The link graph is built on the engine the settings name (NEXUS_ENGINE), and questions read what it built."""

import pytest

from nexus.engine import SparkEngine
from nexus.service.links import build_links, nexus_paths

from test_links import OPEN, POLICE, load, person

pytestmark = [pytest.mark.spark, pytest.mark.sqlite_only, pytest.mark.xdist_group("spark")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_nexus_engine_spark_builds_the_graph_on_spark(store, tmp_path, monkeypatch, spark_session):
    load(store, tmp_path, "police", OPEN, [person("t", "Tariq Alpha", "crime.terror", phone="+442079460000"),
                                           person("y", "Yuri Boss", "crime.boss", phone="+44 20 7946 0000")])
    built = []
    materialise = SparkEngine.materialise

    def on_spark(self, name, *args, **kwargs):
        built.append(name)
        return materialise(self, name, *args, **kwargs)

    monkeypatch.setattr(SparkEngine, "materialise", on_spark)
    monkeypatch.setenv("NEXUS_ENGINE", "spark")
    home = tmp_path / "home"
    size = build_links(store, POLICE, home)
    assert "link_edges" in built
    assert size == {"nodes": 2, "edges": 1, "kept": False, "engine": "spark"}
    (path,) = nexus_paths(store, POLICE, home)  # answered on DuckDB over the files Spark wrote
    assert path["entities"] == ["t", "phone:442079460000", "y"]
