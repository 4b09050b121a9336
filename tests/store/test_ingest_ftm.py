from nexus.ingest import ingest
from nexus.model import Labels
from nexus.sources import get_format


def test_zala_loads_completely_and_reingest_adds_nothing(store, shared_data):
    path = shared_data / "ftm" / "zala_entities.ftm.json"
    store.register_source("zala", "ftm", Labels(agency="OPENSANCTIONS"))
    first = ingest(store, "zala", path, get_format("ftm").read(path))
    assert first.entities == 91
    assert not first.errors
    again = ingest(store, "zala", path, get_format("ftm").read(path))
    assert again.skipped_unchanged
