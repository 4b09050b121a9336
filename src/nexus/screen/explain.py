"""A hit's features as data, and the text rendered from them.

As in nomenklatura logic-v2's feature results, a hit is explained by its features
(name, birth_date, document, nationality, gender): each has a score (how far it holds,
0..1), a weight (what it adds at score 1; negative when it counts against the hit) and
the values compared, and the hit's score is the sum of score × weight over its features,
clipped to 0..1. The name feature also says which listed name matched (its property,
and whether it is a weak alias) and how each query part aligned with a listed part.
The text explanation is rendered from the features (`render`), so a hit stored as
`features_json` can be shown again as text. A query carrying a listed person's document number
and birth date is that person whatever the name: a `document_identity` feature lifts its hit
to `SCORING.document_identity` and says so (`identity_feature`).

Name features are built for many hits at once: the alignment (each query part with its
most similar listed part, then the listed parts nothing matched) and how each aligned
pair matched come from the vocabulary's part table over arrays.
"""

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import orjson

from nexus.names import compare_dates
from nexus.names.dates import DateAgreement, DateRange
from nexus.names.part_rules import HOWS
from nexus.names.part_table import PartTable
from nexus.names.similarity import NONE, PartMatch, run_ranks, compounds_in_context
from nexus.screen.evidence import SCORING, ScoringConfig
from nexus.screen.index import NameArrays
from nexus.screen.profiles import Profile
from nexus.screen.vocabulary import Vocabulary

if TYPE_CHECKING:
    from nexus.screen.query import PreparedQuery

ONE_WORD = "one word"
WEAK_ALIAS_NOTE = "weak alias: not sufficient on its own, corroborate with birth date, nationality, documents"
TRANSLITERATED_NOTE = "across scripts: the list also writes this name in the query's script"
COMMON_NAME_NOTE = "a common name: each of its parts is on many listed names"
DOCUMENT_IDENTITY = "document_identity"
ANOTHER_NAME = "under another name"
_LABELS = {"birth_date": "birth date", "document": "document number", "nationality": "nationality", "gender": "gender"}


@dataclass(frozen=True)
class Feature:
    feature: str  # name | birth_date | document | nationality | gender | document_identity
    score: float  # how far it holds: a name's similarity 0..1; 1.0 for a fact that holds
    weight: float  # what it adds at score 1 (negative: it counts against the hit)
    outcome: str  # name: "parts" or "one word"; facts: exact, compatible, swapped, contradicts, equal, agrees;
    #               document_identity: "under another name" or "name agrees", then each fact that contradicts
    query: str  # the query's value(s) compared
    listed: str  # the listed value(s) compared
    listed_prop: str = ""  # name: the listed name's property (name, alias, previousName, weakAlias, …)
    weak_alias: bool = False  # name: it rests on a weak alias, not sufficient on its own
    transliterated: bool = False  # name: the listed name is in another script, and the list has one in the query's
    common: bool = False  # name: the query name's parts are all common among the listed names
    parts: tuple[PartMatch, ...] = ()  # name: each query part with the listed part it aligned with

    @property
    def contribution(self) -> float:
        return self.score * self.weight


def name_weights(weak: np.ndarray, transliterated: np.ndarray, common: np.ndarray, config: ScoringConfig = SCORING) -> np.ndarray:
    """The weight of a name feature: the name ceiling, scaled down for a weak alias, for a listed name in another
    script than the query's where the list also writes the entity's name in the query's script, and for a query
    name whose parts are all common among the listed names."""
    return (config.name_ceiling * np.where(weak, config.weak_alias_factor, 1.0)
            * np.where(transliterated, config.transliterated_factor, 1.0)
            * np.where(common, config.common_name_factor, 1.0))


def fact_features(query: "PreparedQuery", profile: Profile, config: ScoringConfig = SCORING) -> list[Feature]:
    """The features of the facts a query and a listed entity both give (birth date, document, nationality, gender)."""
    features = []
    dates = compare_dates(query.birth_dates, profile.birth_dates)
    if dates is not None:
        agreement, ours, theirs = dates
        features.append(Feature("birth_date", 1.0, _dob_weight(agreement, config), agreement.value, _span(ours), _span(theirs)))
    if query.document and query.document in profile.documents:
        features.append(Feature("document", 1.0, config.document_equal, "equal", query.document, query.document))
    if query.countries and profile.countries:
        common = _joined(query.countries & profile.countries)
        if common:
            features.append(Feature("nationality", 1.0, config.country_agrees, "agrees", common, common))
        else:
            features.append(Feature("nationality", 1.0, config.country_contradicts, "contradicts",
                                    _joined(query.countries), _joined(profile.countries)))
    if query.gender and profile.genders and query.gender not in profile.genders:
        features.append(Feature("gender", 1.0, config.gender_contradicts, "contradicts", query.gender, _joined(profile.genders)))
    return features


