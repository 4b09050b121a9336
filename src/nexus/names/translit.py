"""Transliteration of one name token to lower-case ASCII.

Arabic and Persian script is mapped with our own letter table rather than ICU's
scholarly romanisation: long vowels become vowels, short-vowel marks become vowels,
the attached article (ال) and the tāʾ marbūṭa are handled the way Latin spellings of
Arabic names treat them (أسامة → "asama", الظواهري → "zawahiri"-like forms). Khmer, which
ICU cannot transliterate, has its own table too (`nexus.names.khmer`). Every other
script goes through rigour's `ascii_text` (ICU-backed; Cyrillic gets rigour's spellings,
e.g. Шевченко → shevchenko).
"""

import re
from functools import lru_cache

from rigour.text.translit import ascii_text

from nexus.names.khmer import is_khmer, khmer_to_latin

_ARABIC_LETTERS = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ء": "", "ؤ": "u", "ئ": "i",
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "a", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "ة": "a", "ى": "a", "پ": "p", "چ": "ch", "ژ": "zh", "گ": "g", "ک": "k",
    "ی": "i", "ـ": "",
    "\u064e": "a", "\u064f": "u", "\u0650": "i", "\u064b": "an", "\u064c": "un",
    "\u064d": "in", "\u0652": "", "\u0670": "a",
}
_SHADDA = "\u0651"
_WAW = "و"
_YEH = ("ي", "ی")
_ALIF = ("ا", "أ", "إ", "آ")
_ARABIC_ARTICLE = "ال"
_TATWEEL = "ـ"
_BEFORE_VOWEL = (*_ALIF, "ة", "ى", _WAW, *_YEH)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Digits written for look-alike letters inside a word ("Ig0r Sech1n"); codes such as "AR16" keep theirs.
_LOOKALIKE_DIGITS = re.compile(r"(?<=[a-z])[013457](?=[a-z])")
_LOOKALIKE_LETTERS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"}


_ALLAH = "الله"
_HEH = "ه"


def _arabic_to_latin(token: str) -> str:
    token = token.replace(_TATWEEL, "")  # a stretch of the line between letters, not a letter
    if token == _ALLAH:
        return "allah"
    if token.startswith(_ARABIC_ARTICLE) and len(token) > 3:
        token = token[2:]
    if token.endswith(_HEH) and len(token) == 2:
        return _ARABIC_LETTERS.get(token[0], token[0]) + "aha"  # two consonants, short vowels unwritten: طه Taha
    if token.endswith(_HEH) and len(token) > 2:
        token = token[:-1] + "ة"  # a final heh after a consonant is mostly the vowel (Persian zadeh)
    out: list[str] = []
    for i, char in enumerate(token):
        if char == _SHADDA:
            if out:
                out.append(out[-1][-1:])
        elif char == _WAW or char in _YEH:
            # A consonant at the start, beside an alif (Marwan, Zawahiri) or before another vowel
            # letter (Slewa, Aweys), else a long vowel.
            beside_vowel = token[i + 1 : i + 2] in _BEFORE_VOWEL or token[i - 1 : i] in _ALIF
            if i == 0 or beside_vowel:
                out.append("w" if char == _WAW else "y")
            else:
                out.append("u" if char == _WAW else "i")
        else:
            out.append(_ARABIC_LETTERS.get(char, char))
    return "".join(out)


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f" or "\ufb50" <= char <= "\ufeff"


def is_arabic(text: str) -> bool:
    """Whether the text has a letter of the Arabic script (Arabic, Persian, Pashto, Urdu)."""
    return any(_is_arabic(char) for char in text)


@lru_cache(maxsize=200_000)
def token_ascii(token: str) -> str:
    """Lower-case ASCII letters and digits of one name token ('' if nothing survives)."""
    token = token.casefold()
    if not token.isascii():
        if any(_is_arabic(char) for char in token):
            token = _arabic_to_latin(token)
        elif any(is_khmer(char) for char in token):
            token = khmer_to_latin(token)
        if not token.isascii():
            token = ascii_text(token).lower()
    token = _NON_ALNUM.sub("", token)
    if not token.isalpha() and not token.isdigit():
        token = _LOOKALIKE_DIGITS.sub(lambda m: _LOOKALIKE_LETTERS[m.group()], token)
    return token
