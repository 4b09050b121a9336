"""Customs seizures: what was seized where, from whom, for which importer (CSV)."""

import numpy as np

from nexus.synth import places
from nexus.synth.arrays import STRING, days, ids, iso_dates, strings
from nexus.synth.manifest import ManifestFile, SuggestedLabels
from nexus.synth.noise import Noise, render
from nexus.synth.observables import WorldOutput
from nexus.synth.observables.people import sample
from nexus.synth.observables.tables import write_mapped_csv
from nexus.synth.world import CRIME, World

FILE = "customs/seizures.csv"
NOISE = Noise(variant=0.35, typo=0.04, swapped=0.15, dob_missing=0.15, dob_year_only=0.1, nationality_missing=0.1)

ENTITIES = {
    "suspect": {
        "schema": "Person",
        "id_column": "suspect_ref",
        "properties": {
            "name": {"column": "suspect_name"},
            "birthDate": {"column": "suspect_dob"},
            "nationality": {"column": "suspect_nationality"},
            "passportNumber": {"column": "passport_no"},
        },
    },
    "passport": {
        "schema": "Passport",
        "keys": ["passport_no"],
        "key_literal": "passport",
        "properties": {
            "number": {"column": "passport_no"},
            "holder": {"entity": "suspect"},
        },
    },
    "importer": {
        "schema": "Company",
        "id_column": "importer_ref",
        "properties": {
            "name": {"column": "importer_name"},
            "registrationNumber": {"column": "importer_reg"},
        },
    },
    "seizure": {
        "schema": "Event",
        "id_column": "seizure_id",
        "properties": {
            "name": {"template": "Seizure of {{quantity}} {{unit}} {{goods}} at {{location}}"},
            "date": {"column": "seizure_date"},
            "location": {"column": "location"},
            "involved": {"entity": "suspect"},
            "organizer": {"entity": "importer"},
        },
    },
}


class CustomsSeizures:
    name = "customs"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        people, m, companies = world.people, world.memberships, world.companies
        traffickers = np.unique(m.person[(people.side[m.person] == CRIME)])
        suspects = rng.permutation(np.r_[sample(rng, traffickers, 0.4), sample(rng, np.arange(len(people)), 0.01)])
        n = len(suspects)
        refs = ids("CUS-S", np.arange(n))
        out.truth.add(FILE, "Person", refs, world.person_ids(suspects))
        shown = render(world, rng, suspects, NOISE)
        # one to three suspects per seizure
        seizure = np.cumsum(np.r_[0, rng.random(n - 1) < 0.6]) if n else np.zeros(0, np.int64)
        seizure_count = int(seizure[-1]) + 1 if n else 0
        goods = rng.integers(0, len(places.SEIZED_GOODS), seizure_count)
        importer = np.where(rng.random(seizure_count) < 0.5, rng.integers(0, len(companies), seizure_count), -1)
        has_importer = importer[seizure] >= 0
        importer_refs = np.where(has_importer, ids("CUS-C", np.maximum(importer[seizure], 0)), "").astype(STRING)
        firm = np.maximum(importer[seizure], 0)
        unique_firms = np.unique(importer[importer >= 0])
        out.truth.add(FILE, "Company", ids("CUS-C", unique_firms), world.company_ids(unique_firms))
        columns = {
            "seizure_id": ids("SZ-", seizure, 6),
            "seizure_date": iso_dates(rng.integers(days("2022-01-01"), days("2025-12-31"), seizure_count)[seizure]),
            "location": strings(places.PORTS)[rng.integers(0, len(places.PORTS), seizure_count)][seizure],
            "goods": strings([g for g, _ in places.SEIZED_GOODS])[goods][seizure],
            "quantity": np.round(rng.lognormal(3.0, 1.2, seizure_count), 1).astype(STRING)[seizure],
            "unit": strings([u for _, u in places.SEIZED_GOODS])[goods][seizure],
            "suspect_ref": refs,
            "suspect_name": shown.name,
            "suspect_dob": shown.birth,
            "suspect_nationality": shown.nationality,
            "passport_no": np.where(rng.random(n) < 0.7, people.passport[suspects], "").astype(STRING),
            "importer_ref": importer_refs,
            "importer_name": np.where(has_importer, companies.name[firm], "").astype(STRING),
            "importer_reg": np.where(has_importer, companies.registration[firm], "").astype(STRING),
        }
        return [write_mapped_csv(out.dir, FILE, columns, ENTITIES, "customs", "customs_seizures",
                                 "Customs seizures with suspects and importers",
                                 SuggestedLabels("RESTRICTED", legal_basis="Customs Code art. 46"))]
