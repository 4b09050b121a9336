"""Every tuning constant of name matching and screening, in one frozen object.

`SCORING` is the configuration production code uses; benchmarks and tests may build
another with `dataclasses.replace(SCORING, field=value)` and give it to a `PartTable`
or to a function that takes `config` (screening's index builds its part table with
`SCORING`). Part similarities, part weights and penalties are read by
`nexus.names.similarity` and `nexus.names.parts`; the evidence weights and the name
ceiling by `nexus.screen.evidence`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoringConfig:
    # Part similarity by kind of evidence (`nexus.names.similarity`).
    symbol_score: float = 0.9
    acronym_score: float = 0.9
    phonetic_score: float = 0.88
    #: Below anchor_similarity: an initial alone cannot anchor a match (N.N. is not Nursultan Nazarbayev).
    initial_score: float = 0.75
    jaro_winkler_floor: float = 0.85
    jaro_winkler_discount: float = 0.1
    #: Across scripts (short vowels unwritten), an equal consonant skeleton is the best evidence there is.
    cross_script_phonetic_score: float = 0.93
    #: Across scripts, two parts whose coarse consonant skeletons are one consonant apart (رجب ~ Ragab).
    cross_script_near_score: float = 0.8
    #: An Abd-/Abu- compound against its tail alone scores the tail's similarity times this (Abu Omar ~ Umar).
    compound_tail_factor: float = 0.75
    #: A compound whose head alone is written in the other name, its tail matched apart (Abdul Khadem ~ Abdul Rauf Khadem).
    compound_head_score: float = 0.5
    #: A pair needs one proper name part (not a particle, legal form or initial) matched this well.
    anchor_similarity: float = 0.8

    # Name score: weights of parts and penalties.
    name_weight: float = 1.0
    patronymic_weight: float = 0.7
    initial_weight: float = 0.5
    particle_weight: float = 0.2
    legal_weight: float = 0.4
    numeric_weight: float = 1.3
    #: Family names are steadier than given names: John Smith vs. John Gruber are clearly distinct.
    family_factor: float = 1.3
    #: An extra part (a middle name, a second family name) lowers the score, but less than a mismatch.
    unmatched_weight: float = 0.6
    #: A middle part left out (the other name wholly matched, this one's first and last parts too) counts less still.
    middle_weight: float = 0.4
    #: ... where "matched" means at least this similar (exact or a known variant, not a guess by sound).
    middle_sure_similarity: float = 0.95
    #: A name so matched whose parts weigh at least this (a given and a family name) has the other's extra parts
    #: count as middle ones wherever they stand: so specific a match is not undone by more names.
    specific_weight: float = 2.3
    #: ... but a query name the list would carry by chance (`common_name_expected`) needs this much (three names).
    common_specific_weight: float = 3.0
    number_mismatch_factor: float = 0.5
    patronymic_mismatch_factor: float = 0.7
    #: Two names are taken to be the same at this name score.
    name_match_threshold: float = 0.8

    # Screening evidence (`nexus.screen.evidence`).
    #: A name alone, however exact, scores at most this: a name match is a lead, not a certainty.
    name_ceiling: float = 0.85
    #: A weak alias (the list's "low quality" a.k.a.) has its name score scaled by this: alone, only
    #: a (near) exact weak alias is a hit; a birth date or nationality that agrees carries a looser one.
    weak_alias_factor: float = 0.85
    #: A listed name written in another script than the query's (a Latin query against the Arabic
    #: original), where the list also writes the entity's name in the query's script, has its name
    #: score scaled by this: the list's own transliteration is the better witness, and skeletons
    #: across scripts match unrelated names (Aïssatou Touré ~ عزت ابراهيم الدوري).
    transliterated_factor: float = 0.9
    #: A query name the listed entities would carry at least this many times by chance, its parts taken as
    #: independent (listed × Π carriers of the part / listed), says little about which person is meant (Omar
    #: Hassan, Ahmed Nasser): its name score is scaled by `common_name_factor`.
    common_name_expected: float = 1.0
    common_name_factor: float = 0.9
    #: Below this many listed entities in the index, how common a part is cannot be told from the lists.
    common_name_min_entities: int = 500
    dob_exact: float = 0.12
    dob_compatible: float = 0.05
    dob_contradicts: float = -0.30
    document_equal: float = 0.30
    country_agrees: float = 0.03
    country_contradicts: float = -0.10
    gender_contradicts: float = -0.20
    #: A query carrying one of a listed person's document numbers and one of their birth dates to the day is that
    #: person's identity, whatever its name (a listed person travelling on their own passport under an assumed
    #: name, a forged identity built on a listed document): its hit scores at least this, a hit at the threshold.
    #: A contradicting nationality or gender does not undo it (they are the facts a forger changes, or a data-entry
    #: slip); the explanation says they contradict, for the reviewer.
    document_identity: float = 0.90
    #: ... where the document number, normalised (letters and digits), has at least this many characters: shorter
    #: numbers (the UN list's "4302", "55130") are shared by too many documents to identify anyone.
    document_identity_min_length: int = 6

    @property
    def screen_threshold(self) -> float:
        """A name at the name-match threshold, with nothing else known, is just a hit."""
        return round(self.name_match_threshold * self.name_ceiling, 2)


SCORING = ScoringConfig()
