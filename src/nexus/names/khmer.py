"""Khmer script to Latin letters, the way Cambodian names are romanised (Hun Sen, Pol Pot).

ICU has no Khmer transliterator, so this is a letter table after the UNGEGN/French
conventions that Latin spellings of Cambodian names follow. Khmer writes a consonant's
vowel only when it is not the inherent one: a consonant followed directly by another
consonant (not subscript) gets the inherent vowel of its series, "a" or "o" (ពត → "pot").
A subscript consonant (after the coeng sign) and a word-final one get none. The
muusikatoan sign turns ប "b" into "p" (ប៉ុល → "pul", Pol).
"""

_CONSONANTS = {  # letter: (Latin, inherent vowel of its series)
    "ក": ("k", "a"), "ខ": ("kh", "a"), "គ": ("k", "o"), "ឃ": ("kh", "o"), "ង": ("ng", "o"),
    "ច": ("ch", "a"), "ឆ": ("chh", "a"), "ជ": ("ch", "o"), "ឈ": ("chh", "o"), "ញ": ("nh", "o"),
    "ដ": ("d", "a"), "ឋ": ("th", "a"), "ឌ": ("d", "o"), "ឍ": ("th", "o"), "ណ": ("n", "a"),
    "ត": ("t", "a"), "ថ": ("th", "a"), "ទ": ("t", "o"), "ធ": ("th", "o"), "ន": ("n", "o"),
    "ប": ("b", "a"), "ផ": ("ph", "a"), "ព": ("p", "o"), "ភ": ("ph", "o"), "ម": ("m", "o"),
    "យ": ("y", "o"), "រ": ("r", "o"), "ល": ("l", "o"), "វ": ("v", "o"), "ឝ": ("s", "a"),
    "ឞ": ("s", "a"), "ស": ("s", "a"), "ហ": ("h", "a"), "ឡ": ("l", "a"), "អ": ("", "a"),
}
_VOWELS = {
    "ា": "a", "ិ": "i", "ី": "i", "ឹ": "oe", "ឺ": "eu", "ុ": "u", "ូ": "ou", "ួ": "uo", "ើ": "ae",
    "ឿ": "oea", "ៀ": "ie", "េ": "e", "ែ": "ae", "ៃ": "ai", "ោ": "ao", "ៅ": "au", "ំ": "m", "ះ": "h",
    "ឥ": "e", "ឦ": "ei", "ឧ": "o", "ឩ": "ou", "ឪ": "au", "ឫ": "rue", "ឬ": "rue", "ឭ": "lue",
    "ឮ": "lue", "ឯ": "ae", "ឰ": "ai", "ឱ": "ao", "ឲ": "ao", "ឳ": "au",
}
_COENG = "\u17d2"
_MUUSIKATOAN = "\u17c9"
_DIGITS = {chr(0x17E0 + d): str(d) for d in range(10)}


def is_khmer(char: str) -> bool:
    return "\u1780" <= char <= "\u17ff" or "\u19e0" <= char <= "\u19ff"


def khmer_to_latin(token: str) -> str:
    out: list[str] = []
    for i, char in enumerate(token):
        if char in _CONSONANTS:
            latin, inherent = _CONSONANTS[char]
            following = token[i + 1 : i + 2]
            if char == "ប" and following == _MUUSIKATOAN:
                latin = "p"
            subscript = token[i - 1 : i] == _COENG
            if not subscript and following in _CONSONANTS:
                latin += inherent
            out.append(latin)
        else:
            out.append(_VOWELS.get(char) or _DIGITS.get(char, ""))  # other signs change vowel quality only
    return "".join(out)
