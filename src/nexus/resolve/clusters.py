"""Clusters from scored pairs and analyst judgements, and their deterministic canonical ids.

A pair scored exactly ``CANNOT_LINK`` (0) is the model ruling two records out as one
entity (`run.resolve` adds such pairs where a chain of links would join records whose
dates of birth disagree); it splits a cluster the way a not-same judgement does, but a
same judgement overrides it without a conflict. Judgements override the model. A "same" judgement is an edge no score can cut, so
same(A,B) and same(B,C) put A, B and C in one cluster whatever the model says. A
"not_same" judgement removes the direct edge and, where the model still chains the
pair through other records, splits that cluster: its edges are re-added strongest
first and an edge that would join a not-same pair is left out, so the weakest links
on the paths between them are the ones cut.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nexus.engine import DuckDBEngine

SAME = "same"
NOT_SAME = "not_same"
UNSURE = "unsure"
DECISIONS = (SAME, NOT_SAME, UNSURE)
CANONICAL_PREFIX = "nx-"
# Match probability at which a scored pair joins a cluster. On FEBRL and the synthetic
# million it is where F1 peaks while precision stays above 0.998 (bench/README.md).
DEFAULT_THRESHOLD = 0.7
CANNOT_LINK = 0.0
RULED_OUT_NONE = pa.table({"left_id": pa.array([], pa.string()), "right_id": pa.array([], pa.string())})


@dataclass(frozen=True)
class Judgement:
    left_id: str
    right_id: str
    decision: str

    def __post_init__(self):
        if self.decision not in DECISIONS:
            raise ValueError(f"judgement decision must be one of {DECISIONS}, got {self.decision!r}")

    @property
    def pair(self) -> tuple[str, str]:
        return (self.left_id, self.right_id) if self.left_id <= self.right_id else (self.right_id, self.left_id)


@dataclass(frozen=True)
class Clustering:
    mapping: pa.Table  # entity_id, canonical_id: one row per record
    conflicts: tuple[Judgement, ...]  # not-same judgements that same judgements made impossible
    ruled_out: pa.Table = field(default_factory=lambda: RULED_OUT_NONE)  # left_id, right_id: pairs ``rule_out`` kept apart


# Given the groups the links alone make (entity_id, cluster), the pairs of records in a
# group that must not end up in one cluster (left_id, right_id).
RuleOut = Callable[[pa.Table], pa.Table]


def cluster(
    ids: pa.Array,
    edges: pa.Table,
    judgements: Iterable[Judgement] = (),
    threshold: float = DEFAULT_THRESHOLD,
    rule_out: RuleOut | None = None,
) -> Clustering:
    """Group record ``ids`` by ``edges`` (left_id, right_id, score) at or above ``threshold``.

    ``rule_out`` sees the groups the links make and names pairs to keep apart, which are
    then handled like CANNOT_LINK pairs.
    """
    judged = list({j.pair: j for j in judgements}.values())  # a later judgement on a pair wins
    judged_ids = pa.array([i for j in judged for i in j.pair], pa.string())
    ids = pc.unique(pa.concat_arrays([ids.cast(pa.string()), judged_ids])).sort()
    judged_left = _positions(ids, judged_ids[0::2])
    judged_right = _positions(ids, judged_ids[1::2])
    decisions = np.array([j.decision for j in judged], dtype=object)

    left, right, weight = _model_edges(ids, edges, threshold, judged_left, judged_right)
    same = decisions == SAME
    left = np.concatenate([left, judged_left[same]])
    right = np.concatenate([right, judged_right[same]])
    weight = np.concatenate([weight, np.full(int(same.sum()), np.inf)])
    labels = _components(len(ids), left, right)
    not_same = [(int(a), int(b), j) for a, b, j, d in zip(judged_left, judged_right, judged, decisions)
                if d == NOT_SAME]
    ruled_out = RULED_OUT_NONE
    if rule_out is not None:
        ruled_out = rule_out(pa.table({"entity_id": ids, "cluster": pa.array(labels, pa.int64())}))
    for pairs in (edges.filter(pc.equal(edges["score"], CANNOT_LINK)), ruled_out):
        cut_left = _positions(ids, pairs["left_id"].combine_chunks())
        cut_right = _positions(ids, pairs["right_id"].combine_chunks())
        not_same += [(int(a), int(b), None) for a, b in zip(cut_left, cut_right)]
    conflicts = _split_not_same(labels, left, right, weight, not_same)
    return Clustering(canonical_ids(ids, labels), tuple(conflicts), ruled_out)


def _positions(ids: pa.Array, values: pa.Array) -> np.ndarray:
    return pc.index_in(values, ids).to_numpy(zero_copy_only=False).astype(np.int64)


def _model_edges(ids, edges, threshold, judged_left, judged_right) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scored pairs at or above ``threshold``, less every judged pair (a judgement replaces the score)."""
    kept = edges.filter(pc.and_(pc.greater_equal(edges["score"], threshold), pc.greater(edges["score"], CANNOT_LINK)))
    left = _positions(ids, kept["left_id"].combine_chunks())
    right = _positions(ids, kept["right_id"].combine_chunks())
    weight = kept["score"].to_numpy().astype(np.float64)
    n = len(ids)
    pairs = np.minimum(left, right) * n + np.maximum(left, right)
    judged = np.minimum(judged_left, judged_right) * n + np.maximum(judged_left, judged_right)
    keep = ~np.isin(pairs, judged)
    return left[keep], right[keep], weight[keep]


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components by vectorised min-label propagation with pointer jumping."""
    labels = np.arange(n, dtype=np.int64)
    while True:
        low = np.minimum(labels[left], labels[right])
        before = labels.copy()
        np.minimum.at(labels, left, low)
        np.minimum.at(labels, right, low)
        labels = labels[labels]
        while not np.array_equal(labels, labels[labels]):
            labels = labels[labels]
        if np.array_equal(labels, before):
            return labels


def _split_not_same(labels, left, right, weight, not_same: list[tuple[int, int, Judgement | None]]) -> list[Judgement]:
    """Re-cluster each component holding a not-same pair (a judgement, or None for the model's
    own cannot-link); returns the judgements that same judgements made impossible."""
    constraints: dict[int, list[tuple[int, int, Judgement | None]]] = {}
    for a, b, j in not_same:
        if labels[a] == labels[b]:
            constraints.setdefault(int(labels[a]), []).append((a, b, j))
    conflicts: list[Judgement] = []
    edge_labels = labels[left]
    for label, pairs in constraints.items():
        members = np.flatnonzero(labels == label)
        in_component = edge_labels == label
        order = np.lexsort((right[in_component], left[in_component], -weight[in_component]))
        component_edges = zip(left[in_component][order], right[in_component][order], weight[in_component][order])
        groups = _constrained_union(members, component_edges, [(a, b) for a, b, _ in pairs])
        for a, b, j in pairs:
            if groups[a] == groups[b] and j is not None:
                conflicts.append(j)
        for member, root in groups.items():
            labels[member] = root
    return conflicts


def _constrained_union(members, edges, cannot_link: list[tuple[int, int]]) -> dict[int, int]:
    """Union-find over one component, skipping model edges that would join a cannot-link pair.

    Judgement edges (infinite weight) are always taken; a cannot-link pair they join is a conflict.
    """
    parent = {int(m): int(m) for m in members}
    apart = {int(m): set() for m in members}
    for a, b in cannot_link:
        apart[a].add(b)
        apart[b].add(a)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, w in edges:
        ra, rb = find(int(a)), find(int(b))
        if ra == rb:
            continue
        blocked = any(find(x) == rb for x in apart[ra])
        if blocked and np.isfinite(w):
            continue
        root, child = min(ra, rb), max(ra, rb)
        parent[child] = root
        apart[root] |= apart[child]
    return {m: find(m) for m in parent}


def canonical_ids(ids: pa.Array, labels: np.ndarray) -> pa.Table:
    """entity_id -> canonical_id. A singleton keeps its own id; a cluster is named by a hash
    of its sorted member ids, so the same cluster gets the same id on every run."""
    members = pa.table({"entity_id": ids, "label": pa.array(labels, pa.int64())})
    with DuckDBEngine() as engine:
        engine.register("members", members)
        return engine.run("resolve_canonical_ids", prefix=CANONICAL_PREFIX)


def cluster_id(member_ids: Iterable[str]) -> str:
    """The canonical id `canonical_ids` gives a cluster of these members (for callers and tests)."""
    members = sorted(set(member_ids))
    if len(members) == 1:
        return members[0]
    return CANONICAL_PREFIX + hashlib.sha256("\n".join(members).encode()).hexdigest()[:32]
