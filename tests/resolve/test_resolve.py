"""A small resolution of hand-written people: clear duplicates merge, lookalikes do not."""

from nexus.resolve import cluster_id, resolve


def _clusters(mapping) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for entity_id, canonical in zip(mapping["entity_id"].to_pylist(), mapping["canonical_id"].to_pylist()):
        groups.setdefault(canonical, set()).add(entity_id)
    return groups


def test_duplicates_merge_and_lookalikes_stay_apart(people):
    resolution = resolve(people)
    clusters = sorted(sorted(members) for members in _clusters(resolution.mapping).values())
    assert clusters == [
        ["a1", "a2", "a3"],  # spelling variants, one shared passport
        ["b1", "b2"],  # Cyrillic and Latin spellings, same phone in two formats
        ["c1", "c2"],  # Ahmed Benali / Ahmad Ben Ali at the same address
        ["d1"], ["d2"],  # same name, different date of birth
        ["e1"], ["e2"],
        ["f1"], ["g1"],
    ]
    assert resolution.records == 13


def test_canonical_ids_are_deterministic(people):
    first = resolve(people).mapping
    second = resolve(people).mapping
    assert first.equals(second)
    ids = dict(zip(first["entity_id"].to_pylist(), first["canonical_id"].to_pylist()))
    assert ids["a2"] == cluster_id(["a3", "a1", "a2"])
    assert ids["f1"] == "f1"


def test_only_people_and_organisations_are_resolved(people_rows, make_table):
    rows = people_rows
    vessel = [r for r in rows if r[1] == "g1"]
    as_vessel = [(r[0], "v1", "v1", "Vessel", *r[4:]) for r in vessel if r[4] in ("id", "name")]
    resolution = resolve(make_table(rows + as_vessel))
    assert "v1" not in resolution.mapping["entity_id"].to_pylist()
