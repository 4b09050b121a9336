"""A generic fuzzing harness for every source format.

A *target* is a source format (by its name in ``nexus.sources.FORMATS``) plus a corpus
directory ``fuzz/corpus/<name>/``: the files there are the seeds the mutator starts
from and the regression cases every run replays first. A new parser (goAML, PAXLST,
PNRGOV …) plugs in by name: add its seeds to ``fuzz/corpus/<name>/`` and, if it needs a
file suffix, extra options or a token dictionary, an entry in ``TARGETS``.

Allowed outcomes for any input: the format refuses the file (``SourceError``) or yields
records that each carry entities or one ``RecordError``. Anything else — another
exception, a broken record contract, or an input taking longer than ``MAX_SECONDS`` —
is a failure.
"""

import hashlib
import signal
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from nexus.sources import FORMATS, Record, RecordError, SourceError, get_format

CORPUS = Path(__file__).resolve().parent / "corpus"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
MAX_SECONDS = 5  # CPU seconds per input; the wall-clock limit is WALL_FACTOR times that
WALL_FACTOR = 12  # generous, so a loaded machine does not pass for a hang, yet a blocked read is caught
OPTION_FILE_PREFIX = "_"  # corpus files named _* are options (e.g. a mapping), not inputs
REFUSE_PREFIX = "refuse-"  # hostile regression inputs the format must refuse outright (not seeds)
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None  # inputs are written to memory, not disk

COMMON_TOKENS = [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r\n", b"\n", b"\\", b"\"", b"'", b"-1", b"9" * 40,
                 b"\xe2\x80\xae", "Ωμέγα".encode(), b"\xc3", b"NaN", b" " * 64]
XML_TOKENS = [b"<!DOCTYPE x [", b"<!ENTITY e SYSTEM \"file:///etc/passwd\">", b"<!ENTITY e \"&e;&e;\">", b"]>",
              b"&e;", b"&amp;", b"&#0;", b"&#x110000;", b"<![CDATA[", b"]]>", b"<?xml version=\"1.0\"?>",
              b"<?pi x?>", b"<!--", b"-->", b"</", b"/>", b"<INDIVIDUAL>", b"</INDIVIDUAL>", b"<ENTITY>",
              b"<DATE>", b"<YEAR>", b"xmlns:x=\"urn:x\"", b"<a>" * 80]
JSON_TOKENS = [b"{", b"}", b"[", b"]", b"null", b"true", b"1e999", b"\"id\":", b"\"schema\":\"Thing\"",
               b"\"properties\":{\"name\":[1]}", b"\"\\ud800\"", b"[" * 100, b",", b":"]
# Plain values (no markup or quoting) written into fields: they keep a file well-formed, so
# the parser's field handling is reached rather than its tokenizer refusing the file.
FIELD_VALUES = [b"", b"1970-13-45", b"31 Nov. 2016", b"0000-00-00", b"between 1960 and 1962", b"9" * 40, b"-1",
                "Ωμέγα Ελληνικά".encode(), "\u202eevil".encode(), "محمد".encode(), b"a.k.a. X; Y; Z",
                b"Syrian Arab Republic", b"xx", b"   ", b"Passport", b"EXACT", b"BETWEEN", b"1964"]
EDIFACT_TOKENS = (b"'", b"+", b":", b"?", b"?'", b"UNA:+.? '", b"UNA:*.? $", b"UNB+UNOA:4+", b"UNB+IATA:1+",
                  b"UNG+", b"UNH+1+", b"UNT+", b"UNE+", b"UNZ+1+", b"\xe2\x80\x99", b"\r\n", b"99999999999999999")
CSV_TOKENS = [b",", b"\"", b"\"\"", b";", b"\t", b"=cmd|' /C calc'!A0", b"\r", b"\n\n", b",,,,,,", b"1970-13-45"]


