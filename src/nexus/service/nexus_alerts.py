"""Nexus bridges as alerts: the strongest ties between the two sides, raised in the shared queue for review.

A bridge is known by what its score rests on (its subject and fingerprint both hash it), not by its ends'
canonical ids, which a resolution run may change: the evidence of every tie along the paths that join its two
ends, of every member of each hub those ties go through (a tie through a shared phone weighs and counts all who
share it), and how many neighbours each inner entity has (a path through a busy entity scores less). A bridge
seen again on the same evidence keeps its review state, and one that new evidence strengthens (or that now runs
another way) is raised afresh. It cites every statement of that evidence (for a money tie from the ledger, its
first and last transactions, with their labels), one of each kind of data (set of labels) the inner entities'
ties rest on, and the names and topics of the entities along the paths (which its title and explanation show),
so only a viewer who may see all of it sees the alert, and its score and count of paths rest on nothing it does
not cite: a viewer whose graph differs there gets an alert of their own.
"""

import hashlib
import math
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
from sqlalchemy import select

from nexus.model.labels import Labels
from nexus.security import audit
from nexus.security.policy import require
from nexus.security.viewer import Viewer
from nexus.service.alerts import Evidence, NewAlert, cited_statements, fresh_alert_ids, raise_alerts, visible_alert_ids
from nexus.service.entities import S
from nexus.service.ledger import ledger_session
from nexus.service.links import CRIME_SIDE, TERROR_SIDE, Side, bridges
from nexus.store import Store
from nexus.store.schema import alerts

KIND = "nexus"
#: How a money tie (`links_ledger_edges.sql`) names the ledger transactions it rests on.
TRANSACTION = "transaction:"


def raise_nexus_alerts(store: Store, viewer: Viewer, home: Path, source: Side = TERROR_SIDE, target: Side = CRIME_SIDE,
                       max_hops: int = 4, limit: int = 25) -> list[dict]:
    """Raise (or refresh) an alert for each of the `limit` strongest bridges; best first, each with its
    alert id, review state and whether it is new since the last run."""
    require(viewer, "judge")
    found = bridges(store, viewer, home, source, target, max_hops, limit)
    cited = _cited(store, viewer, home, {ref for b in found for ref in (*_refs(b), *b["degree_evidence"])})
    shown = _shown(store, viewer, {n for b in found for p in _all_paths(b) for n in p["nodes"]})
    new = []
    for bridge in found:
        around = _one_of_each_kind(e for ref in bridge["degree_evidence"] for e in cited.get(ref, ()))
        evidence = _citations(bridge, cited, shown, around)
        if evidence:
            new.append(_alert(bridge, evidence, _fingerprint(bridge, around)))
    new = _known_subjects(store, new)
    raised = raise_alerts(store, viewer, new, "judge") if new else {}
    shown = visible_alert_ids(store, viewer, [alert_id for alert_id, _ in raised.values()])
    fresh = fresh_alert_ids(store, shown)
    result = []
    for alert in new:
        alert_id, state = raised[alert.key]
        if alert_id in shown:
            result.append({"alert_id": alert_id, "state": state, "new": alert_id in fresh, "title": alert.title,
                           "score": alert.score, **alert.explanation})
    audit.log_event(store, viewer, "links.alerts", {"purpose": viewer.purpose, "from": source.topics or source.ids,
                                                    "to": target.topics or target.ids, "max_hops": max_hops,
                                                    "limit": limit, "raised": len(result),
                                                    "new": sum(r["new"] for r in result)},
                    [str(r["alert_id"]) for r in result])
    return result


def _known_subjects(store: Store, new: list[NewAlert]) -> list[NewAlert]:
    """Each bridge under the subject an alert on the same evidence already has (raised when subjects named the
    ends' canonical ids), so that its review state carries over."""
    with store.engine.connect() as conn:
        known = dict(conn.execute(select(alerts.c.fingerprint, alerts.c.subject).where(
            alerts.c.kind == KIND, alerts.c.fingerprint.in_([a.fingerprint for a in new]))).all())
    return [replace(a, subject=known.get(a.fingerprint, a.subject)) for a in new]


def _all_paths(bridge: dict) -> list[dict]:
    return [bridge["path"], *bridge["other_paths"]]


def _refs(bridge: dict) -> list[str]:
    """The evidence of every tie along the bridge's paths (the strongest per hop and the others) and of every
    member of the hubs they go through."""
    return sorted({ref for path in _all_paths(bridge) for edge in path["edges"] + path["other_edges"]
                   for ref in edge["evidence"]} | set(bridge["hub_evidence"]))


def _cited(store: Store, viewer: Viewer, home: Path, refs: set[str]) -> dict[str, list[Evidence]]:
    """The statements and ledger transactions behind each piece of evidence."""
    cited = _evidence(store, viewer, {r for r in refs if not r.startswith(TRANSACTION)})
    return cited | _transactions(store, viewer, home, {r for r in refs if r.startswith(TRANSACTION)})


