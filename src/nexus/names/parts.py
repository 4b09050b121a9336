"""Name analysis: a name string becomes a tuple of tagged, keyed parts.

Each part carries its ASCII form, consonant skeleton, metaphone key, rigour symbols
(cross-script given-name ids from Wikidata, nicknames, legal-form classes, numbers) and
a kind: an ordinary name part, a patronymic, an initial, a particle (al-, bin, van, de …),
a legal form or a number. Given/family roles come from the FtM properties
(firstName, lastName, …) when a caller has them; a bare name string has none.

Arabic compounds are joined into one part so that spellings agree across scripts and
conventions: "Abd al-Rahman", "Abdul Rahman", "Abdurrahman" and عبد الرحمن all become one
part "abd…rahman" with skeleton "bdrhmn"; "Abu Bakr" and "Abubakar" likewise.

Other rules that look beyond one token (`is_context_token` names their triggers): the name
after bin/ibn/ould is a patronymic; "Forty-Four" is one number, 44. In organisation
names, which are analysed whole: single letters in a row are one word ("A.B.C."), a legal
form glued on is split off ("SiemensAG"), "&" is "and", and every word carries the
acronyms of the runs of words it is in (`Part.acronyms`).
"""

import re
import unicodedata
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache

import numpy as np
from rigour.names import NameTypeTag, remove_person_prefixes, replace_org_types_compare
from rigour.text.scripts import is_latin

from nexus.names.phonetic import metaphone, skeleton
from nexus.names.symbols import token_symbols
from nexus.names.translit import is_arabic, token_ascii


class PartKind(str, Enum):
    NAME = "name"
    PATRONYMIC = "patronymic"
    INITIAL = "initial"
    PARTICLE = "particle"
    LEGAL = "legal"
    NUMERIC = "numeric"


class Role(str, Enum):
    GIVEN = "given"
    FAMILY = "family"
    MIDDLE = "middle"
    PATRONYMIC = "patronymic"
    UNKNOWN = "unknown"


#: "son/daughter of": the name after one (not first in the name) is the father's.
PATRONYMIC_MARKERS = frozenset({"bin", "ibn", "ben", "bn", "bint", "binti", "bte", "ould", "wuld", "wld"})  # bn, wld: بن, ولد
PARTICLES = PATRONYMIC_MARKERS | frozenset(
    "al el ul ad ar as at az bt de da di del della der den dos das du "
    "la le van von ter ten the of and y e et und mac".split()
)
# Free-standing articles, the Arabic "al" as written before sun letters too (ur-Rahman, ad-Din, ash-Shami).
_ARTICLES = frozenset({"al", "el", "ul", "ar", "ur", "ad", "ud", "az", "uz", "ut", "ash"})
_JOINED_ARTICLES = ("al", "el", "ul")
# Titles written before Arabic and Persian names (Dr, Eng., Prof.): not part of the name.
_ARABIC_TITLES = frozenset({"الدكتور", "دكتور", "الدكتورة", "المهندس", "مهندس", "الأستاذ", "الاستاذ"})
# An Arabic word glued to the next one: "محمدعبد" (…عبد before a space), "نورالدین" (ال inside a word).
_GLUED_ABD = re.compile(r"^(\w{2,}?)(عبد)$")
_GLUED_ARTICLE = re.compile(r"^(?!ال)(\w{2,}?)(ال\w{2,})$")
_ABD = re.compile(r"^abd(?:[aeiou]{1,2}l(?=[^aeiou])|[aeiou]{1,2}(?=([rstdzn])\1))")
# Abd with the article, also as written before sun letters (Abdur Rahman, Abdus Samad, Abder Razak, Abden Nour).
_ABD_PREFIXES = frozenset(
    "abd abdu abdo abdou abdul abdel abdal abdol abdoul abdil abdur abdus abdud abdut abduz abdush "
    "abder abdes abden abdez abdar abdas".split()
)
_ABU_PREFIXES = frozenset({"abu", "abou", "abo", "abul", "abil"})
# Second halves of theophoric compounds, written apart or joined: Atiq Allah / Atiqullah, Shams al-Din / Shamsuddin.
_SUFFIXES = {"allah": "ullah", "ullah": "ullah", "ulla": "ullah", "din": "uddin", "deen": "uddin", "eddine": "uddin", "uddin": "uddin"}
_PATRONYMIC = re.compile(r"(?:ovich|evich|ovych|evych|ovitch|evitch|ovna|evna|ivna|ichna|ogly|oglu|ugli|kyzy|qizi)$")


