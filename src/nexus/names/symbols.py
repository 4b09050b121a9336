"""Rigour's reference-data symbols for single name tokens, remembered on disk.

Rigour tags names with an Aho-Corasick automaton over its whole person-name table
(Wikidata given names and nicknames). Building that automaton is what makes the first
person-name call slow: 10–40 s of CPU, profiled as `aho_corasick::nfa::Compiler`
(trie build and failure transitions), paid again by every process. Name analysis only
ever asks about one token at a time, so the answers are remembered per
(name type, token) in a JSON file (plain data, no code) under the cache directory, one
file per rigour version. A process whose tokens are all known never builds the
automaton; an unknown token builds it once, lazily, and its answer is added to the file
at most once a minute (rewriting the whole file costs ~0.1 s, which a server's request
meeting a new name should not pay each time) and when the process exits. A server builds it as it starts (`warm_tagger`), so that no request
pays for it.

The cache directory is $NEXUS_CACHE_DIR, else $XDG_CACHE_HOME/nexus, else ~/.cache/nexus.
"""

import atexit
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from rigour.names import NameTypeTag, analyze_names
from rigour.names import SymbolCategory as SC

from nexus.names.tokens import split_tokens

_CATEGORIES = frozenset({SC.NAME, SC.NICK, SC.ORG_CLASS, SC.SYMBOL, SC.DOMAIN, SC.NUMERIC})
_EMPTY: frozenset[str] = frozenset()
SAVE_EVERY = 60.0  # seconds between rewrites of the file by one process (and once more as it exits)


def cache_dir() -> Path:
    configured = os.environ.get("NEXUS_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nexus"


def _tag_token(tag: NameTypeTag, token: str) -> frozenset[str]:
    symbols: set[str] = set()
    for name in analyze_names(tag, [token], infer_initials=False, phonetics=False, rewrite=False):
        symbols.update(str(span.symbol) for span in name.spans if span.symbol.category in _CATEGORIES)
    return frozenset(symbols) if symbols else _EMPTY


class SymbolCache:
    """(rigour name type, token) → symbols, loaded from and saved to one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._known: dict[str, dict[str, frozenset[str]]] = {}
        self._added: dict[str, dict[str, frozenset[str]]] = {}
        self._saved = -SAVE_EVERY  # monotonic time of the last rewrite: the first one is due at once
        self._known.update(self._read())

    def _read(self) -> dict[str, dict[str, frozenset[str]]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # absent or damaged: rebuilt from the tagger as tokens come
        if not isinstance(data, dict):
            return {}
        return {
            tag: {token: frozenset(symbols) if symbols else _EMPTY for token, symbols in entries.items()}
            for tag, entries in data.items()
            if isinstance(entries, dict)
        }

    def symbols(self, token: str, tag: NameTypeTag) -> frozenset[str]:
        known = self._known.setdefault(tag.value, {})
        found = known.get(token)
        if found is None:
            with _TAGGER:  # one thread builds the automaton; the others wait for it rather than build their own
                found = known[token] = _tag_token(tag, token)
            with _SAVING:
                self._added.setdefault(tag.value, {})[token] = found
        return found

    def save(self, unless_within: float = 0.0) -> None:
        """Merge what this process learnt into the file (atomically: concurrent writers lose nothing of their own);
        not if it did so less than `unless_within` seconds ago."""
        with _SAVING:  # request threads add tokens meanwhile: what this save takes is taken out under the lock
            if not self._added or time.monotonic() - self._saved < unless_within:
                return
            taking, self._added = self._added, {}
            self._saved = time.monotonic()
        merged = self._read()
        for tag, entries in taking.items():
            merged.setdefault(tag, {}).update(entries)
        payload = {tag: {t: sorted(s) for t, s in entries.items()} for tag, entries in merged.items()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            return  # a read-only or full disk only costs the next process the tagger build


_cache: SymbolCache | None = None
_TAGGER = threading.Lock()
_SAVING = threading.Lock()


def warm_tagger() -> None:
    """Build rigour's automaton now (a server's start-up), not on the first request that meets a new token."""
    with _TAGGER:
        _tag_token(NameTypeTag.PER, "nexus")


def symbol_cache() -> SymbolCache:
    global _cache
    if _cache is None:
        _cache = SymbolCache(cache_dir() / f"name-symbols-rigour-{version('rigour')}.json")
        atexit.register(_cache.save)
    return _cache


def learn_name_tokens(names: pa.Array, tags: Iterable[NameTypeTag]) -> None:
    """Look up every distinct token of a column of names at once, before a batch forks its workers.

    If any token is unknown the tagger is built here, once, and forked workers inherit
    it instead of each building their own; what is learnt goes to the cache file (`SAVE_EVERY`).
    """
    tokens = pc.unique(pc.list_flatten(split_tokens(pc.utf8_lower(names.drop_null()))))
    cache = symbol_cache()
    for tag in tags:
        for token in tokens.to_pylist():
            if token:
                cache.symbols(token, tag)
    cache.save(unless_within=SAVE_EVERY)


def token_symbols(token: str, tag: NameTypeTag) -> frozenset[str]:
    """Rigour's name, nickname, legal-form, number and domain symbols for one token."""
    return symbol_cache().symbols(token, tag)
