"""Shared by the plug-ins: an agency's person records and the Person entities for them."""

import numpy as np

from nexus.synth.noise import Noise, Rendered, render
from nexus.synth.observables import WorldOutput
from nexus.synth.output import FtMWriter, RecordIds
from nexus.synth.world import FEMALE, World

GENDERS = np.array(["male", "female"], dtype=np.dtypes.StringDType())


def sample(rng: np.random.Generator, rows: np.ndarray, share: float) -> np.ndarray:
    return rows[rng.random(len(rows)) < share]


def person_records(world: World, rng: np.random.Generator, out: WorldOutput, file: str, prefix: str,
                   rows: np.ndarray, noise: Noise) -> tuple[RecordIds, Rendered]:
    """One record per true person in ``rows``, in an order that says nothing about the truth."""
    rows = rng.permutation(np.unique(rows))
    records = RecordIds(prefix, rows, len(world.people))
    out.truth.add(file, "Person", records.ids, world.person_ids(rows))
    return records, render(world, rng, rows, noise)


def write_people(writer: FtMWriter, world: World, records: RecordIds, shown: Rendered, **extra) -> None:
    gender = GENDERS[(world.people.gender[records.rows] == FEMALE).astype(np.int64)]
    writer.write("Person", records.ids, name=shown.name, firstName=shown.first, lastName=shown.last,
                 birthDate=shown.birth, nationality=shown.nationality, gender=gender, **extra)


def phone_lists(world: World, rows: np.ndarray) -> list[list[str]]:
    people = world.people
    return [[p, q] if q else [p] for p, q in zip(people.phone[rows].tolist(), people.phone2[rows].tolist(), strict=True)]
