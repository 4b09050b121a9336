"""The UN list (read in place from ../shared) as entities and as a screening index, once per test module."""

import pytest

from nexus.screen import ScreenIndex
from nexus.sources.un_sc import UNSCFormat


@pytest.fixture(scope="module")
def un_entities(shared_data) -> list:
    path = shared_data / "sanctions" / "un_consolidated_2017.xml"
    return [e for record in UNSCFormat().read(path) for e in record.entities]


@pytest.fixture(scope="module")
def un_index(un_entities) -> ScreenIndex:
    index = ScreenIndex()
    index.add_entities("un-sc", un_entities)
    return index
