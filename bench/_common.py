"""Helpers shared by the names and screening benchmarks."""

import resource
import sys
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from followthemoney import model
from nomenklatura.matching import LogicV2, ScoringConfig

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
UN_LIST = SHARED / "sanctions" / "un_consolidated_2017.xml"
NAME_CASES = SHARED / "names" / "name_bench_cases.csv"


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"missing benchmark data: {path}")
    return path


def logic_v2_scorer():
    """A function (schema, query name, result name) -> logic-v2 score."""
    config = ScoringConfig.defaults()
    counter = iter(range(1 << 62))

    def entity(schema: str, name: str):
        proxy = model.make_entity(schema)
        proxy.id = f"e{next(counter)}"
        proxy.add("name", name)
        return proxy

    def score(schema: str, query: str, result: str) -> float:
        return LogicV2.compare(entity(schema, query), entity(schema, result), config).score

    return score


def precision_recall_f1(predicted: Iterable[bool], actual: Iterable[bool]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for p, a in zip(predicted, actual, strict=True):
        tp += p and a
        fp += p and not a
        fn += a and not p
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def peak_memory_gb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


@contextmanager
def timed(label: str):
    start = time.perf_counter()
    yield
    print(f"  {label}: {time.perf_counter() - start:.2f} s", flush=True)