@dataclass(frozen=True)
class Target:
    name: str  # the format's name in nexus.sources.FORMATS
    suffix: str = ".dat"
    options: dict[str, str] = field(default_factory=dict)  # option -> corpus file name
    tokens: tuple[bytes, ...] = ()
    field_starts: bytes = b""  # bytes after which a field's value begins (">" in XML)
    shared_options: dict[str, str] = field(default_factory=dict)  # option -> file under ../shared/data

    @property
    def corpus(self) -> Path:
        return CORPUS / self.name

    def inputs(self) -> list[Path]:
        return sorted(p for p in self.corpus.glob("*") if p.is_file() and not p.name.startswith(OPTION_FILE_PREFIX))

    def seeds(self) -> list[Path]:
        return [p for p in self.inputs() if not p.name.startswith(REFUSE_PREFIX)]

    def read_options(self) -> dict[str, Path]:
        shared = {option: SHARED / filename for option, filename in self.shared_options.items()}
        for option, path in shared.items():
            if not path.is_file():
                raise FileNotFoundError(f"the {self.name} target reads its {option} from {path}: put ../shared beside the checkout")
        return {option: self.corpus / filename for option, filename in self.options.items()} | shared


TARGETS = {
    "ftm": Target("ftm", ".json", tokens=tuple(JSON_TOKENS), field_starts=b'"'),
    "un-sc": Target("un-sc", ".xml", tokens=tuple(XML_TOKENS), field_starts=b">"),
    "csv": Target("csv", ".csv", {"mapping": "_mapping.yml"}, tuple(CSV_TOKENS), field_starts=b",\n"),
    # goAML reports against the real 5.0.2 XSD (an FIU's profile): most mutants are rejected by it, the
    # rest reach the mapping.
    "goaml": Target("goaml", ".xml", shared_options={"schema": "goaml/goAMLSchema-5.0.2.xsd"},
                    tokens=tuple(XML_TOKENS) + (b"<transaction>", b"</transaction>", b"<amount_local>", b"<from_account>",
                                                b"<t_entity>", b"<signatory>", b"T00:00:00"), field_starts=b">"),
    # Carriers' EDIFACT: service characters, segment tags and the composite separators most mutants break
    "paxlst": Target("paxlst", ".edi", tokens=EDIFACT_TOKENS + (b"NAD+FL+++", b"DOC+P:110:111+", b"DTM+329:",
                                                                b"TDT+20+", b"CNT+42:"), field_starts=b"+:"),
    "pnrgov": Target("pnrgov", ".edi", tokens=EDIFACT_TOKENS + (b"SRC'", b"TIF+", b"SSR+DOCS:HK:1:YY:::::/P/",
                                                                b"FOP+CC::", b"TVL+", b"IFT+4:28+CTCE "),
                     field_starts=b"+:/"),
}


def target(name: str) -> Target:
    if name in TARGETS:
        return TARGETS[name]
    if name in FORMATS:
        return Target(name)
    raise KeyError(f"no fuzz target or format {name!r} (known: {', '.join(sorted(set(TARGETS) | set(FORMATS)))})")


class Hang(Exception):
    pass


def _alarm(signum, _frame):
    kind = "CPU" if signum == signal.SIGPROF else "wall-clock"
    raise Hang(f"an input took longer than its {kind} time limit")


def check_records(records: list) -> str:
    """The record contract: positions 0, 1, 2 …; errors are RecordErrors naming a place."""
    outcome = "records"
    for expected, record in enumerate(records):
        assert isinstance(record, Record), f"yielded {type(record).__name__}, not a Record"
        assert record.position == expected, f"record {expected} has position {record.position}"
        if record.error is not None:
            assert isinstance(record.error, RecordError), "error is not a RecordError"
            assert record.error.location, "a record error names no location"
            outcome = "record errors"
        for entity in record.entities:
            assert entity.id, "an entity without an id"
    return outcome


def exercise(t: Target, data: bytes, workdir: Path, limit: float = MAX_SECONDS) -> str:
    """Feed one input to the format; returns its outcome or raises on a failure."""
    path = workdir / f"input{t.suffix}"
    path.write_bytes(data)
    fmt = get_format(t.name)
    previous = {sig: signal.signal(sig, _alarm) for sig in (signal.SIGALRM, signal.SIGPROF)}
    signal.setitimer(signal.ITIMER_PROF, limit)
    signal.setitimer(signal.ITIMER_REAL, limit * WALL_FACTOR)
    try:
        records = list(fmt.read(path, **t.read_options()))
    except SourceError:
        return "refused"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return check_records(records)


