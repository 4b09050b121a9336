import json

from rigour.names import NameTypeTag

from nexus.names import symbols
from nexus.names.symbols import SymbolCache


def test_symbols_are_remembered_on_disk_and_reused_without_the_tagger(tmp_path, monkeypatch):
    path = tmp_path / "name-symbols.json"
    first = SymbolCache(path)
    bill = first.symbols("bill", NameTypeTag.PER)
    assert "[NICK:BILL]" in bill
    assert first.symbols("zqxv", NameTypeTag.PER) == frozenset()
    first.save()
    assert json.loads(path.read_text())["PER"]["bill"] == sorted(bill)

    def no_tagger(tag, token):
        raise AssertionError(f"tagger asked about {token!r}")

    monkeypatch.setattr(symbols, "_tag_token", no_tagger)
    second = SymbolCache(path)
    assert second.symbols("bill", NameTypeTag.PER) == bill
    assert second.symbols("zqxv", NameTypeTag.PER) == frozenset()


def test_damaged_cache_file_is_ignored_and_rewritten(tmp_path):
    path = tmp_path / "name-symbols.json"
    path.write_text("{not json")
    cache = SymbolCache(path)
    assert cache.symbols("bill", NameTypeTag.PER)
    cache.save()
    assert "bill" in json.loads(path.read_text())["PER"]
