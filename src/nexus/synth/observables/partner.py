"""A foreign partner service's records: names in their own script, passports; releasable to few."""

import numpy as np

from nexus.synth.arrays import ids
from nexus.synth.manifest import FTM, ManifestFile, SuggestedLabels
from nexus.synth.noise import Noise
from nexus.synth.observables import WorldOutput
from nexus.synth.observables.people import person_records, sample, write_people
from nexus.synth.output import FtMWriter
from nexus.synth.world import CRIME, TERROR, World

FILE = "partner/liaison.ftm.json"
NOISE = Noise(variant=0.5, native=0.6, typo=0.01, swapped=0.2, dob_missing=0.05, dob_year_only=0.2)


class ForeignPartner:
    name = "partner"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        (out.dir / FILE).parent.mkdir(parents=True, exist_ok=True)
        people, side = world.people, world.people.side
        members = np.unique(world.memberships.person)
        rows = np.r_[sample(rng, members[side[members] == TERROR], 0.4), sample(rng, members[side[members] == CRIME], 0.1),
                     sample(rng, np.arange(len(people)), 0.002)]
        records, shown = person_records(world, rng, out, FILE, "LIA-P", rows, NOISE)
        rows = records.rows
        writer = FtMWriter(out.dir / FILE)
        topics = np.select([side[rows] == TERROR, side[rows] == CRIME], ["crime.terror", "crime"], "")
        write_people(writer, world, records, shown, topics=topics)
        writer.write("Passport", ids("LIA-D", np.arange(len(rows))), holder=records.ids,
                     number=people.passport[rows], country=people.nationality[rows])
        return [ManifestFile(FILE, FTM, "partner", "partner_liaison", "Foreign partner service: liaison records",
                             SuggestedLabels("CONFIDENTIAL", releasable_to=("intel",), orcon=True,
                                             legal_basis="Bilateral MoU on intelligence exchange"), writer.close())]