def _combining_marks() -> str:
    """The Basic Multilingual Plane's combining marks as a regex class body.

    Python's `\\w` leaves them out, but they belong to words: Indic, Thai and Khmer vowel
    signs, Arabic harakat, accents written as a separate combining character.
    """
    marks = [chr(c) for c in range(0x10000) if unicodedata.category(chr(c)).startswith("M")]
    return "".join(re.escape(m) for m in marks)


_SPLIT = re.compile(rf"[^\w{_combining_marks()}]+|_")
# Apostrophes in romanised Arabic mark ʿayn or hamza inside one word (Ma'ruf, Sa'd): drop, do not split.
_APOSTROPHES = re.compile(r"(?<=\w)['’‘`ʿʾ](?=\w)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")  # words run together: "VladimirPutin"
_GLUED_CAPS = re.compile(r"(?<=[a-z])(?=[A-Z]{2,}\b)")  # a legal form glued to the name: "SiemensAG"


class NameType(str, Enum):
    PERSON = "person"
    ORGANIZATION = "organization"
    ANY = "any"

    @classmethod
    def of_schema(cls, schema: str | None) -> "NameType":
        if schema == "Person":
            return cls.PERSON
        if schema in (None, "", "LegalEntity", "Thing"):
            return cls.ANY
        return cls.ORGANIZATION

    @property
    def rigour_tag(self) -> NameTypeTag:
        return {self.PERSON: NameTypeTag.PER, self.ORGANIZATION: NameTypeTag.ORG}.get(self, NameTypeTag.ENT)


@dataclass(frozen=True, slots=True)
class Part:
    text: str  # ASCII form, the part's identity
    skeleton: str
    metaphone: str
    symbols: frozenset[str]
    kind: PartKind
    role: Role = Role.UNKNOWN
    # A given name in rigour's reference data, written in Latin script. Across scripts
    # a transliteration may land on another known name (عامر → "aamr", listed as "Amir").
    given_name: bool = False
    # In an organisation's name, the initials of the runs of words this word is in
    # ("United States Department of State": united carries us, usd, …, usdos).
    acronyms: frozenset[str] = frozenset()
    # Written in Latin script: two such parts that begin differently are not the same name
    # because their consonants agree (Moorev ≁ Umarov); across scripts they may be.
    latin: bool = True
    # Written in Arabic script (Arabic, Persian, Pashto, Urdu): consonants its romanisations
    # render inconsistently may be compared coarsely (`nexus.names.phonetic.coarse_skeleton`).
    arabic: bool = False


@dataclass(frozen=True, slots=True)
class AnalyzedName:
    original: str
    name_type: NameType
    parts: tuple[Part, ...]

    @property
    def key(self) -> str:
        """The name's comparable form: its part texts in order."""
        return " ".join(p.text for p in self.parts)

    @property
    def compact(self) -> str:
        """The name written as one word, legal forms left out (PricewaterhouseCoopers)."""
        return "".join(p.text for p in self.parts if p.kind is not PartKind.LEGAL)


def _kind(text: str, symbols: frozenset[str]) -> PartKind:
    if text.isdigit():
        return PartKind.NUMERIC
    if len(text) == 1:
        return PartKind.INITIAL  # before numbers: "V. Putin" is not "5 Putin"
    if any(s.startswith("[NUM:") for s in symbols):
        return PartKind.NUMERIC
    if any(s.startswith("[ORGCLS:") for s in symbols):
        return PartKind.LEGAL
    if text in PARTICLES:
        return PartKind.PARTICLE
    if len(text) > 6 and _PATRONYMIC.search(text):
        return PartKind.PATRONYMIC
    return PartKind.NAME


