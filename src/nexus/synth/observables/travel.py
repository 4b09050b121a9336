"""The passenger-information unit's view: the world's trips as the carriers send them, API and PNR.

Each trip of the world is one booking of its travellers on one flight. Carriers push a PAXLST
message (API: names as in the passport, birth dates, nationality, passport numbers) and a PNRGOV
message (the booking: record locator, booking date, the booker's phone and payment card, the
travellers with their SSR DOCS, the flight) for it; `piu/api.edi` and `piu/pnr.edi` hold every
interchange, one after another, as a PIU's inbox would. Co-travel of planted bridges is a shared
booking, so the pair also shares the booker's phone and card. Travellers are identified the way
`nexus.sources.travel.entities` does it, from passport number and birth date, so the truth file
names the ids the store will hold.
"""

import hashlib

import numpy as np

from nexus.sources.travel.entities import booking_id, traveller_id
from nexus.sources.travel.records import Booking, Document, Leg, Manifest, Payment, Traveller
from nexus.sources.travel.write import write_paxlst, write_pnrgov
from nexus.synth.arrays import iso_dates
from nexus.synth.manifest import ManifestFile, SuggestedLabels
from nexus.synth.noise import Noise, render
from nexus.synth.observables import WorldOutput
from nexus.synth.world import FEMALE, World

API_FILE = "piu/api.edi"
PNR_FILE = "piu/pnr.edi"
# names as in the passport's machine-readable zone: exact, full date of birth
NOISE = Noise(variant=0.0, typo=0.005, swapped=0.0, dob_missing=0.0, dob_year_only=0.0, nationality_missing=0.0)
CARD_VENDORS = ("VI", "CA", "AX")
LOCATOR_ALPHABET = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
LABELS = SuggestedLabels("RESTRICTED", releasable_to=("piu", "police", "intel"), legal_basis="PNR Directive art. 6")


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
        api, pnr, booking_ids = [], [], []
        for trip, party in enumerate(on_trip):
            flight = str(trips.flight[trip])
            day = str(departure_days[trip])
            leg = Leg(flight[:2], flight[2:], str(trips.origin[trip]), str(trips.destination[trip]),
                      f"{day}T{hours[trip]:02d}:{(trip * 7) % 60:02d}")
            party_travellers = [person[row] for row in party]
            booker = party[0]
            payment = Payment("CA", amount=f"{rng.integers(90, 2400)}.00") if cash[trip] else _card(
                booker, person[booker].full_name)
            booking = Booking(locators[trip], "1A", created=f"{booked[trip]}T{(hours[trip] + 3) % 24:02d}:00", legs=[leg],
                              travellers=party_travellers, payments=[payment], phones=[str(people.phone[booker])])
            api.append(write_paxlst(Manifest(f"T{trip:07d}", [leg], party_travellers), sender=leg.carrier or "XX"))
            pnr.append(write_pnrgov(leg, [booking], f"P{trip:07d}", sender=leg.carrier or "XX"))
            booking_ids.append(booking_id(booking))
        (out.dir / API_FILE).write_text("".join(api))
        (out.dir / PNR_FILE).write_text("".join(pnr))
        by_row = dict(zip(rows.tolist(), entity_ids.tolist(), strict=True))
        for link in world.links("co_travel"):
            link.evidence = (PNR_FILE, [by_row[link.a], booking_ids[link.facts[0]], by_row[link.b]])
        counts = {"records": len(trips), "Person": len(rows), "Trip": len(trips)}
        return [
            ManifestFile(API_FILE, "paxlst", "piu", "piu_api", "PIU: carriers' API messages (PAXLST), one per flight",
                         LABELS, counts),
            ManifestFile(PNR_FILE, "pnrgov", "piu", "piu_pnr", "PIU: carriers' PNR pushes (PNRGOV), one booking per trip",
                         LABELS, counts | {"BankAccount": int((~cash).sum())}),
        ]


def _card(person: int, holder: str | None) -> Payment:
    """A person's own payment card, masked as carriers send it, with the holder's name."""
    digest = int.from_bytes(hashlib.sha256(f"card:{person}".encode()).digest()[:8], "big")
    return Payment("CC", CARD_VENDORS[digest % len(CARD_VENDORS)], f"XXXXXXXXXXXX{digest // 3 % 10_000:04d}",
                   f"{1 + digest // 30_000 % 12:02d}{28 + digest // 360_000 % 5}", payer=holder)
