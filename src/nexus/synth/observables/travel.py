"""The passenger-information unit's view: the world's trips as the carriers send them, API and PNR.

Each trip of the world is one booking of its travellers on one flight. Carriers push a PAXLST
message (API: names as in the passport, birth dates, nationality, passport numbers) and a PNRGOV
message (the booking: record locator, booking date, the booker's phone and payment card, the
travellers with their SSR DOCS, the flight) for it; `piu/api.edi` and `piu/pnr.edi` hold every
interchange, one after another, as a PIU's inbox would. Co-travel of planted bridges is a shared
booking, so the pair also shares the booker's phone and card. Travellers are identified the way
`nexus.sources.travel.entities` does it, from passport number and birth date, so the truth file
names the ids the store will hold.

Some tickets are bought by someone who does not fly (`_third_parties`): a fellow member of a terror-side
traveller's cell pays for part of the cell's trips, the red flag of tickets bought for third parties, and
now and then someone of the population pays for another's trip (a relative, an employer), which is no
flag at all. Both are in `truth/third_party_tickets.json`; they are drawn from their own stream, so every
other draw of the world stays what it was.
"""

import hashlib

import numpy as np
import orjson

from nexus.sources.travel.entities import booking_id, payer_id, paying_traveller, traveller_id
from nexus.sources.travel.records import Booking, Document, Leg, Manifest, Payment, Traveller
from nexus.sources.travel.write import write_paxlst, write_pnrgov
from nexus.synth.arrays import iso_dates
from nexus.synth.manifest import ManifestFile, SuggestedLabels
from nexus.synth.noise import Noise, render
from nexus.synth.observables import WorldOutput
from nexus.synth.world import FEMALE, NONE, TERROR, World

API_FILE = "piu/api.edi"
PNR_FILE = "piu/pnr.edi"
# names as in the passport's machine-readable zone: exact, full date of birth
NOISE = Noise(variant=0.0, typo=0.005, swapped=0.0, dob_missing=0.0, dob_year_only=0.0, nationality_missing=0.0)
CARD_VENDORS = ("VI", "CA", "AX")
LOCATOR_ALPHABET = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
LABELS = SuggestedLabels("RESTRICTED", releasable_to=("piu", "police", "intel"), legal_basis="PNR Directive art. 6")
THIRD_PARTY_TICKETS = "truth/third_party_tickets.json"
#: The stream of the tickets third parties bought (`_third_parties`), besides the world's seed.
THIRD_PARTY_STREAM = 0x7C3
#: Of the trips a terror-side traveller takes by card (no planted bridge's), the share a fellow member pays for;
#: of the other trips paid by card, the share someone of the population who does not fly pays for.
FINANCED_SHARE = 0.5
BENIGN_SHARE = 0.03


