"""What the resolution records are made of: the FtM properties feeding each field, and
the match keys of every distinct name part.

The records and features themselves are the engine's named queries
(``engine/sql/resolve_records.sql``, ``resolve_features.sql``); this module supplies
their parameters. Name-part keys come from `nexus.names` (`token_ascii`, `metaphone`,
`skeleton`); they are computed once per *distinct* name part, a vocabulary far smaller
than the record count, and joined back in SQL, so the engine does the per-record work.
"""

import pyarrow as pa

from nexus.model import matching
from nexus.names import metaphone, skeleton, token_ascii

PERSON = "Person"
ORGANIZATIONS = ("Company", "Organization", "LegalEntity", "PublicBody")

# A held identity document's numbers count as its holder's, under this pseudo-property.
DOCUMENT_NUMBER = "documentNumber"

# The properties feeding each record field (`nexus.model.matching` decides which
# properties identify; the record structure adds the name parts). Where one value is
# taken, the query takes the least.
FIELDS: dict[str, frozenset[str]] = {
    "name": frozenset({"name"}),
    "first_name": frozenset({"firstName"}),
    "last_name": frozenset({"lastName"}),
    # An organisation's founding date stands where a person's birth date does.
    "birth_date": matching.BIRTH_DATES | {"incorporationDate"},
    "country": matching.NATIONALITIES,
    "id_number": matching.IDENTIFIERS | {DOCUMENT_NUMBER},
    "address": frozenset({"address"}),
    "phone": matching.PHONES,
    "email": matching.EMAILS,
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
        "documents": matching.DOCUMENT_SCHEMATA,
        "document_numbers": matching.DOCUMENT_NUMBERS,
        "holder": matching.DOCUMENT_HOLDER,
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
