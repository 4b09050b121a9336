"""PIU intake: a carrier's 300-passenger PAXLST handed to the service → parsed, stored, screened against
the UN list, hits raised as alerts; and PNRGOV pushes of 100 bookings. Baseline in the same run:
parse only (the readers, no store, no screening).

Flights (default 100) of 300 passengers each, names drawn from a pool of common given names and
surnames, 1 % of passengers the UN list's own people (so every flight raises alerts); each message
is received once (`service.travel.receive_message`, SQLite store, the screening index warm as a
running service keeps it). Reports p50/p99 per flight against the 200 ms target, and messages/s,
passengers/s, beside parse-only.

    .venv/bin/python bench/travel_ingest.py [--flights 100] [--passengers 300] [--postgres URL]

With --postgres (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) the store is a fresh schema
on that server, as a multi-user PIU deployment runs it; by default a SQLite file (the laptop).
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import UN_LIST, database, require, targets_met

from nexus.model import Classification
from nexus.security.viewer import Viewer
from nexus.service.ingest import LabelChanges, ingest_file
from nexus.service.screening import IndexCache
from nexus.service.travel import receive_message
from nexus.sources.travel import parse_message
from nexus.sources.travel.records import Booking, Document, Leg, Manifest, Payment, Traveller
from nexus.sources.travel.write import write_paxlst, write_pnrgov
from nexus.store import Store

TARGETS = {"p99_ms": 200.0}
GIVEN = ("JAMES", "MARIA", "AHMED", "FATIMA", "WEI", "OLGA", "JUAN", "AMINA", "LUCA", "SOFIA", "IVAN", "LEILA",
         "PETER", "NADIA", "KOFI", "YUKI", "OMAR", "ELENA", "SAMUEL", "HANA")
SURNAMES = ("SMITH", "GARCIA", "KHAN", "NGUYEN", "IVANOVA", "ROSSI", "MUELLER", "OKAFOR", "SILVA", "HASSAN",
            "TANAKA", "NOWAK", "DUBOIS", "COHEN", "MENSAH", "LARSEN", "PETROV", "YILMAZ", "HADDAD", "BROWN")
#: People on the UN list (given, surname), travelling without a birth date in the message.
LISTED = (("ABDUL SATAR ABDUL", "MANAN"), ("ALY SOLIMAN MASSOUD ABDUL", "SAYED"), ("AHMAD TAHA KHALID ABDUL", "QADIR"))


def travellers(rng: np.random.Generator, count: int, listed_share: float = 0.01) -> list[Traveller]:
    people = []
    for i in range(count):
        listed = rng.random() < listed_share
        given, surname = (LISTED[i % len(LISTED)] if listed
                          else (GIVEN[rng.integers(len(GIVEN))], SURNAMES[rng.integers(len(SURNAMES))]))
        born = None if listed else f"{rng.integers(1950, 2005)}-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}"
        people.append(Traveller(surname, given, birth_date=born, nationality="GBR", gender="male",
                                documents=[Document("P", f"X{rng.integers(10**7, 10**8)}", "GBR", "2031-01-01")]))
    return people


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flights", type=int, default=100)
    parser.add_argument("--passengers", type=int, default=300)
    parser.add_argument("--postgres", help="a PostgreSQL URL: run on a fresh schema there instead of SQLite")
    args = parser.parse_args()
    rng = np.random.default_rng(11)
    messages = []
    for n in range(args.flights):
        leg = Leg("NX", str(100 + n), "IST", "LHR", f"2025-04-{1 + n % 28:02d}T10:00", f"2025-04-{1 + n % 28:02d}T13:00")
        messages.append(write_paxlst(Manifest(f"F{n:05d}", [leg], travellers(rng, args.passengers))).encode())
    pnrs = []
    for n in range(args.flights):
        leg = Leg("NX", str(100 + n), "IST", "LHR", f"2025-05-{1 + n % 28:02d}T10:00", f"2025-05-{1 + n % 28:02d}T13:00")
        bookings = [Booking(f"B{n:03d}{b:03d}", "1A", created="2025-04-20T09:00", legs=[leg], travellers=travellers(rng, 3),
                            payments=[Payment("CC", "VI", f"XXXXXXXXXXXX{rng.integers(1000, 9999)}", "1230")],
                            phones=[f"+4420{rng.integers(10**7, 10**8)}"]) for b in range(100)]
        pnrs.append(write_pnrgov(leg, bookings, f"P{n:05d}").encode())

    started = time.perf_counter()
    for message in messages:
        parse_message(message, "paxlst")
    parse_api = time.perf_counter() - started
    started = time.perf_counter()
    for message in pnrs:
        parse_message(message, "pnrgov")
    parse_pnr = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp, database(args.postgres, Path(tmp)) as url:
        store = Store.open(url=url)
        piu = Viewer("bench", "PIU", frozenset({"targeter", "analyst"}), Classification.SECRET)
        admin = Viewer("bench.admin", "LOCAL", frozenset({"administrator"}), Classification.SECRET)  # loads in UNSC's name
        ingest_file(store, admin, "un-sc", require(UN_LIST), "un-sc", LabelChanges(agency="UNSC", classification="UNCLASSIFIED"))
        cache = IndexCache(ttl=3600)
        cache.get(store, piu)  # warm, as a running service keeps it
        latencies, alerts = [], 0
        for n, message in enumerate(messages):
            intake = receive_message(store, piu, message, f"api-{n}.edi", "paxlst", "api", index_cache=cache)
            latencies.append(intake.seconds * 1000)
            alerts += len(intake.screening_alerts)
        pnr_started = time.perf_counter()
        pnr_travellers = 0
        for n, message in enumerate(pnrs):
            intake = receive_message(store, piu, message, f"pnr-{n}.edi", "pnrgov", "pnr", index_cache=cache)
            pnr_travellers += intake.travellers
        pnr_seconds = time.perf_counter() - pnr_started
        store.close()

    p50, p99 = np.percentile(latencies, [50, 99])
    passengers = args.flights * args.passengers
    total_api = sum(latencies) / 1000
    slowest = sorted(range(len(latencies)), key=lambda i: -latencies[i])[:5]
    print(f"store: {'PostgreSQL' if args.postgres else 'SQLite'}; slowest flights: "
          + ", ".join(f"#{i} {latencies[i]:.0f} ms" for i in slowest))
    print(f"PAXLST {args.flights} flights x {args.passengers} passengers: received (parsed, stored, screened, "
          f"alerts raised) p50 {p50:.0f} ms, p99 {p99:.0f} ms per flight; {alerts:,} screening alerts")
    print(f"  throughput: {args.flights / total_api:.1f} messages/s, {passengers / total_api:,.0f} passengers/s; "
          f"parse only (baseline, same run): {args.flights / parse_api:.1f} messages/s, {passengers / parse_api:,.0f} "
          f"passengers/s; full intake / parse only = {total_api / parse_api:.1f}x the time")
    print(f"PNRGOV {len(pnrs)} messages of 100 bookings: {pnr_travellers / pnr_seconds:,.0f} travellers/s received; "
          f"parse only {len(pnrs) * 300 / parse_pnr:,.0f} travellers/s ({pnr_seconds / parse_pnr:.1f}x the time)")
    print("all targets met" if targets_met({"p99_ms": p99}, TARGETS, lower_is_better=True) else "")


if __name__ == "__main__":
    main()
