"""A case's states, the chain of custody's actions, and the checks on what a user types into a case."""

import re
from datetime import date

from nexus.errors import InvalidInput
from nexus.model.labels import ANY_AGENCY, agency_code

OPEN, CLOSED = "open", "closed"
STATES = (OPEN, CLOSED)

# What the chain of custody records of a file: its arrival, each reading, each release, each refusal.
ADDED, VIEWED, EXPORTED, DISSEMINATED, REFUSED = "added", "viewed", "exported", "disseminated", "refused"
CUSTODY_ACTIONS = (ADDED, VIEWED, EXPORTED, DISSEMINATED, REFUSED)

AGENCY = re.compile(r"[A-Z0-9][A-Z0-9_.\-]{0,63}")
MAX_TITLE = 500
MAX_TEXT = 100_000


def text(field: str, value: str | None, required: bool = True, limit: int = MAX_TEXT) -> str:
    """``value`` stripped; InvalidInput naming ``field`` when it is required and empty, or too long."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{field} must not be empty")
    if len(value) > limit:
        raise InvalidInput(f"{field} is {len(value):,} characters long; at most {limit:,}")
    return value


def agency(value: str, field: str = "agency") -> str:
    """An agency code (upper case): letters, digits, '_', '.', '-'; never '*' (any agency) or a list."""
    code = agency_code(value or "")
    if code == ANY_AGENCY or not AGENCY.fullmatch(code):
        raise InvalidInput(f"{field} {value!r} is not an agency code (letters, digits, '_', '.' or '-')")
    return code


def state(value: str) -> str:
    if value not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}, not {value!r}")
    return value


def due_date(value: str | date | None) -> str | None:
    """A task's due date as YYYY-MM-DD."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InvalidInput(f"due must be a date as YYYY-MM-DD, not {value!r}") from None


def releasable(values: str | list[str] | tuple[str, ...], field: str = "releasable_to") -> tuple[str, ...]:
    """Agency codes, as a list or comma-separated; '*' is any agency."""
    items = values.split(",") if isinstance(values, str) else list(values)
    codes = {ANY_AGENCY if item.strip() == ANY_AGENCY else agency(item, field) for item in items if item.strip()}
    if not codes:
        raise InvalidInput(f"{field} must name at least one agency (or '*' for any)")
    return tuple(sorted(codes))


MEDIA_TYPE = re.compile(r"[\w.+\-]+/[\w.+\-]+(\s*;.*)?")


def media_type(value: str) -> str:
    value = (value or "").strip().lower()
    if not MEDIA_TYPE.fullmatch(value) or len(value) > 255:
        raise InvalidInput(f"media_type {value!r} is not a media type such as image/jpeg")
    return value


def filename(value: str) -> str:
    """The file's own name: no folders, no control characters."""
    name = text("filename", (value or "").replace("\\", "/").rsplit("/", 1)[-1], limit=255)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name) or name in (".", ".."):
        raise InvalidInput(f"filename {value!r} is not a file name")
    return name
