"""Whatever an engine raises reaches the caller as one EngineError line, with a hint for memory."""

import pytest

from nexus.engine import EngineError
from nexus.engine.errors import describe, engine_failures
from nexus.engine.resources import memory_mb
from nexus.errors import InvalidInput


def test_a_jvm_out_of_memory_becomes_a_hint_to_give_the_engine_memory():
    jvm = RuntimeError("An error occurred while calling o1234.parquet.\n: java.lang.OutOfMemoryError: Java heap space\n"
                       "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)")
    assert describe(jvm, "spark") == "spark ran out of memory: set NEXUS_ENGINE_MEMORY (e.g. 8g) or free memory on this machine"


def test_other_failures_keep_the_first_line_of_the_engine_message():
    assert describe(ValueError("\n  Binder Error: column x not found\nLINE 1: ..."), "duckdb") == (
        "duckdb failed: Binder Error: column x not found")


def test_python_running_out_of_memory_in_an_engine_call_is_an_engine_error():
    with pytest.raises(EngineError, match="duckdb ran out of memory"), engine_failures("duckdb"):
        raise MemoryError


def test_engine_memory_comes_from_the_environment_or_the_machine(monkeypatch):
    monkeypatch.setenv("NEXUS_ENGINE_MEMORY", "6g")
    assert memory_mb() == 6 * 1024
    monkeypatch.setenv("NEXUS_ENGINE_MEMORY", "512MB")
    assert memory_mb() == 512
    monkeypatch.setenv("NEXUS_ENGINE_MEMORY", "lots")
    with pytest.raises(InvalidInput, match="NEXUS_ENGINE_MEMORY"):
        memory_mb()
    monkeypatch.delenv("NEXUS_ENGINE_MEMORY")
    assert memory_mb() >= 1024


def test_a_nul_in_a_bound_value_is_refused_before_it_can_cut_the_query_short():
    from sqlglot import exp

    from nexus.engine.queries import bind

    query = exp.select("*").from_("t").where(exp.column("x").eq(exp.Placeholder(this="v")))
    assert "'it''s'" in bind(query, v="it's").sql(dialect="duckdb")
    with pytest.raises(InvalidInput, match="NUL"):
        bind(query, v="a\x00b")
    with pytest.raises(InvalidInput, match="NUL"):
        bind(query, v=("ok", "a\x00b"))
