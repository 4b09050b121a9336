"""What the resolution records are made of: the FtM properties feeding each field, and
the match keys of every distinct name part.

The records and features themselves are the engine's named queries
(``engine/sql/resolve_records.sql``, ``resolve_features.sql``); this module supplies
their parameters. Name-part keys come from `nexus.names` (`token_ascii`, `metaphone`,
`skeleton`); they are computed once per *distinct* name part, a vocabulary far smaller
than the record count, and joined back in SQL, so the engine does the per-record work.
"""

import pyarrow as pa

from nexus.names import metaphone, skeleton, token_ascii

PERSON = "Person"
ORGANIZATIONS = ("Company", "Organization", "LegalEntity", "PublicBody")

# Identity documents FtM keeps as entities of their own (the UN list's passports, a
# partner service's): their number counts as the holder's, under this pseudo-property.
DOCUMENT_SCHEMATA = ("Passport", "Identification")
DOCUMENT_NUMBER = "documentNumber"

# FtM properties feeding each record field, in order of preference where one is taken.
FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "first_name": ("firstName",),
    "last_name": ("lastName",),
    "birth_date": ("birthDate", "incorporationDate"),
    "country": ("nationality", "citizenship", "jurisdiction", "country"),
    "id_number": ("idNumber", "passportNumber", "taxNumber", "registrationNumber", "innCode", "ogrnCode",
                  DOCUMENT_NUMBER),
    "address": ("address",),
    "phone": ("phone",),
    "email": ("email",),
}

# Tables the resolution queries read and write, by the names in engine/sql/resolve_*.sql.
RECORDS_VIEW = "nx_resolve_records"
NAME_KEYS_VIEW = "nx_resolve_name_keys"
FEATURES_VIEW = "nx_resolve_features"
CLUSTERS_VIEW = "nx_resolve_clusters"


def records_params() -> dict:
    """The parameters of ``resolve_records.sql``."""
    return {
        "kinds": (PERSON, *ORGANIZATIONS),
        "person": PERSON,
        "documents": DOCUMENT_SCHEMATA,
        "document_number": DOCUMENT_NUMBER,
        **{f"{field}_props": props for field, props in FIELDS.items()},
    }


def name_keys(parts: pa.Array) -> pa.Table:
    """ASCII form, metaphone and consonant skeleton of every distinct name part.

    Words are transliterated one by one (`token_ascii`) rather than through the full
    `ascii_names` analysis, which costs about 0.1 ms a name: half a minute on the
    vocabulary of a million corrupted records. Phonetic keys of a part with several
    words ("Ben Ali") are those of the words run together.
    """
    ascii_forms = [" ".join(filter(None, map(token_ascii, part.split()))) for part in parts.to_pylist()]
    compact = [form.replace(" ", "") for form in ascii_forms]
    return pa.table(
        {
            "part": parts.cast(pa.string()),
            "ascii": pa.array([form or None for form in ascii_forms], pa.string()),
            "metaphone": pa.array([metaphone(c) or None for c in compact], pa.string()),
            "skeleton": pa.array([skeleton(c) or None for c in compact], pa.string()),
        }
    )