def corroborating(facts: list[Feature], common_weak_alias: bool) -> list[Feature]:
    """The facts as they count towards a hit: a birth year or range that is only compatible with the listed date does
    not corroborate a weak alias that is also a common name (Hassan, born 1980: many people are), an exact one does."""
    if not common_weak_alias:
        return facts
    return [replace(f, weight=0.0) if f.feature == "birth_date" and f.outcome == DateAgreement.COMPATIBLE.value else f
            for f in facts]


def identity_feature(facts: list[Feature], name_score: float, score: float,
                     config: ScoringConfig = SCORING) -> Feature | None:
    """The document-first floor: where the facts hold one of the listed person's document numbers (of at least
    `document_identity_min_length` characters) and one of their birth dates to the day, the feature lifting the
    hit from `score` (the name's and the facts' contributions) to `config.document_identity`, whatever the name
    scores; None where they do not, or the hit scores the floor already.

    A contradicting nationality or gender leaves the floor standing (a forged identity changes them, a clerk
    mistypes them) and is named in the outcome, so the reviewer sees what does not fit.
    """
    found = {f.feature: f for f in facts}
    document, born = found.get("document"), found.get("birth_date")
    if (document is None or born is None or born.outcome != DateAgreement.EXACT.value
            or len(document.query) < config.document_identity_min_length or score >= config.document_identity):
        return None
    outcome = [ANOTHER_NAME if name_score < config.name_match_threshold else "name agrees",
               *(f"{_LABELS[f.feature]} contradicts" for f in facts if f.outcome == DateAgreement.CONTRADICTS.value)]
    values = f"{document.query}, born {born.query}"
    return Feature(DOCUMENT_IDENTITY, 1.0, round(config.document_identity - score, 4), ", ".join(outcome), values, values)


def _dob_weight(agreement: DateAgreement, config: ScoringConfig) -> float:
    return {
        DateAgreement.EXACT: config.dob_exact,
        DateAgreement.COMPATIBLE: config.dob_compatible,
        DateAgreement.SWAPPED: 0.0,
        DateAgreement.CONTRADICTS: config.dob_contradicts,
    }[agreement]


def _span(span: DateRange) -> str:
    if span.earliest == span.latest:
        return span.earliest.isoformat()
    return f"{span.earliest.isoformat()}..{span.latest.isoformat()}"


def _joined(values: set[str]) -> str:
    return ", ".join(sorted(values))


