"""The agencies Nexus knows, so that a mistyped code names no agency that does not exist.

An administrator registers an agency with its name (a foreign partner FIU that has no users or sources
here, or any agency, to name it); an agency is known without that too when users of it work here or when it
supplied a source: what a workspace held before the registry existed keeps working. A code a source's data is
releasable to is not enough: anyone who loads data writes that list, and a typo there would make a known agency.
A case's team member and a package's recipient must be known agencies.
"""

from collections.abc import Iterable
from difflib import get_close_matches

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from nexus.errors import Conflict, InvalidInput
from nexus.model.labels import check_text, checked_agency
from nexus.security import audit
from nexus.security.policy import may, require
from nexus.security.viewer import Viewer
from nexus.store import Store, utc_now
from nexus.store.schema import agencies, sources, users

__all__ = ["list_agencies", "register_agency", "require_known_agencies"]

A = agencies.c
MANAGE = "users.manage"  # the administrator's: users, agencies, clearances
MAX_NAME = 255


def register_agency(store: Store, admin: Viewer, code: str, name: str) -> dict:
    """Register an agency by its code and name (an administrator); a code registered already is a Conflict."""
    require(admin, MANAGE)
    row = {"code": checked_agency(code, "code"), "name": _checked_name(name),
           "registered_by": admin.user, "registered_at": utc_now()}
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(agencies).values(**row))
            audit.append(conn, admin, "agencies.add", {"agency": row["code"], "name": row["name"]}, [row["code"]])
    except IntegrityError:
        raise Conflict(f"agency {row['code']} is registered already") from None
    return row


def list_agencies(store: Store, viewer: Viewer) -> list[dict]:
    """Every known agency by code: its registered name (None when it is known only through users or sources) and
    what makes it known (registered, users, sources). Who registered it, and the agencies known from sources alone
    (a source a reader may not see names its agency), are the administrators' to see."""
    administrator = may(viewer, MANAGE)
    if not administrator:
        require(viewer, "read")
    with store.engine.connect() as conn:
        registered = {r["code"]: dict(r) for r in conn.execute(select(agencies)).mappings()}
        by_users = _user_agencies(conn)
        by_sources = _source_agencies(conn) if administrator else set()
    if not administrator:
        registered = {code: row | {"registered_by": None, "registered_at": None} for code, row in registered.items()}
    result = []
    for code in sorted(registered.keys() | by_users | by_sources):
        row = registered.get(code, {"code": code, "name": None, "registered_by": None, "registered_at": None})
        known_from = [why for why, codes in (("registered", registered), ("users", by_users),
                                             ("sources", by_sources)) if code in codes]
        result.append(row | {"known_from": known_from})
    audit.log_event(store, viewer, "agencies.list", {}, [r["code"] for r in result])
    return result


def require_known_agencies(conn: Connection, codes: Iterable[str], field: str) -> None:
    """InvalidInput naming ``field``, the first of ``codes`` (checked for form already) that is no known agency
    and the known code closest to it, if one is close."""
    known = _known(conn)
    for code in codes:
        if code not in known:
            close = get_close_matches(code, sorted(known), n=1, cutoff=0.75)
            hint = f"did you mean {close[0]}?" if close else \
                "an administrator registers an agency with `nexus agencies add CODE --name NAME`"
            raise InvalidInput(f"{code} is not a known agency; {hint}", field=field)


def _checked_name(name: str) -> str:
    check_text(name, "name")
    name = (name or "").strip()
    if not 0 < len(name) <= MAX_NAME:
        raise InvalidInput(f"must be 1 to {MAX_NAME} characters", field="name")
    return name


def _known(conn: Connection) -> set[str]:
    return set(conn.execute(select(A.code)).scalars()) | _user_agencies(conn) | _source_agencies(conn)


def _user_agencies(conn: Connection) -> set[str]:
    return set(conn.execute(select(users.c.agency).distinct()).scalars())


def _source_agencies(conn: Connection) -> set[str]:
    """The agencies that supplied a source."""
    return set(conn.execute(select(sources.c.agency).distinct()).scalars())

