"""Phonetic keys for name tokens.

`skeleton` is a consonant key built for names that travel between scripts: vowels
(which Arabic and Hebrew scripts mostly do not write) are dropped, consonant digraphs
that transliteration systems spell differently are folded (kh/h, sh/s, th/t, ph/f,
q/k/c, z/s, w/v), doubled letters collapse and a final "h" is dropped. Muhammad,
Mohammed and محمد share "mhmd"; Hussein, Husayn and حسين share "hsn"; Yusuf, Youssef
and يوسف share "ysf". A leading y/w is kept so that Yusuf and Asif stay apart.

`coarse_skeleton` folds further, for comparisons across scripts only.

`metaphone` is rigour's Double-Metaphone-style key for Latin text.
"""

import re
from functools import lru_cache

from rigour.text.phonetics import metaphone as _metaphone

_DIGRAPHS = (
    ("tsch", "c"), ("sch", "s"), ("tch", "c"), ("ch", "c"), ("dzh", "j"), ("dj", "j"), ("kh", "h"), ("gh", "g"),
    ("sh", "s"), ("zh", "j"), ("th", "t"), ("dh", "d"), ("ph", "f"), ("ck", "k"),
)
_LETTERS = str.maketrans({"q": "k", "c": "k", "z": "s", "w": "v", "x": "ks"})
_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLES = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """Consonant skeleton of an ASCII token ("" for tokens without letters)."""
    if not token.isalpha():
        return ""
    key = token
    for digraph, replacement in _DIGRAPHS:
        key = key.replace(digraph, replacement)
    head = key[0] if key[0] in "yw" else ""
    key = key.translate(_LETTERS)
    head = head.translate(_LETTERS)
    body = _VOWELS.sub("", key[1:] if head else key)
    key = _DOUBLES.sub(r"\1", head + body)
    if len(key) > 1 and key.endswith("h"):
        key = key[:-1]
    return key


@lru_cache(maxsize=200_000)
def q_as_g_skeleton(token: str) -> str:
    """The skeleton of a token that has a q, read as g ("" if it has none): ق is written q, k or g (Qadhafi ~
    Gaddafi, Qasim ~ Gasim). Only a written q is read so: Kamal and Gamal are different names."""
    return skeleton(token.replace("q", "g")) if "q" in token else ""


_CONSONANTS = re.compile(r"[^aeiouy]")


@lru_cache(maxsize=200_000)
def syllable_shape(token: str) -> str:
    """Where a Latin token's vowels stand among its consonants: "CVCVC" for Tariq, "CVCC" for Turki.

    Consonants are folded as in `skeleton` (digraphs one letter, doubled letters one) and every run of vowels is
    one V; a leading y or w is a vowel (Yusuf ~ Iusuf, Walid ~ Oualid), and a final "h" and a final vowel are
    dropped (Schulze ~ Scholz).
    Transliterations of one name keep their shape (Youssef ~ Yusuf, Mostafa ~ Mustafa); two names that only
    share their consonants often do not (Salma ≁ Salim, Mahmoud ≁ Muhammad).
    """
    if not token.isalpha():
        return ""
    key = token
    for digraph, replacement in _DIGRAPHS:
        key = key.replace(digraph, replacement)
    key = _DOUBLES.sub(r"\1", key.translate(_LETTERS))
    if key[0] in "vy":
        key = "a" + key[1:]
    if len(key) > 1 and key.endswith("h"):
        key = key[:-1]
    return _VOWELS.sub("V", _CONSONANTS.sub("C", key)).removesuffix("V")


_COARSE = str.maketrans({"d": "t", "s": "t", "j": "g"})
# Latin spellings of Arabic sounds: French "ou" before a vowel is w (Djouadi, Rouine), "ch" is sh (Cherif).
_COARSE_SPELLINGS = ((re.compile(r"ou(?=[aeiy])"), "w"), (re.compile(r"ch"), "sh"))


@lru_cache(maxsize=200_000)
def coarse_skeleton(token: str) -> str:
    """A token's skeleton with the consonants Arabic-script names are romanised inconsistently folded together.

    ض ظ ذ ث are written d, z, dh, th, s or t; ج is j or g (Egyptian Ragab). Two parts
    compared across scripts count as sounding alike when these agree.
    """
    for pattern, replacement in _COARSE_SPELLINGS:
        token = pattern.sub(replacement, token)
    return _DOUBLES.sub(r"\1", skeleton(token).translate(_COARSE))


@lru_cache(maxsize=200_000)
def metaphone(token: str) -> str:
    """Metaphone key of an ASCII token ("" for tokens without letters)."""
    return _metaphone(token) if token.isalpha() else ""