def part_pairs(queries: NameArrays, results: NameArrays, q_rows: np.ndarray, r_rows: np.ndarray):
    """Every (query part, result part) of each candidate pair, query part major: q_ids, r_ids, nq, nr."""
    nq = queries.offsets[q_rows + 1] - queries.offsets[q_rows]
    nr = results.offsets[r_rows + 1] - results.offsets[r_rows]
    sizes = nq * nr
    pair = np.repeat(np.arange(len(q_rows)), sizes)
    within = run_ranks(sizes)
    width = nr[pair]
    q_ids = queries.part_ids[queries.offsets[q_rows][pair] + within // width]
    r_ids = results.part_ids[results.offsets[r_rows][pair] + within % width]
    return q_ids, r_ids, nq, nr


def with_compounds_in_context(sim, q_ids, r_ids, nq, nr, table: PartTable) -> np.ndarray:
    """The flat part similarities of `part_pairs` adjusted by `compounds_in_context`, as the scores were
    (`candidates.score_candidates`): pairs of one shape at a time, as a block."""
    sizes = nq * nr
    starts = np.cumsum(sizes) - sizes
    shape = nq * (int(nr.max()) + 1) + nr
    sim = sim.copy()
    for value in np.unique(shape).tolist():
        rows = np.flatnonzero(shape == value)
        m, n, k = len(rows), int(nq[rows[0]]), int(nr[rows[0]])
        at = starts[rows][:, None] + np.arange(n * k)
        block = compounds_in_context(sim[at].reshape(m, n, k), q_ids[at].reshape(m, n, k)[:, :, 0],
                             r_ids[at].reshape(m, n, k)[:, 0, :], table)
        sim[at] = block.reshape(m, n * k)
    return sim


def name_features(
    vocabulary: Vocabulary,
    queries: NameArrays,
    results: NameArrays,
    q_rows: np.ndarray,
    r_rows: np.ndarray,
    name_scores: np.ndarray,
    joined: np.ndarray,
    weights: np.ndarray,
    listed_props: list[str],
    weak: np.ndarray,
    transliterated: np.ndarray,
    common: np.ndarray,
) -> list[Feature]:
    """The name feature of each (query name row, result name row): score, weight and the part alignment."""
    if len(q_rows) == 0:
        return []
    q_ids, r_ids, nq, nr = part_pairs(queries, results, q_rows, r_rows)
    sim = with_compounds_in_context(vocabulary.similarities(q_ids, r_ids), q_ids, r_ids, nq, nr, vocabulary.table)
    # Per query part: its rows are contiguous (nr of them); the first best one wins, as in max().
    group_len = np.repeat(nr, nq)
    starts = np.cumsum(group_len) - group_len
    best = np.maximum.reduceat(sim, starts)
    position = run_ranks(group_len)
    first_best = np.where(sim == np.repeat(best, group_len), position, np.iinfo(np.int64).max)
    choice = np.minimum.reduceat(first_best, starts)
    chosen_rows = starts + choice
    how = vocabulary.table.memoised_matches(q_ids[chosen_rows], r_ids[chosen_rows])[1]
    parts = vocabulary.parts
    features: list[Feature] = []
    part_at = 0
    for k, (q_row, r_row) in enumerate(zip(q_rows.tolist(), r_rows.tolist(), strict=True)):
        matches: list[PartMatch] = []
        matched: set[int] = set()
        for _ in range(int(nq[k])):
            row = int(chosen_rows[part_at])
            q_part = parts[int(q_ids[row])]
            if best[part_at] > 0:
                r_part = parts[int(r_ids[row])]
                matched.add(int(choice[part_at]))
                matches.append(PartMatch(q_part.text, r_part.text, round(float(best[part_at]), 4), HOWS[how[part_at]]))
            else:
                matches.append(PartMatch(q_part.text, "", 0.0, NONE))
            part_at += 1
        r_parts = results.part_ids[results.offsets[r_row] : results.offsets[r_row + 1]].tolist()
        matches.extend(PartMatch("", parts[p].text, 0.0, NONE) for j, p in enumerate(r_parts) if j not in matched)
        features.append(Feature(
            "name", round(float(name_scores[k]), 4), round(float(weights[k]), 4),
            ONE_WORD if joined[k] >= name_scores[k] and not _all_exact(matches) else "parts",
            queries.column.originals[q_row], results.column.originals[r_row],
            listed_prop=listed_props[k], weak_alias=bool(weak[k]), transliterated=bool(transliterated[k]),
            common=bool(common[k]), parts=tuple(matches),
        ))
    return features


def _all_exact(matches: list[PartMatch]) -> bool:
    """Every part of both names matched exactly: the parts decided the score, whatever the one-word form says."""
    return all(m.similarity == 1.0 and m.query and m.result for m in matches)


def render(feature: Feature) -> str:
    """One feature as a line of text: `name 0.93: 'query' ~ 'listed' [alignment]`, `birth date exact (1951-06-19) +0.12`,
    `identity document and birth date match the listed person, under another name (1084010, born 1951-06-19) +0.48`."""
    if feature.feature == "name":
        alignment = "; ".join(map(str, feature.parts))
        if feature.outcome == ONE_WORD:
            alignment += f"; written as one word {feature.score:.2f}"
        text = f"name {feature.score:.2f}: {feature.query!r} ~ {feature.listed!r} [{alignment}]"
        notes = [note for note, holds in ((TRANSLITERATED_NOTE, feature.transliterated), (COMMON_NAME_NOTE, feature.common),
                                          (WEAK_ALIAS_NOTE, feature.weak_alias)) if holds]
        return "; ".join([text, *notes])
    if feature.feature == DOCUMENT_IDENTITY:  # no "; ": an alert splits its explanation into reasons there
        return (f"identity document and birth date match the listed person, {feature.outcome} ({feature.query}) "
                f"{feature.contribution:+.2f}")
    values = feature.query if feature.query == feature.listed else f"{feature.query} vs {feature.listed}"
    return f"{_LABELS.get(feature.feature, feature.feature)} {feature.outcome} ({values}) {feature.contribution:+.2f}"


def features_json(features: tuple[Feature, ...]) -> str:
    """The features as a JSON list of objects (orjson writes dataclasses directly: ~1 µs a hit)."""
    return orjson.dumps(features).decode()


def features_from_json(text: str) -> tuple[Feature, ...]:
    """Features as `features_json` wrote them (a hit table's `features` column)."""
    return tuple(
        Feature(**{**item, "parts": tuple(PartMatch(**p) for p in item.get("parts", ()))}) for item in orjson.loads(text)
    )
