import itertools

import numpy as np

from oracle import oracle_similarity

from nexus.names import NameType, analyze_name, part_similarity
from nexus.names.part_rules import HOWS
from nexus.names.part_table import PartTable

NAMES = [
    ("Person", "Mohammed bin Salman"), ("Person", "Muhammad Salman"), ("Person", "محمد بن سلمان"),
    ("Person", "Vladimir Vladimirovich Putin"), ("Person", "Владимир Путин"), ("Person", "V. Putin"),
    ("Person", "Bill Clinton"), ("Person", "William Jefferson Clinton"), ("Person", "Olaf Scholz"),
    ("Person", "Olaf Scholze"), ("Person", "Angela Merkel"), ("Person", "Angela Merkur"), ("Person", "Maria Garcia"),
    ("Person", "Mariya Garsia"), ("Person", "Hussein Husayn Hossein"), ("Person", "Yusuf Youssef Asif"),
    ("Person", "Abdul Rahman Yasin"), ("Person", "Abdurrahman Yassin"), ("Person", "Jean-Claude Juncker"),
    ("Person", "Ig0r Sech1n"), ("Person", "Friedrich Merz"), ("Person", "Shamsuddin Shams al-Din"),
    ("Organization", "Brigade 44"), ("Organization", "Brigade Forty-Four"), ("Organization", "First Brigade"),
    ("Company", "Siemens AG"), ("Company", "Siemens Aktiengesellschaft"), ("Company", "Deutsche Bank GmbH"),
    ("Company", "Carlyle Partners VII L.P."), ("Company", "Carlyle Partners VIII LP"), ("Vessel", "Snow Storm 2"),
    # given names known apart: no Jaro-Winkler evidence between them
    ("Person", "Olga Barynova"), ("Person", "Oleg Baranov"), ("Person", "Tigran Woods"), ("Person", "Tiger Woods"),
    ("Person", "Mahir Mohamad"), ("Person", "Mahathir Mohamad"), ("Person", "Tom Cook"), ("Person", "Tim Cook"),
    ("Person", "Frederick Friedrich Fredrick"), ("Person", "Olaf Schulze"), ("Organization", "Brigade Forty 4"),
    # acronyms: a word against the runs of words it abbreviates
    ("Organization", "PLA"), ("Organization", "People's Liberation Army"), ("Organization", "U.S. Department of State"),
    ("Organization", "United States Department of State"), ("Company", "Bank of America Corporation"),
    ("Company", "BOA Holdings 4"), ("Company", "BAC Capital"), ("Organization", "1st Brigade"),
    # across scripts: coarse consonants, one consonant apart; compounds against their tails
    ("Person", "عبد الله محمد رجب عبد الرحمن"), ("Person", "Abd Allah Mohamed Ragab Abdel Rahman"),
    ("Person", "أكرم تركي هاشم المزيده"), ("Person", "Akram Turki Hishan al-Mazidih"), ("Person", "رشيد طعان كاظم"),
    ("Person", "Rashid Taan Kathim"), ("Person", "Abu Zayd Umar Dorda"), ("Person", "Abu Omar Dorda"),
    ("Person", "Abd al-Khaliq al-Houthi"), ("Person", "Khaliq Houthi"), ("Person", "حسن ظاهر عويس"),
    # a glued article; q read as g
    ("Person", "Abdulkhaliq Alhuthi"), ("Person", "Albert Elhouthi"), ("Person", "Muammar Gaddafi"), ("Person", "Qadhafi Qasim"),
]


def test_part_table_equals_the_scalar_oracle_on_every_pair():
    table = PartTable()
    parts = {p for schema, name in NAMES for p in analyze_name(name, NameType.of_schema(schema)).parts}
    ids = {part: table.add(part) for part in sorted(parts, key=lambda p: (p.text, p.kind.value, p.role.value))}
    pairs = list(itertools.product(ids, repeat=2))
    score, how = table.matches(np.array([ids[a] for a, _ in pairs]), np.array([ids[b] for _, b in pairs]))
    want = [oracle_similarity(a, b) for a, b in pairs]
    assert np.allclose(score, [s for s, _ in want])
    assert [HOWS[h] for h in how.tolist()] == [h for _, h in want]
    assert (score > 0).sum() > len(ids)  # not only the diagonal
    assert set(HOWS) - {h for _, h in want} == {"none"} - {h for _, h in want}
    assert table.add(next(iter(ids))) == ids[next(iter(ids))]
    a, b = pairs[len(pairs) // 3]
    assert part_similarity(a, b) == oracle_similarity(a, b)


def test_the_memo_answers_what_matches_answers_in_small_calls_large_calls_and_after_it_starts_over(monkeypatch):
    monkeypatch.setattr("nexus.names.part_table.MEMO_MIN_NEW", 8)
    monkeypatch.setattr("nexus.names.part_table.MEMO_MAX", 300)  # starts over several times below
    table = PartTable()
    ids = np.asarray([table.add(p) for schema, name in NAMES for p in analyze_name(name, NameType.of_schema(schema)).parts])
    rng = np.random.default_rng(5)
    for size in [1, 3, 2, 7, 40, 1, 600, 5, 2, 1200, 3] * 3:
        a, b = rng.choice(ids, size), rng.choice(ids, size)
        score, how = table.memoised_matches(a, b)
        expected_score, expected_how = table.matches(a, b)
        assert np.array_equal(score, expected_score) and np.array_equal(how, expected_how)
    codes = table._memo[0]
    assert len(codes) <= 1300 and np.all(np.diff(codes) > 0)  # sorted, distinct, bounded
