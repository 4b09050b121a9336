"""The part rules written out for one pair at a time: a test oracle for `PartTable.matches`, never used by src."""

from dataclasses import replace

from jellyfish import damerau_levenshtein_distance, levenshtein_distance

from nexus.names.config import SCORING
from nexus.names.part_rules import (
    ACRONYM, ARTICLE, COMPOUND, EXACT, FUZZY, INITIAL, NONE, NUMBER, PHONETIC, SYMBOL,
    compound, fuzzy_similarity, is_given_name, numbers, onset,
)
from nexus.names.part_table import bare_of, tail_of
from nexus.names.parts import Part, PartKind
from nexus.names.phonetic import coarse_skeleton, q_as_g_skeleton, syllable_shape


def oracle_similarity(a: Part, b: Part, config=SCORING) -> tuple[float, str]:
    score, how = _without_articles(a, b, config)
    bare_a, bare_b = bare_of(a), bare_of(b)
    if a.text != b.text and (bare_a or bare_b):
        bare_score = oracle_similarity(bare_a or a, bare_b or b, config)[0]
        if bare_score > score:
            return bare_score, ARTICLE
    return score, how


def _without_articles(a: Part, b: Part, config) -> tuple[float, str]:
    if a.text == b.text:
        return 1.0, EXACT
    if _abbreviates(a, b) or _abbreviates(b, a):
        return config.acronym_score, ACRONYM
    tail_a, tail_b = tail_of(a), tail_of(b)
    if tail_a is not None and tail_b is not None and compound(a.text)[0] == compound(b.text)[0]:
        return oracle_similarity(tail_a, tail_b, config)
    score, how = _plain(a, b, config)
    if (tail_a is None) != (tail_b is None):
        tail_score = oracle_similarity(tail_a or a, tail_b or b, config)[0] * config.compound_tail_factor
        if tail_score > score:
            return tail_score, COMPOUND
    return score, how


def _abbreviates(short: Part, long: Part) -> bool:
    return short.kind is PartKind.NAME and short.text in long.acronyms


def _plain(a: Part, b: Part, config) -> tuple[float, str]:
    cross = a.latin != b.latin
    arabic = (a.latin and b.arabic) or (a.arabic and b.latin)
    coarse_a, coarse_b = coarse_skeleton(a.text), coarse_skeleton(b.text)
    related = (
        a.text[:1] == b.text[:1]
        or (a.skeleton[:1] == b.skeleton[:1] and bool(a.skeleton))
        or (a.metaphone[:1] == b.metaphone[:1] and bool(a.metaphone))
        or (arabic and bool(coarse_a) and coarse_a[:1] == coarse_b[:1])
        or (a.kind is PartKind.NUMERIC and b.kind is PartKind.NUMERIC)
        or (bool(a.symbols) and bool(b.symbols))
    )
    if not related:
        return 0.0, NONE
    if a.kind is PartKind.NUMERIC or b.kind is PartKind.NUMERIC:
        same = a.kind is b.kind and bool(numbers(a) & numbers(b))
        return (1.0, NUMBER) if same else (0.0, NONE)
    if a.kind is PartKind.INITIAL or b.kind is PartKind.INITIAL:
        initial, other = (a, b) if a.kind is PartKind.INITIAL else (b, a)
        return (config.initial_score, INITIAL) if other.text[:1] == initial.text else (0.0, NONE)
    shared = bool(a.symbols & b.symbols)
    same_start = (onset(a) == "V") == (onset(b) == "V")
    known_apart = not shared and is_given_name(a) and is_given_name(b)
    best = fuzzy_similarity(a.text, b.text, within_edits_only=known_apart)
    how = FUZZY if best > 0 else NONE
    if shared and config.symbol_score > best:
        best, how = config.symbol_score, SYMBOL
    shaped = cross or syllable_shape(a.text) == syllable_shape(b.text) or damerau_levenshtein_distance(a.text, b.text) <= 1
    same_sound = (
        (len(a.skeleton) >= 2 and a.skeleton == b.skeleton and (onset(a) == onset(b) if a.latin and b.latin else same_start) and shaped)
        or (len(a.metaphone) >= 3 and a.metaphone == b.metaphone and shaped)
        or (arabic and bool(coarse_a) and coarse_a == coarse_b and same_start)
        or ((_q_as_g(a, b) or _q_as_g(b, a)) and shaped)
    )
    sound_score = config.cross_script_phonetic_score if cross else config.phonetic_score
    if same_sound and sound_score > best:
        best, how = sound_score, PHONETIC
    near = arabic and same_start and not same_sound and min(len(coarse_a), len(coarse_b)) >= 3 and levenshtein_distance(coarse_a, coarse_b) <= 1
    if near and config.cross_script_near_score > best:
        best, how = config.cross_script_near_score, PHONETIC
    return best, how




def _q_as_g(a: Part, b: Part) -> bool:
    q_skeleton = q_as_g_skeleton(a.text)
    return len(q_skeleton) >= 2 and q_skeleton == b.skeleton and onset(replace(a, skeleton=q_skeleton)) == onset(b)
