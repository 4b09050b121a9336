"""Analyst judgements override the model, transitively, and split model chains."""

import pyarrow as pa
import pytest

from nexus.resolve import Judgement, cluster, cluster_id
from nexus.resolve.clusters import CANNOT_LINK


def _edges(*triples) -> pa.Table:
    left, right, score = zip(*triples) if triples else ((), (), ())
    return pa.table({"left_id": pa.array(left, pa.string()), "right_id": pa.array(right, pa.string()),
                     "score": pa.array(score, pa.float64())})


def _groups(clustering) -> list[list[str]]:
    groups: dict[str, list[str]] = {}
    mapping = clustering.mapping
    for entity_id, canonical in zip(mapping["entity_id"].to_pylist(), mapping["canonical_id"].to_pylist()):
        groups.setdefault(canonical, []).append(entity_id)
    return sorted(sorted(g) for g in groups.values())


IDS = pa.array(["A", "B", "C", "D", "E"])


def test_model_alone_chains_pairs_above_threshold():
    edges = _edges(("A", "B", 0.99), ("B", "C", 0.95), ("C", "D", 0.4), ("D", "E", 0.97))
    assert _groups(cluster(IDS, edges)) == [["A", "B", "C"], ["D", "E"]]


def test_same_judgements_merge_transitively_against_the_model():
    edges = _edges(("A", "B", 0.1), ("B", "C", 0.2))
    judged = [Judgement("A", "B", "same"), Judgement("C", "B", "same")]
    clustering = cluster(IDS, edges, judged)
    assert _groups(clustering) == [["A", "B", "C"], ["D"], ["E"]]
    ids = dict(zip(clustering.mapping["entity_id"].to_pylist(), clustering.mapping["canonical_id"].to_pylist()))
    assert ids["A"] == ids["C"] == cluster_id(["A", "B", "C"])


def test_not_same_cuts_the_weakest_edge_of_a_model_chain():
    # The model chains A-B-C-D; A and D are judged different: the 0.91 link is the one to go.
    edges = _edges(("A", "B", 0.99), ("B", "C", 0.91), ("C", "D", 0.98))
    clustering = cluster(IDS, edges, [Judgement("D", "A", "not_same")])
    assert _groups(clustering) == [["A", "B"], ["C", "D"], ["E"]]
    assert clustering.conflicts == ()


def test_not_same_splits_every_path_between_the_pair():
    # Two routes from A to C: A-B-C and A-D-C. Each loses its weakest edge.
    edges = _edges(("A", "B", 0.99), ("B", "C", 0.92), ("A", "D", 0.93), ("D", "C", 0.995))
    assert _groups(cluster(IDS, edges, [Judgement("A", "C", "not_same")])) == [["A", "B"], ["C", "D"], ["E"]]


def test_not_same_on_a_direct_pair_removes_that_edge_only():
    edges = _edges(("A", "B", 0.99), ("D", "E", 0.99))
    assert _groups(cluster(IDS, edges, [Judgement("A", "B", "not_same")])) == [["A"], ["B"], ["C"], ["D", "E"]]


def test_a_later_judgement_on_a_pair_replaces_an_earlier_one():
    edges = _edges(("A", "B", 0.99))
    judged = [Judgement("A", "B", "not_same"), Judgement("B", "A", "same")]
    assert _groups(cluster(IDS, edges, judged)) == [["A", "B"], ["C"], ["D"], ["E"]]


def test_unsure_leaves_the_pair_out_of_the_model_edges():
    edges = _edges(("A", "B", 0.99))
    assert _groups(cluster(IDS, edges, [Judgement("A", "B", "unsure")])) == [["A"], ["B"], ["C"], ["D"], ["E"]]


def test_contradicting_judgements_are_reported():
    judged = [Judgement("A", "B", "same"), Judgement("B", "C", "same"), Judgement("A", "C", "not_same")]
    clustering = cluster(IDS, _edges(), judged)
    assert _groups(clustering) == [["A", "B", "C"], ["D"], ["E"]]
    assert clustering.conflicts == (Judgement("A", "C", "not_same"),)


def test_judged_ids_outside_the_run_are_clustered_too():
    clustering = cluster(IDS, _edges(), [Judgement("A", "Z", "same")])
    assert ["A", "Z"] in _groups(clustering)


def test_unknown_decision_is_rejected():
    with pytest.raises(ValueError, match="decision"):
        Judgement("A", "B", "maybe")


def test_a_cannot_link_pair_cuts_the_weakest_edge_between_its_records():
    edges = _edges(("A", "B", 0.99), ("B", "C", 0.91), ("A", "C", CANNOT_LINK))
    clustering = cluster(IDS, edges)
    assert _groups(clustering) == [["A", "B"], ["C"], ["D"], ["E"]]
    assert clustering.conflicts == ()


def test_a_same_judgement_overrides_a_cannot_link_pair_without_a_conflict():
    edges = _edges(("A", "B", 0.99), ("B", "C", 0.91), ("A", "C", CANNOT_LINK))
    clustering = cluster(IDS, edges, [Judgement("A", "C", "same")])
    assert _groups(clustering) == [["A", "B", "C"], ["D"], ["E"]]
    assert clustering.conflicts == ()


def test_a_cannot_link_pair_is_never_a_link_whatever_the_threshold():
    clustering = cluster(IDS, _edges(("A", "B", CANNOT_LINK)), threshold=0.0)
    assert _groups(clustering) == [["A"], ["B"], ["C"], ["D"], ["E"]]