def _citations(bridge: dict, cited: dict[str, list[Evidence]], shown: dict[str, list[Evidence]],
               around: list[Evidence]) -> tuple[Evidence, ...]:
    """What an alert on the bridge cites: all that its ties rest on, ``around`` (one of each kind of data its inner
    entities' numbers of neighbours rest on: who may see one of a kind may see all of it) and what its words show."""
    ties = [e for ref in _refs(bridge) for e in cited.get(ref, ())]
    named = [e for p in _all_paths(bridge) for node in p["nodes"] for e in shown.get(node, ())]
    return tuple({(e.ref_kind, e.ref_id): e for e in (*ties, *around, *named)}.values())


def _one_of_each_kind(evidence: Iterable[Evidence]) -> list[Evidence]:
    """The first (by kind and id) of the evidence with each set of labels."""
    kinds: dict[Labels, Evidence] = {}
    for item in sorted(evidence, key=lambda e: (e.ref_kind, e.ref_id)):
        kinds.setdefault(item.labels, item)
    return list(kinds.values())


def _evidence(store: Store, viewer: Viewer, refs: set[str]) -> dict[str, list[Evidence]]:
    """The statements behind each piece of a path's evidence: a statement id names one statement, an entity
    id (a relationship, an event, a stay) all of that entity's."""
    found: dict[str, list[Evidence]] = {}
    for by in (S.id, S.canonical_id):
        for ref, rows in cited_statements(store, viewer, "read", by, refs).items():
            found.setdefault(ref, []).extend(Evidence("statement", sid, ref if by is S.canonical_id else None, labels)
                                             for sid, labels, _ in rows)
    return found


def _transactions(store: Store, viewer: Viewer, home: Path, refs: set[str]) -> dict[str, list[Evidence]]:
    """The ledger transactions behind money ties (`transaction:<id>`), each with its own labels."""
    if not refs:
        return {}
    ids = sorted(ref.removeprefix(TRANSACTION) for ref in refs)
    with ledger_session(store, viewer, home) as session:
        session.register("wanted_transactions", pa.table({"id": pa.array(ids, pa.string())}))
        rows = session.run("detect_labels").to_pylist()
    return {TRANSACTION + r["id"]: [Evidence("transaction", r["id"], r["from_account_id"], Labels.from_row(r))]
            for r in rows}


def _shown(store: Store, viewer: Viewer, entities: set[str]) -> dict[str, list[Evidence]]:
    """The name and topic statements of the path's entities: what the alert's words show of them."""
    found = cited_statements(store, viewer, "read", S.canonical_id, entities, S.prop.in_(("name", "topics")))
    return {node: [Evidence("statement", sid, node, labels) for sid, labels, _ in rows] for node, rows in found.items()}


def _alert(bridge: dict, evidence: tuple[Evidence, ...], digest: str) -> NewAlert:
    path = bridge["path"]
    names = {k: v.get("name") or k for k, v in path["nodes"].items()}
    hops = path["hops"]
    return NewAlert(
        kind=KIND, subject=f"nexus/{digest}", fingerprint=digest,
        title=f"{names.get(bridge['source'], bridge['source'])} ↔ {names.get(bridge['target'], bridge['target'])} "
              f"({hops} hop{'s' if hops > 1 else ''}: {', '.join(dict.fromkeys(e['type'] for e in path['edges']))})",
        score=round(1 - math.prod(1 - min(p["score"], 0.999) for p in _all_paths(bridge)), 6),  # noisy-or, as ranked
        explanation={"from": bridge["source"], "to": bridge["target"], "paths": len(_all_paths(bridge)),
                     "words": path["words"], "path": path, "subgraph": _subgraph(path),
                     "other_paths": [p["words"] for p in bridge["other_paths"]]},
        evidence=evidence,
    )


def _fingerprint(bridge: dict, around: list[Evidence]) -> str:
    """A hash of what the bridge's score rests on: its evidence, its inner entities' numbers of neighbours and the
    kinds of data those rest on (``around``), so that two viewers whose graphs differ there, even by evidence of
    another kind on the same ties, never raise one alert (the later would take the earlier's citations and not see
    it). A bridge whose paths are all of one hop has no inner entity: its fingerprint is its evidence's alone, as
    before these counted, so its alert and review carry over."""
    lines = _refs(bridge)
    if any(bridge["degrees"]):
        lines.append("degrees " + ";".join(",".join(map(str, path)) for path in bridge["degrees"]))
        lines.extend(sorted(_kind(e.labels) for e in around))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _kind(labels: Labels) -> str:
    return (f"labels {labels.agency} {int(labels.classification)} {labels.releasable_text} {labels.compartment} "
            f"{labels.orcon} {labels.warrant}")


def _subgraph(path: dict) -> dict:
    """The path as a small graph (nodes and edges) a viewer can draw."""
    nodes = [{"id": n, **({k: v for k, v in path["nodes"][n].items() if k != "canonical_id"} if n in path["nodes"] else
                          {"kind": "identifier"})} for n in path["entities"]]
    edges = [{"source": e["source"], "target": e["target"], "type": e["type"], "weight": e["weight"], "via": e["via"],
              "currency": e["currency"]}
             for e in path["edges"] + path["other_edges"]]
    return {"nodes": nodes, "edges": edges}
