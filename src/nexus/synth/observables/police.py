"""Police case files: suspects, witnesses, their addresses, kin and associates, and the gangs."""

import numpy as np

from nexus.synth.arrays import ids
from nexus.synth.manifest import FTM, ManifestFile, SuggestedLabels
from nexus.synth.noise import Noise
from nexus.synth.observables import WorldOutput
from nexus.synth.observables.companies import write_addresses
from nexus.synth.observables.people import person_records, phone_lists, sample, write_people
from nexus.synth.output import FtMWriter, RecordIds
from nexus.synth.world import CRIME, NO_INDEX, TERROR, World, emails

FILE = "police/cases.ftm.json"
NOISE = Noise(variant=0.2, typo=0.02, swapped=0.1, upper_family=True, dob_missing=0.05, dob_year_only=0.05)


def _topics(world: World, rows: np.ndarray) -> list[list[str]]:
    """Gang members carry their gang's topic; bosses also crime.boss; cell members crime.terror."""
    m, g = world.memberships, world.groups
    topics: list[list[str]] = [[] for _ in rows]
    position = {row: i for i, row in enumerate(rows.tolist())}
    for person, group, role in zip(m.person.tolist(), m.group.tolist(), m.role.tolist(), strict=True):
        i = position.get(person)
        if i is not None:
            topics[i].append(str(g.topic[group]))
            if role == "leader" and g.side[group] == CRIME:
                topics[i].append("crime.boss")
    return topics


class PoliceCases:
    name = "police"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        (out.dir / FILE).parent.mkdir(parents=True, exist_ok=True)
        people, m, g = world.people, world.memberships, world.groups
        side = people.side
        members = np.unique(m.person)
        rows = np.concatenate([
            sample(rng, members[side[members] == CRIME], 0.9),
            sample(rng, members[side[members] == TERROR], 0.5),
            sample(rng, np.arange(len(people)), 0.08),
            world.link_people("shared_address"),
            world.link_people("family"),
        ])
        records, shown = person_records(world, rng, out, FILE, "POL-P", rows, NOISE)
        rows = records.rows
        address2 = people.address2[rows]
        used = np.unique(np.r_[people.address[rows], address2[address2 != NO_INDEX]])
        addresses = RecordIds("POL-A", used, len(world.addresses))
        home = addresses.of(people.address[rows]).tolist()
        second = [addresses.id_of(a) if a != NO_INDEX else None for a in address2.tolist()]
        address_lists = [[h, s] if s else [h] for h, s in zip(home, second, strict=True)]
        passport = np.where(rng.random(len(rows)) < 0.3, people.passport[rows], "")
        email = np.where(rng.random(len(rows)) < 0.4, emails(world, rows), "")

        writer = FtMWriter(out.dir / FILE)
        write_addresses(writer, world, addresses)
        write_people(writer, world, records, shown, phone=phone_lists(world, rows), addressEntity=address_lists,
                     passportNumber=passport, email=email, topics=_topics(world, rows))

        f = world.family
        known = np.flatnonzero(records.has(f.a) & records.has(f.b))
        family_ids = ids("POL-F", np.arange(len(known)))
        writer.write("Family", family_ids, person=records.of(f.a[known]), relative=records.of(f.b[known]),
                     relationship=f.relationship[known])
        a = world.associates
        seen = np.flatnonzero(records.has(a.a) & records.has(a.b))
        writer.write("Associate", ids("POL-S", np.arange(len(seen))), person=records.of(a.a[seen]),
                     associate=records.of(a.b[seen]), relationship=a.relationship[seen])

        gangs = RecordIds("POL-G", np.flatnonzero(g.side == CRIME), len(g))
        out.truth.add(FILE, "Organization", gangs.ids, world.group_ids(gangs.rows))
        writer.write("Organization", gangs.ids, name=g.name[gangs.rows], topics=g.topic[gangs.rows])
        kept = np.flatnonzero(gangs.has(m.group) & records.has(m.person))
        writer.write("Membership", ids("POL-M", np.arange(len(kept))), member=records.of(m.person[kept]),
                     organization=gangs.of(m.group[kept]), role=m.role[kept])

        family_row = {row: str(i) for i, row in zip(family_ids.tolist(), known.tolist(), strict=True)}
        for link in world.links("family"):
            link.evidence = (FILE, [records.id_of(link.a), family_row[link.facts[0]], records.id_of(link.b)])
        for link in world.links("shared_address"):
            link.evidence = (FILE, [records.id_of(link.a), addresses.id_of(link.facts[0]), records.id_of(link.b)])
        return [ManifestFile(FILE, FTM, "police", "police_cases", "Police case files: persons, addresses, kin, gangs",
                             SuggestedLabels("RESTRICTED", legal_basis="Police Act art. 44"), writer.close())]