@lru_cache(maxsize=400_000)
def make_part(text: str, raw: str, name_type: NameType) -> Part:
    """A part from its ASCII text; `raw` (original script) is what rigour's symbol tagger sees."""
    tag = name_type.rigour_tag
    symbols = token_symbols(raw, tag) | (token_symbols(text, tag) if raw != text else frozenset())
    kind = _kind(text, symbols)
    given_name = kind is PartKind.NAME and any(s.startswith("[NAME:") for s in symbols) and is_latin(raw)
    return Part(text, skeleton(text), metaphone(text), symbols, kind, given_name=given_name, latin=is_latin(raw), arabic=is_arabic(raw))


def is_context_token(text: str) -> bool:
    """Whether an ASCII token takes part in a rule spanning tokens.

    `_join_compounds` (Arabic compounds and articles), `_mark_patronymics` (bin, ibn, ould),
    `_join_number_words` (a tens number before a units one). Organisation names have more
    (`_join_initials`, legal forms glued on or spanning words) and are analysed whole.
    """
    return (
        text in _ABD_PREFIXES or text in _ABU_PREFIXES or text in _ARTICLES or text in _SUFFIXES or text.startswith("abd")
        or text in PATRONYMIC_MARKERS or number_value(make_part(text, text, NameType.PERSON)) in NUMBER_TENS
    )  # person-name symbols: the ones batches of person names look up anyway; number words are tagged alike


def split_token(raw: str) -> list[str]:
    """The words of one token split on punctuation, Arabic words glued together apart, titles dropped."""
    out = []
    for piece in _SPLIT.split(raw):
        if not piece or piece in _ARABIC_TITLES:
            continue
        glued = _GLUED_ABD.match(piece) or _GLUED_ARTICLE.match(piece) if _is_arabic_word(piece) else None
        out.extend(glued.groups() if glued else (piece,))
    return out


def _is_arabic_word(piece: str) -> bool:
    return "\u0621" <= piece[0] <= "\u06ff"


def _strip_article(text: str) -> str:
    for article in _JOINED_ARTICLES:
        if text.startswith(article) and len(text) > len(article) + 1:
            return text[len(article):]
    return text


def _join_compounds(texts: list[str]) -> list[str]:
    """Join Abd-/Abu- prefixes and -ullah/-uddin suffixes to their names; drop free-standing articles."""
    if len(texts) >= 2 and (texts[-1] in _ABD_PREFIXES or texts[-1] in _ABU_PREFIXES) and texts[0] not in _ABD_PREFIXES | _ABU_PREFIXES:
        texts = [texts[-1], *texts[:-1]]  # the name was rotated, family name first: "Ghafur Sundus Abd" is Abd al-Ghafur Sundus
    out: list[str] = []
    i = 0
    while i < len(texts):
        text = texts[i]
        prefix = "abd" if text in _ABD_PREFIXES else "abu" if text in _ABU_PREFIXES else None
        if prefix and i + 1 < len(texts):
            j = i + 1
            if texts[j] in _ARTICLES and j + 1 < len(texts):
                j += 1
            out.append(prefix + _strip_article(texts[j]))
            i = j + 1
            continue
        if text in _ARTICLES and i + 1 < len(texts):
            i += 1  # "al-Baghdadi": Arabic script attaches the article, Latin spellings may drop it
            continue
        if text in _SUFFIXES and out:
            out[-1] += _SUFFIXES[text]
            i += 1
            continue
        out.append(_ABD.sub("abd", text) if text.startswith("abd") else text)
        i += 1
    return out