class PassengerTravel:
    name = "travel"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        (out.dir / API_FILE).parent.mkdir(parents=True, exist_ok=True)
        trips, travellers, people = world.trips, world.travellers, world.people
        rows = np.unique(travellers.person)
        shown = render(world, rng, rows, NOISE)
        birth, nationality = iso_dates(people.birth[rows]), shown.nationality
        person = {int(row): Traveller(
            surname=str(shown.last[i]).upper(), given=str(shown.first[i]).upper(), birth_date=str(birth[i]),
            gender="female" if people.gender[row] == FEMALE else "male", nationality=str(nationality[i]).upper() or None,
            documents=[Document("P", str(people.passport[row]), str(nationality[i]).upper() or None)],
        ) for i, row in enumerate(rows.tolist())}
        entity_ids = np.array([traveller_id(person[row], "") for row in rows.tolist()])
        for file in (API_FILE, PNR_FILE):  # every traveller is in both: API and PNR of each trip
            out.truth.add(file, "Person", entity_ids, world.person_ids(rows))

        order = np.argsort(travellers.trip, kind="stable")
        bounds = np.searchsorted(travellers.trip[order], np.arange(len(trips) + 1))
        on_trip = [sorted(set(travellers.person[order][s:e].tolist())) for s, e in zip(bounds[:-1], bounds[1:], strict=True)]
        departure_days = iso_dates(trips.date)
        hours = rng.integers(5, 23, len(trips))
        booked_ahead = np.where(rng.random(len(trips)) < 0.1, rng.integers(0, 3, len(trips)), rng.integers(3, 120, len(trips)))
        booked = iso_dates(trips.date - booked_ahead)
        cash = rng.random(len(trips)) < 0.08
        locators = ["".join(LOCATOR_ALPHABET[rng.integers(0, len(LOCATOR_ALPHABET), 6)]) for _ in range(len(trips))]
        bridge_trips = {link.facts[0] for link in world.links("co_travel")}
        bought = _third_parties(world, on_trip, cash, bridge_trips)
        payer_rows = np.array(sorted({row for row, _ in bought.values()} - set(person)), dtype=np.int64)
        shown_payers = render(world, np.random.default_rng([world.seed, THIRD_PARTY_STREAM, 1]), payer_rows, NOISE)
        billing = {row: person[row].full_name for row in person} | dict(zip(
            payer_rows.tolist(), np.strings.upper(shown_payers.name).tolist(), strict=True))
        api, pnr, booking_ids, payers, shown = [], [], [], {}, set()
        for trip, party in enumerate(on_trip):
            flight = str(trips.flight[trip])
            day = str(departure_days[trip])
            leg = Leg(flight[:2], flight[2:], str(trips.origin[trip]), str(trips.destination[trip]),
                      f"{day}T{hours[trip]:02d}:{(trip * 7) % 60:02d}")
            party_travellers = [person[row] for row in party]
            booker = party[0]
            payer = bought[trip][0] if trip in bought else booker
            payment = Payment("CA", amount=f"{rng.integers(90, 2400)}.00") if cash[trip] else _card(payer, billing[payer])
            booking = Booking(locators[trip], "1A", created=f"{booked[trip]}T{(hours[trip] + 3) % 24:02d}:00", legs=[leg],
                              travellers=party_travellers, payments=[payment], phones=[str(people.phone[booker])])
            if trip in bought and paying_traveller(payment, party_travellers) is None:  # a payer the PNR shows
                payers[payer_id(payment, booking)] = payer
                shown.add(trip)
            api.append(write_paxlst(Manifest(f"T{trip:07d}", [leg], party_travellers), sender=leg.carrier or "XX"))
            pnr.append(write_pnrgov(leg, [booking], f"P{trip:07d}", sender=leg.carrier or "XX"))
            booking_ids.append(booking_id(booking))
        (out.dir / API_FILE).write_text("".join(api))
        (out.dir / PNR_FILE).write_text("".join(pnr))
        (out.dir / THIRD_PARTY_TICKETS).parent.mkdir(parents=True, exist_ok=True)
        (out.dir / THIRD_PARTY_TICKETS).write_bytes(orjson.dumps([
            {"booking": booking_ids[trip], "locator": locators[trip], "payer": str(world.person_ids(np.array([payer]))[0]),
             "travellers": world.person_ids(np.array(on_trip[trip])).tolist(), "financing": financing,
             "shown": trip in shown}  # false when the billing name is a traveller's too: no one can tell
            for trip, (payer, financing) in sorted(bought.items())], option=orjson.OPT_INDENT_2))
        out.truth.add(PNR_FILE, "Person", np.array(list(payers)), world.person_ids(np.array(list(payers.values()), dtype=np.int64)))
        by_row = dict(zip(rows.tolist(), entity_ids.tolist(), strict=True))
        for link in world.links("co_travel"):
            link.evidence = (PNR_FILE, [by_row[link.a], booking_ids[link.facts[0]], by_row[link.b]])
        counts = {"records": len(trips), "Person": len(rows), "Trip": len(trips)}
        return [
            ManifestFile(API_FILE, "paxlst", "piu", "piu_api", "PIU: carriers' API messages (PAXLST), one per flight",
                         LABELS, counts),
            ManifestFile(PNR_FILE, "pnrgov", "piu", "piu_pnr", "PIU: carriers' PNR pushes (PNRGOV), one booking per trip",
                         LABELS, counts | {"Person": len(rows) + len(payers), "BankAccount": int((~cash).sum())}),
        ]


def _card(person: int, holder: str | None) -> Payment:
    """A person's own payment card, masked as carriers send it, with the holder's name."""
    digest = int.from_bytes(hashlib.sha256(f"card:{person}".encode()).digest()[:8], "big")
    return Payment("CC", CARD_VENDORS[digest % len(CARD_VENDORS)], f"XXXXXXXXXXXX{digest // 3 % 10_000:04d}",
                   f"{1 + digest // 30_000 % 12:02d}{28 + digest // 360_000 % 5}", payer=holder)


def _third_parties(world: World, on_trip: list[list[int]], cash: np.ndarray, bridge_trips: set[int]) -> dict[int, tuple[int, bool]]:
    """Trip → (who paid for it without flying, whether that finances a terror cell's travel)."""
    rng = np.random.default_rng([world.seed, THIRD_PARTY_STREAM])
    people, members = world.people, world.memberships
    cell_of = dict(zip(members.person.tolist(), members.group.tolist(), strict=True))
    cells: dict[int, list[int]] = {}
    for member, cell in cell_of.items():
        cells.setdefault(cell, []).append(member)
    population = np.flatnonzero(people.side == NONE)
    bought = {}
    for trip, party in enumerate(on_trip):
        if cash[trip] or trip in bridge_trips or not party:
            continue
        flying = set(party)
        terror = [row for row in party if people.side[row] == TERROR and row in cell_of]
        if terror and rng.random() < FINANCED_SHARE:
            fellows = [row for row in cells[cell_of[terror[0]]] if row not in flying]
            if fellows:
                bought[trip] = (int(rng.choice(fellows)), True)
        elif not terror and rng.random() < BENIGN_SHARE:
            payer = int(rng.choice(population))
            if payer not in flying:
                bought[trip] = (payer, False)
    return bought
