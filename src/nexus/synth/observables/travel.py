"""The passenger-information unit's view: flights and who travelled on them together."""

import numpy as np

from nexus.synth.arrays import ids, iso_dates, join
from nexus.synth.manifest import FTM, ManifestFile, SuggestedLabels
from nexus.synth.noise import Noise
from nexus.synth.observables import WorldOutput
from nexus.synth.observables.people import person_records, write_people
from nexus.synth.output import FtMWriter
from nexus.synth.world import World

FILE = "piu/trips.ftm.json"
# names as in the passport's machine-readable zone: exact, full date of birth
NOISE = Noise(variant=0.0, typo=0.005, swapped=0.0, dob_missing=0.0, dob_year_only=0.0, nationality_missing=0.0)


class PassengerTravel:
    name = "travel"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        (out.dir / FILE).parent.mkdir(parents=True, exist_ok=True)
        trips, travellers, people = world.trips, world.travellers, world.people
        records, shown = person_records(world, rng, out, FILE, "PIU-P", travellers.person, NOISE)
        order = np.argsort(travellers.trip, kind="stable")
        bounds = np.searchsorted(travellers.trip[order], np.arange(len(trips) + 1))
        passengers = records.of(travellers.person[order]).tolist()
        involved = [sorted(set(passengers[s:e])) for s, e in zip(bounds[:-1], bounds[1:], strict=True)]
        trip_ids = ids("PIU-T", np.arange(len(trips)))
        dates = iso_dates(trips.date)

        writer = FtMWriter(out.dir / FILE)
        write_people(writer, world, records, shown, passportNumber=people.passport[records.rows])
        writer.write("Trip", trip_ids, name=join(trips.flight, " ", trips.origin, "-", trips.destination, " ", dates),
                     startDate=dates, endDate=dates, startLocation=trips.origin, endLocation=trips.destination,
                     involved=involved)
        for link in world.links("co_travel"):
            link.evidence = (FILE, [records.id_of(link.a), str(trip_ids[link.facts[0]]), records.id_of(link.b)])
        return [ManifestFile(FILE, FTM, "piu", "piu_trips", "PIU: flights and their passengers (API data)",
                             SuggestedLabels("RESTRICTED", releasable_to=("piu", "police", "intel"),
                                             legal_basis="PNR Directive art. 6"), writer.close())]
