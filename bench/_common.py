"""Helpers shared by the names and screening benchmarks."""

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
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


def peak_rss_bound_gb() -> float:
    """Peak resident memory of this process plus that of its largest finished child (Linux reports KiB).

    Forked workers share the parent's pages copy-on-write, so this counts shared pages
    twice: an upper bound, printed beside the sampled figure.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024 / 1024


class MemorySampler:
    """Peak proportional set size (PSS) of this process and all its descendants, sampled every 0.25 s.

    PSS divides each shared page among the processes that map it, so forked workers
    sharing an index copy-on-write are counted once in all, as the machine holds them.

        with MemorySampler() as memory:
            ...
        memory.peak_gb
    """

    # Reading smaps_rollup walks a process's page tables under its memory lock: sampling
    # much more often slows the measured processes' page faults (20 ms cost a third of a run).
    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.peak_gb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        total_kb = sum(_pss_kb(pid) for pid in _descendants(os.getpid()))
        self.peak_gb = max(self.peak_gb, total_kb / 1024 / 1024)


def _descendants(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text().split()
        except OSError:
            continue
        for child in children:
            found.extend(_descendants(int(child)))
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass  # the process ended between listing and reading
    return 0


@contextmanager
def timed(label: str):
    start = time.perf_counter()
    yield
    print(f"  {label}: {time.perf_counter() - start:.2f} s", flush=True)


def name_pools() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given names, family names (each with its spelling variants) from nexus.synth's cultures.

    Returns (given, family, variants_of) where `variants_of[i]` lists the Latin spellings
    of pool entry i joined by '|'. Family names are extended with surnames built from
    syllables so that a 100,000-entry list is not dominated by a few hundred names.
    """
    from nexus.synth.names import CULTURES

    def latin(part: str) -> str:
        return part.split("=")[0]

    given = sorted({latin(p) for c in CULTURES for p in (*c.male, *c.female)})
    family = sorted({latin(p) for c in CULTURES for p in c.family})
    rng = np.random.default_rng(7)
    syllables = np.array("ka ri mo na sel tor vin da lu ber han zo mi pe ras tan gul or an ev ik sa no el".split())
    picks = rng.integers(0, len(syllables), size=(40_000, 3))
    made = np.char.capitalize(np.char.add(np.char.add(syllables[picks[:, 0]], syllables[picks[:, 1]]), syllables[picks[:, 2]]))
    family_pool = np.unique(np.concatenate([np.array(family), made]))
    return np.array(given), family_pool, np.array(given + family)


def synthetic_names(rng: np.random.Generator, count: int, given: np.ndarray, family: np.ndarray) -> np.ndarray:
    """`count` person names: one or two given names and a family name, first spelling of each part."""
    first = np.char.partition(given[rng.integers(0, len(given), count)], "|")[:, 0]
    second = np.char.partition(given[rng.integers(0, len(given), count)], "|")[:, 0]
    last = np.char.partition(family[rng.integers(0, len(family), count)], "|")[:, 0]
    with_second = rng.random(count) < 0.3
    middle = np.where(with_second, np.char.add(second, " "), "")
    return np.char.add(np.char.add(np.char.add(first, " "), middle), last)


def variant_spelling(rng: np.random.Generator, names: np.ndarray, variants: np.ndarray) -> np.ndarray:
    """Each name with every part that has spelling variants replaced by a random variant."""
    table = {}
    for entry in variants.tolist():
        forms = entry.split("|")
        for form in forms:
            table[form] = forms
    out = []
    for name in names.tolist():
        parts = [rng.choice(table[p]) if p in table else p for p in name.split(" ")]
        out.append(" ".join(parts))
    return np.array(out)


def targets_met(figures: dict[str, float], targets: dict[str, float], lower_is_better: bool = False) -> bool:
    """Print each figure on the wrong side of its target (below it; above it when ``lower_is_better``);
    whether every target is met."""
    sign, word = (-1, ">") if lower_is_better else (1, "<")
    missed = [f"{name} {figures[name]:.3f} {word} {target}" for name, target in targets.items()
              if sign * figures[name] < sign * target]
    for miss in missed:
        print(f"target missed: {miss}")
    return not missed


def run_on_world(description: str, run):
    """Parse --size/--seed/--keep and call run(directory, size, seed) in the kept directory or a temporary one."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--size", default="small", choices=("small", "medium"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep the world and snapshot here and reuse them")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return run(args.keep, args.size, args.seed)
    with tempfile.TemporaryDirectory(prefix="er-world-") as tmp:
        return run(Path(tmp), args.size, args.seed)


@contextmanager
def database(postgres: str | None, folder: Path):
    """A fresh database for one run: a SQLite file in `folder`, or a schema of its own on the PostgreSQL server
    at `postgres` (dropped afterwards)."""
    if not postgres:
        yield f"sqlite:///{folder / 'nexus.db'}"
        return
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{postgres}{'&' if '?' in postgres else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
