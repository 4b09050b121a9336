"""The prison service's roster: who was held in which cell, when (CSV)."""

import numpy as np

from nexus.synth import places
from nexus.synth.arrays import STRING, ids, iso_dates, join, strings
from nexus.synth.manifest import ManifestFile, SuggestedLabels
from nexus.synth.noise import Noise, render
from nexus.synth.observables import WorldOutput
from nexus.synth.observables.tables import write_mapped_csv
from nexus.synth.world import NO_INDEX, World

FILE = "prison/roster.csv"
NOISE = Noise(variant=0.2, typo=0.01, swapped=0.0, dob_missing=0.0, dob_year_only=0.0,
              nationality_missing=0.02)

ENTITIES = {
    "inmate": {
        "schema": "Person",
        "id_column": "inmate_no",
        "properties": {
            "name": {"columns": ["given_names", "surname"], "join": " "},
            "firstName": {"column": "given_names"},
            "lastName": {"column": "surname"},
            "birthDate": {"column": "date_of_birth"},
            "nationality": {"column": "nationality"},
            "addressEntity": {"entity": "cell"},
        },
    },
    "cell": {
        "schema": "Address",
        "id_column": "cell_id",
        "properties": {
            "full": {"template": "{{prison}}, block {{block}}, cell {{cell}}"},
            "country": {"column": "prison_country"},
        },
    },
    "detention": {
        "schema": "Event",
        "keys": ["inmate_no"],
        "key_literal": "detention",
        "properties": {
            "name": {"template": "Detention at {{prison}}"},
            "startDate": {"column": "admitted"},
            "endDate": {"column": "released"},
            "involved": {"entity": "inmate"},
            "addressEntity": {"entity": "cell"},
        },
    },
}


class PrisonRoster:
    name = "prison"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        stays = world.stays
        order = rng.permutation(len(stays))
        person = stays.person[order]
        inmate = ids("INM-", np.arange(len(stays)), 6)
        out.truth.add(FILE, "Person", inmate, world.person_ids(person))
        shown = render(world, rng, person, NOISE)
        per_prison = len(places.PRISON_BLOCKS) * places.CELLS_PER_BLOCK
        cell = stays.cell[order]
        prison, block, number = cell // per_prison, (cell % per_prison) // places.CELLS_PER_BLOCK, cell % places.CELLS_PER_BLOCK + 1
        blocks = strings(places.PRISON_BLOCKS)[block]
        number_text = np.strings.zfill(number.astype(STRING), 3)
        cell_ids = join(strings([p[2] for p in places.PRISONS])[prison], "-", blocks, "-", number_text)
        released = stays.released[order]
        columns = {
            "inmate_no": inmate,
            "surname": np.strings.upper(shown.last),
            "given_names": shown.first,
            "date_of_birth": shown.birth,
            "nationality": shown.nationality,
            "prison": strings([p[0] for p in places.PRISONS])[prison],
            "prison_country": strings([p[1] for p in places.PRISONS])[prison],
            "block": blocks,
            "cell": number_text,
            "cell_id": cell_ids,
            "admitted": iso_dates(stays.admitted[order]),
            "released": np.where(released == NO_INDEX, "", iso_dates(released)).astype(STRING),
        }
        position = np.empty(len(stays), dtype=np.int64)
        position[order] = np.arange(len(stays))
        for link in world.links("shared_cell"):
            stay_a, stay_b = position[list(link.facts)]
            link.evidence = (FILE, [str(inmate[stay_a]), str(cell_ids[stay_a]), str(inmate[stay_b])])
        return [write_mapped_csv(out.dir, FILE, columns, ENTITIES, "prison", "prison_roster",
                                 "Prison roster: inmates, cells, dates of detention",
                                 SuggestedLabels("RESTRICTED", legal_basis="Prison Act art. 12"))]
