"""Which writing system a name is written in."""

from collections.abc import Iterable

from rigour.text.scripts import text_scripts

LATIN = "Latin"


def name_script(name: str) -> str | None:
    """The dominant script of a name ("Latin", "Arabic", "Cyrillic", …), None if it has no letters.

    A name mixing scripts is attributed to its first non-Latin script: that is the one a
    transliteration has to handle.
    """
    scripts = text_scripts(name)
    if not scripts:
        return None
    if scripts == {LATIN}:
        return LATIN
    for char in name:
        char_scripts = text_scripts(char)
        if char_scripts and char_scripts != {LATIN}:
            return next(iter(char_scripts))
    return LATIN


def name_scripts(names: Iterable[str | None]) -> list[str | None]:
    """`name_script` over a column of names (None stays None)."""
    return [name_script(name) if name else None for name in names]
