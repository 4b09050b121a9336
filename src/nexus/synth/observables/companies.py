"""The business register: companies, their addresses, directors and owners."""

import numpy as np

from nexus.synth.arrays import ids, iso_dates, join
from nexus.synth.manifest import FTM, ManifestFile, SuggestedLabels
from nexus.synth.noise import Noise
from nexus.synth.observables import WorldOutput
from nexus.synth.observables.people import person_records, write_people
from nexus.synth.output import FtMWriter, RecordIds
from nexus.synth.world import World

FILE = "registry/companies.ftm.json"
NOISE = Noise(variant=0.1, typo=0.01, swapped=0.0, dob_missing=0.0, dob_year_only=0.5, nationality_missing=0.05)


def full_addresses(world: World, rows: np.ndarray) -> np.ndarray:
    a = world.addresses
    return join(a.street[rows], ", ", a.postcode[rows], " ", a.city[rows])


def write_addresses(writer: FtMWriter, world: World, records: RecordIds) -> None:
    a, rows = world.addresses, records.rows
    writer.write("Address", records.ids, full=full_addresses(world, rows), street=a.street[rows],
                 city=a.city[rows], postalCode=a.postcode[rows], country=a.country[rows])


class CompanyRegister:
    name = "companies"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        (out.dir / FILE).parent.mkdir(parents=True, exist_ok=True)
        writer = FtMWriter(out.dir / FILE)
        c, d, o = world.companies, world.directorships, world.ownerships
        companies = RecordIds("REG-C", rng.permutation(len(c)), len(c))
        out.truth.add(FILE, "Company", companies.ids, world.company_ids(companies.rows))
        addresses = RecordIds("REG-A", np.unique(c.address), len(world.addresses))
        people, shown = person_records(world, rng, out, FILE, "REG-P", np.r_[d.person, o.person], NOISE)

        write_addresses(writer, world, addresses)
        rows = companies.rows
        writer.write("Company", companies.ids, name=c.name[rows], jurisdiction=c.jurisdiction[rows],
                     registrationNumber=c.registration[rows], incorporationDate=iso_dates(c.incorporated[rows]),
                     addressEntity=addresses.of(c.address[rows]), address=full_addresses(world, c.address[rows]))
        write_people(writer, world, people, shown)
        directorship_ids = ids("REG-D", np.arange(len(d)))
        writer.write("Directorship", directorship_ids, director=people.of(d.person),
                     organization=companies.of(d.company), role=np.full(len(d), "director"),
                     startDate=iso_dates(d.start))
        writer.write("Ownership", ids("REG-O", np.arange(len(o))), owner=people.of(o.person),
                     asset=companies.of(o.company), percentage=o.share.astype(str))

        key = d.company.astype(np.int64) << 32 | d.person.astype(np.int64)
        order = np.argsort(key)
        for link in world.links("directorship"):
            company = link.facts[0]
            via = [str(directorship_ids[order[np.searchsorted(key[order], company << 32 | p)]]) for p in (link.a, link.b)]
            link.evidence = (FILE, [people.id_of(link.a), via[0], companies.id_of(company), via[1], people.id_of(link.b)])
        return [ManifestFile(FILE, FTM, "registry", "registry_companies", "Business register: companies, directors, owners",
                             SuggestedLabels("UNCLASSIFIED", legal_basis="Companies Act (public register)"),
                             writer.close())]