def _join_initials(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Single letters in a row are one word in an organisation's name: "A.B.C." is "ABC", "U.S." is "US"."""
    out: list[tuple[str, str]] = []
    in_run = False
    for text, raw in tokens:
        initial = len(text) == 1 and text.isalpha()
        if initial and in_run:
            out[-1] = (out[-1][0] + text, out[-1][1] + raw)
        else:
            out.append((text, raw))
        in_run = initial
    return out


def number_value(part: Part) -> int | None:
    """The whole number a numeric part stands for ("44", "forty", "fifth", "IV"), if exactly one."""
    values = {s[5:-1] for s in part.symbols if s.startswith("[NUM:")}
    if part.text.isdigit():
        values.add(part.text)
    value = values.pop() if len(values) == 1 else ""
    return int(value) if value.isdigit() else None


#: Tens and units written as two words make one number: "Forty-Four", "forty 4" → 44.
NUMBER_TENS = frozenset(range(20, 100, 10))


def _join_number_words(parts: tuple[Part, ...], name_type: NameType) -> tuple[Part, ...]:
    """A tens number followed by a units number becomes one part: "Forty-Four" is "44"."""
    out: list[Part] = []
    for part in parts:
        tens = number_value(out[-1]) if out and out[-1].kind is PartKind.NUMERIC else None
        units = number_value(part) if part.kind is PartKind.NUMERIC else None
        if tens in NUMBER_TENS and units is not None and 1 <= units <= 9:
            out[-1] = make_part(str(tens + units), str(tens + units), name_type)
        else:
            out.append(part)
    return tuple(out)


#: Acronyms are taken of runs of up to this many words, and of the whole name.
ACRONYM_RUN = 3


def _with_acronyms(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """Each name word with the initials of the runs of name words it is in, and of the whole name.

    The whole name's acronym is also taken with its particles ("Bank of America": ba, boa).
    """
    words = [i for i, p in enumerate(parts) if p.kind is PartKind.NAME and len(p.text) > 2]  # "SB Bank" is no run
    runs = [words[i : i + n] for n in range(2, ACRONYM_RUN + 1) for i in range(len(words) - n + 1)]
    acronyms: dict[int, set[str]] = {i: set() for i in words}
    for run in runs:
        for i in run:
            acronyms[i].add("".join(parts[j].text[0] for j in run))
    if len(words) > ACRONYM_RUN:
        whole = "".join(parts[j].text[0] for j in words)
        for i in words:
            acronyms[i].add(whole)
    if len(words) >= 2:
        spanned = "".join(p.text[0] for p in parts[words[0] : words[-1] + 1] if p.kind in (PartKind.NAME, PartKind.PARTICLE))
        for i in words:
            acronyms[i].add(spanned)
    return tuple(replace(p, acronyms=frozenset(acronyms[i])) if i in acronyms else p for i, p in enumerate(parts))


def _prepare(name: str, name_type: NameType) -> str:
    name = _CAMEL.sub(" ", _APOSTROPHES.sub("", name))
    if name_type is NameType.PERSON:
        return remove_person_prefixes(name.casefold())
    if name_type is NameType.ORGANIZATION:
        return replace_org_types_compare(_GLUED_CAPS.sub(" ", name).replace("&", " and ").casefold())  # AT&T, AT and T
    return name.casefold()


#: Only this many characters of a name are analysed (the API refuses longer names): no name is longer, and a part's
#: letter counts (`part_table.letter_counts`) must stay within int16.
MAX_NAME_CHARS = 1_000


@lru_cache(maxsize=100_000)
def analyze_name(name: str, name_type: NameType = NameType.ANY) -> AnalyzedName:
    """Analyse one name string (its first MAX_NAME_CHARS characters). Cached: screening sees the same names again and again."""
    raws = split_token(_prepare(name[:MAX_NAME_CHARS], name_type))
    texts = [token_ascii(t) for t in raws]
    kept = [(t, r) for t, r in zip(texts, raws, strict=True) if t]
    if name_type is NameType.ORGANIZATION:
        kept = _join_initials(kept)
    joined = _join_compounds([t for t, _ in kept])
    raw_of = dict(kept) if len(joined) == len(kept) else {}
    parts = tuple(make_part(t, raw_of.get(t, t), name_type) for t in joined)
    if not raw_of and not all(is_latin(r) for _, r in kept):
        arabic = any(is_arabic(r) for _, r in kept)  # compounds joined: the script is in no one token
        parts = tuple(replace(p, given_name=False, latin=False, arabic=arabic) for p in parts)
    parts = _join_number_words(parts, name_type)
    if name_type is NameType.ORGANIZATION:
        parts = _with_acronyms(parts)
    if name_type is NameType.PERSON:
        parts = _assume_family(_mark_patronymics(parts), family_first="," in name)
    return AnalyzedName(name, name_type, parts)


def _mark_patronymics(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """"Muhammad bin Salman": Salman is a patronymic, so Salman bin Muhammad is another man."""
    out = list(parts)
    for i in range(1, len(parts) - 1):
        if parts[i].text in PATRONYMIC_MARKERS and parts[i + 1].kind is PartKind.NAME:
            out[i + 1] = replace(parts[i + 1], kind=PartKind.PATRONYMIC)
    return tuple(out)


def _assume_family(parts: tuple[Part, ...], family_first: bool) -> tuple[Part, ...]:
    """Without name-part properties, take the last name part (the first in "FAMILY, Given") as family name."""
    is_name = np.asarray([p.kind is PartKind.NAME for p in parts], dtype=bool)
    out = list(parts)
    for i in family_positions(is_name, np.zeros(len(parts), dtype=np.int64), np.asarray([family_first])).tolist():
        out[i] = _with_role(parts[i], Role.FAMILY)
    return tuple(out)


def family_positions(is_name: np.ndarray, owner: np.ndarray, family_first: np.ndarray) -> np.ndarray:
    """Positions of the parts taken as family names, for parts of many names at once.

    `is_name[i]`: part i is a name part (of a person's name); `owner[i]`: its name's row
    (sorted); `family_first[row]`: the name is written "FAMILY, Given". A name with two or
    more name parts has its last one (its first if family first) as family name.
    """
    named = np.flatnonzero(is_name)
    if len(named) == 0:
        return named
    rows = owner[named]
    per_row = np.bincount(rows, minlength=len(family_first))
    last = named[np.r_[rows[1:] != rows[:-1], True]]
    first = named[np.r_[True, rows[1:] != rows[:-1]]]
    chosen = np.where(family_first[owner[last]], first, last)
    return chosen[per_row[owner[chosen]] >= 2]


@lru_cache(maxsize=400_000)
def _with_role(part: Part, role: Role) -> Part:
    return Part(part.text, part.skeleton, part.metaphone, part.symbols, part.kind, role, part.given_name, part.acronyms, part.latin, part.arabic)


def with_roles(name: AnalyzedName, roles: dict[str, Role]) -> AnalyzedName:
    """The name with roles set on the parts whose ASCII text appears in `roles`.

    Known family names replace the family name `analyze_name` assumed.
    """
    knows_family = Role.FAMILY in roles.values()

    def role(part: Part) -> Role:
        if part.text in roles:
            return roles[part.text]
        return Role.UNKNOWN if knows_family and part.role is Role.FAMILY else part.role

    parts = tuple(_with_role(p, role(p)) for p in name.parts)
    return AnalyzedName(name.original, name.name_type, parts)


def role_map(given: list[str], family: list[str], middle: list[str], patronymic: list[str]) -> dict[str, Role]:
    """ASCII part text → role, from FtM name-part property values."""
    roles: dict[str, Role] = {}
    for values, role in ((given, Role.GIVEN), (middle, Role.MIDDLE), (patronymic, Role.PATRONYMIC), (family, Role.FAMILY)):
        for value in values:
            for token in split_token(value):
                text = token_ascii(token)
                if text:
                    roles[text] = role
    return roles
