import json

import pyarrow as pa

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


def test_a_process_rewrites_the_file_at_most_once_a_minute_and_keeps_the_rest_for_later(tmp_path, monkeypatch):
    # A server meets new names all day: each rewrite of the whole file costs ~0.1 s, not to be paid per request.
    path = tmp_path / "name-symbols.json"
    cache = SymbolCache(path)
    monkeypatch.setattr(symbols, "symbol_cache", lambda: cache)
    clock = [1000.0]
    monkeypatch.setattr(symbols.time, "monotonic", lambda: clock[0])
    symbols.learn_name_tokens(pa.array(["bill smith"]), {NameTypeTag.PER})
    assert set(json.loads(path.read_text())["PER"]) == {"bill", "smith"}
    clock[0] += 30
    symbols.learn_name_tokens(pa.array(["ivan petrov"]), {NameTypeTag.PER})
    assert "ivan" not in json.loads(path.read_text())["PER"]
    clock[0] += 31
    symbols.learn_name_tokens(pa.array(["olga"]), {NameTypeTag.PER})
    assert {"ivan", "petrov", "olga"} <= set(json.loads(path.read_text())["PER"])
    symbols.learn_name_tokens(pa.array(["kofi"]), {NameTypeTag.PER})
    cache.save()  # as the process exits
    assert "kofi" in json.loads(path.read_text())["PER"]
