"""The small rules part similarity is built from: edit budgets, onsets, compound tails, kinds of match.

`nexus.names.part_table.PartTable` applies them to arrays of part ids; nothing else
scores part pairs.
"""

from jellyfish import damerau_levenshtein_distance, jaro_winkler_similarity

from nexus.names.config import SCORING, ScoringConfig
from nexus.names.parts import Part, PartKind, Role

EXACT, ACRONYM, NUMBER, SYMBOL, PHONETIC, FUZZY, INITIAL, COMPOUND, ARTICLE, NONE = (
    "exact", "acronym", "number", "symbol", "phonetic", "fuzzy", "initial", "compound", "article", "none"
)
#: Every kind of match, in the order of their codes in `PartTable.matches`.
HOWS = (EXACT, ACRONYM, NUMBER, SYMBOL, PHONETIC, FUZZY, INITIAL, COMPOUND, ARTICLE, NONE)
_ONSET_VOWELS = frozenset("aeiouy")
_ANCHOR_KINDS = frozenset({PartKind.NAME, PartKind.PATRONYMIC, PartKind.NUMERIC})
_COMPOUND_HEADS = ("abd", "abu")
_COMPOUND_SUFFIXES = ("uddin", "ullah")  # as `parts` joins them
#: A compound's tail needs this many letters to count on its own (Abd al-Ghafur ~ Ghafur, not Abdi ~ i).
MIN_TAIL = 3


def max_edits(length: int) -> int:
    """Edits allowed between two parts whose longer one has `length` letters."""
    return 0 if length < 4 else 1 if length < 8 else 2 if length < 12 else 3


def numbers(part: Part) -> frozenset[str]:
    return frozenset(s for s in part.symbols if s.startswith("[NUM:"))


def onset(part: Part) -> str:
    """How a part begins: "V" for a vowel (y counts as one), else its skeleton's first consonant.

    An equal consonant skeleton counts across scripts always (Muhammad ~ محمد); in Latin
    script only if both begin alike (Usman ~ Ousmane, Jokhar ~ Dzhokhar, but Moorev ≁ Umarov).
    """
    return "V" if part.text[:1] in _ONSET_VOWELS else part.skeleton[:1]


def is_given_name(part: Part) -> bool:
    """A Latin-script given name rigour knows: two such names without a shared symbol are known apart."""
    return part.given_name and part.role is not Role.FAMILY


def is_anchor(part: Part) -> bool:
    """Whether the part can anchor a match (not a particle, legal form or initial)."""
    return part.kind in _ANCHOR_KINDS


def compound(text: str) -> tuple[str, str] | None:
    """(head, the name it is built on) of a compound: "abdghafur" → ("abd", "ghafur"), "salahuddin" → ("uddin", "salah").

    A middle name dropped or the name order rotated can leave the head on another word
    or on none (Abu Zayd Umar → Abu Umar), and a misspelt suffix is not joined (Salah
    Eddne), so a compound also matches the name it is built on, discounted. Two
    compounds with the same head differ by what they are built on alone: the head is
    shared by thousands of names (Abdelaziz ≁ Abdullatif).
    """
    if text.startswith(_COMPOUND_HEADS) and len(text) >= len("abd") + MIN_TAIL:
        return text[:3], text[3:]
    if text.endswith(_COMPOUND_SUFFIXES) and len(text) >= len("uddin") + MIN_TAIL:
        return text[-5:], text[:-5]
    return None


_GLUED_ARTICLES = ("al", "el")
#: A name after a glued article needs this many letters (Alhuthi ~ al-Huthi; Alan and Elias keep theirs).
MIN_AFTER_ARTICLE = 4


def without_article(part: Part) -> str | None:
    """A Latin name part's text without an Arabic article written joined to it ("alhuthi" → "huthi"), if it has one.

    Analysis drops a free-standing article (al-Huthi is Huthi), but cannot tell a glued one from a name that begins
    with the same letters; so the part matches the name after it as well (`PartTable.matches`). A given name rigour
    knows (Albert, Elena) has none.
    """
    if part.kind is not PartKind.NAME or not part.latin or part.given_name:
        return None
    head = part.text[:2]
    rest = part.text[2:]
    return rest if head in _GLUED_ARTICLES and len(rest) >= MIN_AFTER_ARTICLE and rest.isalpha() else None


def fuzzy_similarity(a: str, b: str, within_edits_only: bool = False, config: ScoringConfig = SCORING) -> float:
    """Edit-distance similarity of two part texts: (1 - edits/length) to the power of edits.

    One edit is a typo and costs its share of the letters (Glencore ~ Glenmore 0.88);
    each further edit compounds, as two edits often make a different name (Petrushev ~
    Patrushov 0.60). Beyond the edit budget a shared beginning still counts, discounted
    (Merkel ~ Merkur), unless the two are given names known apart (Tigran ≁ Tiger).
    """
    longest = max(len(a), len(b))
    edits = damerau_levenshtein_distance(a, b)
    if edits <= max_edits(longest):
        return (1.0 - edits / longest) ** edits
    if min(len(a), len(b)) >= 4 and not within_edits_only:
        jw = jaro_winkler_similarity(a, b)
        if jw >= config.jaro_winkler_floor:
            return (jw - config.jaro_winkler_discount) ** 2
    return 0.0
