"""A traveller's flights, from the API and PNR data the viewer may see: for the map of their routes."""

from sqlalchemy import select

from nexus.security import audit
from nexus.security.policy import require, statement_clause
from nexus.security.viewer import Viewer
from nexus.service.entities import S, canonical_of, live, visible_statements
from nexus.store import Store
from nexus.store.schema import statements

FLIGHT_PROPS = ("name", "keywords", "startDate")


def itinerary(store: Store, viewer: Viewer, entity_id: str) -> list[dict]:
    """The flight legs (Trips with an origin and a destination) the entity was on, by date: origin and
    destination IATA codes, date, flight."""
    require(viewer, "read")
    with store.engine.connect() as conn:
        # Only records the viewer may see lead to trips: another agency's hidden record of the same person does not.
        records = select(S.entity_id).where(S.canonical_id == canonical_of(conn, viewer, entity_id), live(),
                                            statement_clause(viewer, statements))
        trips = select(S.entity_id).where(live(), statement_clause(viewer, statements), S.schema == "Trip",
                                          S.prop_type == "entity", S.prop == "involved", S.value.in_(records))
        rows = conn.execute(visible_statements(viewer).where(S.entity_id.in_(trips), S.prop.in_(FLIGHT_PROPS))
                            .order_by(S.entity_id)).all()
    legs: dict[str, dict] = {}
    for row in rows:
        leg = legs.setdefault(row.entity_id, {"trip": row.entity_id})
        if row.prop == "keywords" and row.value.startswith(("from ", "to ")):
            end, _, code = row.value.partition(" ")
            leg["origin" if end == "from" else "destination"] = code
        elif row.prop == "startDate":
            leg["date"] = min(leg.get("date", row.value), row.value)
        elif row.prop == "name":
            leg["flight"] = row.value
    found = sorted((leg for leg in legs.values() if "origin" in leg and "destination" in leg),
                   key=lambda leg: (leg.get("date", ""), leg["trip"]))
    audit.log_event(store, viewer, "travel.itinerary", {"id": entity_id}, [leg["trip"] for leg in found])
    return found
