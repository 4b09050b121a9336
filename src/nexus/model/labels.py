"""Security labels carried by every statement (modelled on i2 Analyze's security dimensions).

Every statement has a value in each dimension:
- classification: an ordered level, compared with a user's clearance;
- agency: the originating agency; with ``releasable_to`` it decides which agencies see it;
- compartment: need-to-know (a case or compartment); empty means none;
- originator control (ORCON): only the originating agency may release it further;
- warrant: the warrant or authorization a special investigative technique ran under.
"""

import re
from dataclasses import dataclass, replace
from enum import IntEnum

from nexus.errors import InvalidInput


class Classification(IntEnum):
    UNCLASSIFIED = 0
    RESTRICTED = 1
    CONFIDENTIAL = 2
    SECRET = 3
    TOP_SECRET = 4

    @classmethod
    def parse(cls, value: "str | int | Classification") -> "Classification":
        if isinstance(value, int):
            return cls(value)
        key = value.strip().upper().replace(" ", "_").replace("-", "_")
        try:
            return cls[key]
        except KeyError:
            names = ", ".join(c.name for c in cls)
            raise InvalidInput(f"unknown classification {value!r} (expected one of {names})") from None


ANY_AGENCY = "*"


def agency_code(name: str) -> str:
    return name.strip().upper()


#: The form of an agency's code as people and programs give one (POLICE, INTEL, FIU-NL): what `agency_code` makes
#: of it must match.
AGENCY_CODE = re.compile(r"[A-Z0-9][A-Z0-9_.-]{0,31}")


def check_text(value: str | None, field: str) -> None:
    """Refuse (InvalidInput naming `field`) text a person or program gave with a NUL character in it: no database
    stores one as given (PostgreSQL refuses it) and none is ever silently dropped."""
    if value is not None and "\x00" in value:
        raise InvalidInput("must not contain a NUL character", field=field)


def checked_agency(name: str, field: str = "agency") -> str:
    """The code of an agency a person or program named (`agency_code`), or InvalidInput naming `field` when it is
    empty or not of the form of one (letters and digits, `-`, `_` or `.` after the first, at most 32)."""
    check_text(name, field)
    code = agency_code(name)
    if not AGENCY_CODE.fullmatch(code):
        shown = repr(name) if len(name) <= 40 else repr(name[:40]) + "…"
        raise InvalidInput(f"{shown} is not an agency code: letters and digits (and -, _ or . after the first), at "
                           "most 32, as POLICE or INTEL", field=field)
    return code


def checked_agencies(text: str, field: str = "releasable_to") -> tuple[str, ...]:
    """Comma-separated agency codes (or * for any agency), as `releasable_to` is given; InvalidInput naming `field`
    when it names none or a bad code."""
    check_text(text, field)
    names = [x.strip() for x in text.split(",") if x.strip()]
    if not names:
        raise InvalidInput("name at least one agency (comma-separated), or * for any agency", field=field)
    return tuple(ANY_AGENCY if x == ANY_AGENCY else checked_agency(x, field) for x in names)


@dataclass(frozen=True)
class Labels:
    agency: str
    classification: Classification = Classification.RESTRICTED
    releasable_to: tuple[str, ...] = (ANY_AGENCY,)
    compartment: str | None = None
    orcon: bool = False
    warrant: str | None = None
    legal_basis: str | None = None

    def __post_init__(self) -> None:
        # Agencies are codes: "police" and "POLICE" are one agency in every dimension.
        object.__setattr__(self, "agency", agency_code(self.agency))
        object.__setattr__(self, "releasable_to", tuple(agency_code(a) for a in self.releasable_to))

    def with_overrides(self, **changes: object) -> "Labels":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def releasable_text(self) -> str:
        return ",".join(sorted(self.releasable_to))

    @classmethod
    def from_row(cls, row) -> "Labels":
        """The labels of a stored row (a statement, a source, an alert's evidence): its
        agency, classification, releasable_to, compartment, orcon, warrant and, where the
        row has one, legal_basis columns."""
        return cls(
            agency=row["agency"],
            classification=Classification(row["classification"]),
            releasable_to=tuple(x for x in row["releasable_to"].split(",") if x),
            compartment=row["compartment"],
            orcon=bool(row["orcon"]),
            warrant=row["warrant"],
            legal_basis=row.get("legal_basis"),
        )