@st.composite
def mutated(draw, seeds: list[bytes], tokens: list[bytes], field_starts: bytes) -> bytes:
    """A seed (or random bytes) put through a few byte- and token-level mutations."""
    data = bytearray(draw(st.one_of(st.sampled_from(seeds), st.sampled_from(seeds), st.binary(max_size=256))))
    ops = ("field",) * 8 + ("flip", "token", "bytes", "delete", "repeat", "splice")
    for op in draw(st.lists(st.sampled_from(ops), min_size=1, max_size=4)):
        pos = draw(st.integers(0, len(data)))
        end = draw(st.integers(pos, min(len(data), pos + 64)))
        if op == "field":
            starts = [i + 1 for i, byte in enumerate(data) if byte in field_starts]
            at = draw(st.sampled_from(starts)) if starts else pos
            data[at:at] = draw(st.sampled_from(FIELD_VALUES))
        elif op == "flip" and data:
            data[min(pos, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(tokens))
        elif op == "bytes":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos:end]
        elif op == "repeat":
            data[pos:pos] = data[pos:end] * draw(st.integers(1, 16))
        elif op == "splice":
            other = draw(st.sampled_from(seeds))
            data[pos:] = other[draw(st.integers(0, len(other))):]
    return bytes(data)


@dataclass
class FuzzReport:
    parser: str
    outcomes: Counter
    failure: str | None = None
    saved: Path | None = None

    @property
    def inputs(self) -> int:
        return sum(self.outcomes.values())


def replay_corpus(t: Target, workdir: Path) -> Counter:
    """Every corpus file must still have an allowed outcome (the regression suite).

    Libraries load reference data lazily (country names, schemata) on first use, so
    the first input is given time to warm them up before the per-input limit applies."""
    exercise(t, t.seeds()[0].read_bytes(), workdir, limit=60 * MAX_SECONDS)
    outcomes = Counter()
    for path in t.inputs():
        outcome = exercise(t, path.read_bytes(), workdir)
        if path.name.startswith(REFUSE_PREFIX) and outcome != "refused":
            raise AssertionError(f"{path} was not refused ({outcome})")
        outcomes[outcome] += 1
    return outcomes


def fuzz(name: str, runs: int, start_seed: int = 0, chunk: int = 2_000,
         progress: Callable[[FuzzReport], None] | None = None) -> FuzzReport:
    """Replay the corpus, then run ``runs`` generated inputs; stops at the first failure
    and saves the (shrunk) failing input into the corpus."""
    t = target(name)
    seeds = [p.read_bytes() for p in t.seeds()]
    if not seeds:
        raise ValueError(f"{t.corpus} has no seed files")
    report = FuzzReport(name, Counter())
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-", dir=SCRATCH) as tmp:
        workdir = Path(tmp)
        report.outcomes.update(replay_corpus(t, workdir))
        failing: list[bytes] = []

        def one(data: bytes) -> None:
            try:
                report.outcomes[exercise(t, data, workdir)] += 1
            except BaseException:
                failing.append(data)
                raise

        done = 0
        while done < runs:
            n = min(chunk, runs - done)
            check = settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate, Phase.shrink],
                             suppress_health_check=list(HealthCheck), print_blob=False)(
                given(mutated(seeds, [*t.tokens, *COMMON_TOKENS], t.field_starts))(one))
            try:
                seed(start_seed + done)(check)()
            except Exception as exc:
                causes = getattr(exc, "exceptions", ())
                report.failure = f"{type(exc).__name__}: {exc}" + "".join(f"\n  caused by {c!r}" for c in causes)
                report.saved = save_failure(t, failing[-1])
                return report
            done += n
            if progress:
                progress(report)
    return report


def save_failure(t: Target, data: bytes) -> Path:
    path = t.corpus / f"crash-{hashlib.sha256(data).hexdigest()[:12]}{t.suffix}"
    path.write_bytes(data)
    return path
