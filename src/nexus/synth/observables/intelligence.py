"""The intelligence service: assessments of cells (CONFIDENTIAL) and, under a warrant, intercepts (SECRET, ORCON)."""

import numpy as np

from nexus.synth.arrays import ids
from nexus.synth.manifest import FTM, ManifestFile, SuggestedLabels
from nexus.synth.noise import Noise
from nexus.synth.observables import WorldOutput
from nexus.synth.observables.people import person_records, phone_lists, sample, write_people
from nexus.synth.output import FtMWriter, RecordIds
from nexus.synth.world import CRIME, TERROR, World

ASSESSMENTS = "intel/assessments.ftm.json"
INTERCEPTS = "intel/intercepts.ftm.json"
WARRANT = "WARRANT-2026-017"
ASSESSED = Noise(variant=0.4, native=0.15, typo=0.02, swapped=0.05, dob_missing=0.2, dob_year_only=0.3)
# names as heard on the line: any spelling, rarely a date of birth
HEARD = Noise(variant=0.6, typo=0.05, swapped=0.1, dob_missing=0.8, dob_year_only=0.15, nationality_missing=0.6)
PHONE_NODE = "phone:"


class Intelligence:
    name = "intelligence"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        (out.dir / ASSESSMENTS).parent.mkdir(parents=True, exist_ok=True)
        return [self._assessments(world, rng, out), self._intercepts(world, rng, out)]

    def _assessments(self, world: World, rng: np.random.Generator, out: WorldOutput) -> ManifestFile:
        m, g, side = world.memberships, world.groups, world.people.side
        members = np.unique(m.person)
        rows = np.r_[sample(rng, members[side[members] == TERROR], 0.9), sample(rng, members[side[members] == CRIME], 0.2)]
        records, shown = person_records(world, rng, out, ASSESSMENTS, "INT-P", rows, ASSESSED)
        topics = np.where(side[records.rows] == TERROR, "crime.terror", "crime")
        writer = FtMWriter(out.dir / ASSESSMENTS)
        write_people(writer, world, records, shown, topics=topics)
        cells = RecordIds("INT-G", rng.permutation(np.flatnonzero(g.side == TERROR)), len(g))
        out.truth.add(ASSESSMENTS, "Organization", cells.ids, world.group_ids(cells.rows))
        writer.write("Organization", cells.ids, name=g.name[cells.rows], topics=g.topic[cells.rows])
        kept = np.flatnonzero(cells.has(m.group) & records.has(m.person))
        writer.write("Membership", ids("INT-M", np.arange(len(kept))), member=records.of(m.person[kept]),
                     organization=cells.of(m.group[kept]), role=m.role[kept])
        return ManifestFile(ASSESSMENTS, FTM, "intel", "intel_assessments", "Intelligence assessments of terrorist cells",
                            SuggestedLabels("CONFIDENTIAL", releasable_to=("intel", "police"),
                                            legal_basis="Intelligence Services Act art. 7"), writer.close())

    def _intercepts(self, world: World, rng: np.random.Generator, out: WorldOutput) -> ManifestFile:
        m, side = world.memberships, world.people.side
        targets = sample(rng, np.unique(m.person[side[m.person] == TERROR]), 0.3)
        contacts = world.associates.b[np.isin(world.associates.a, targets)]
        rows = np.r_[targets, contacts, world.link_people("shared_phone")]
        records, shown = person_records(world, rng, out, INTERCEPTS, "SIG-P", rows, HEARD)
        writer = FtMWriter(out.dir / INTERCEPTS)
        write_people(writer, world, records, shown, phone=phone_lists(world, records.rows))
        for link in world.links("shared_phone"):
            link.evidence = (INTERCEPTS, [records.id_of(link.a), PHONE_NODE + str(link.value), records.id_of(link.b)])
        return ManifestFile(INTERCEPTS, FTM, "intel", "intel_intercepts", "Lawful intercepts: who used which phone",
                            SuggestedLabels("SECRET", releasable_to=("intel",), orcon=True, compartment="NIGHTJAR",
                                            warrant=WARRANT, legal_basis="Intelligence Services Act art. 18"),
                            writer.close())
