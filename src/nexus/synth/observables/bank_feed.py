"""The banks' transaction feed: the world's payments as an AMLworld-format CSV, with planted laundering.

Every payment of the world (normal activity and the mule payments of the planted nexus
bridges) becomes a row, at a random minute of its day, between accounts named by their
bank code and IBAN. Beside them the feed plants attempts of each typology the detect stage
knows — fan-out, fan-in, cycle, scatter-gather, gather-scatter, structuring, pass-through, bipartite,
stack — among accounts of the population, and four terrorist-financing red flags (crowdfunding then cash-out and transfer
to a high-risk jurisdiction; a cash funnel; cash drawn near a conflict zone; savings drained before the holder's flight;
accounts opened with one controller's phone swept into his, `sweep_rings`, which the bank's KYC file shows), and writes them to `truth/patterns.txt` in AMLworld's Patterns format
(`BEGIN LAUNDERING ATTEMPT - <TYPE>` … `END LAUNDERING ATTEMPT`). Rows of planted attempts
and mule payments carry `Is Laundering` 1. The first attempt of each kind is also reported to the FIU, as
the bank of its first payer would: a goAML suspicious transaction report under `fiu/goaml/`.
"""

from datetime import datetime, timedelta

import numpy as np

from nexus.sources.goaml.write import load_profile, write_report
from nexus.synth import places
from nexus.synth.arrays import STRING, strings
from nexus.synth.manifest import ManifestFile, SuggestedLabels
from nexus.synth.observables import WorldOutput
from nexus.synth.world import NO_INDEX, PAYMENT_PERIOD, World

FILE = "fiu/transactions.csv"
REPORTS = "fiu/goaml"
PATTERNS = "truth/patterns.txt"
HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
          "Payment Currency,Payment Format,Is Laundering")
CURRENCY = "US Dollar"
FORMATS = ("ACH", "Wire", "Cheque", "Credit Card", "Cash")
#: Planted attempts per typology: one per this many accounts, at least 3.
ACCOUNTS_PER_ATTEMPT = 400
#: The stream of the sweep rings (`sweep_rings`), besides the world's seed.
SWEEP_STREAM = 0x5EEB
#: Attempts begin on any day of the world's payment period, less a fortnight for the longest attempt, so that
#: a model trained on earlier days meets attempts in later ones.
ATTEMPT_DAYS = PAYMENT_PERIOD[1] - PAYMENT_PERIOD[0] - 15


class BankFeed:
    name = "bank_feed"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        accounts, payments = world.accounts, world.payments
        routine_rng = rng.spawn(1)[0]  # its own stream: the attempts planted stay those of the seed
        codes = strings([bank[2] for bank in places.BANKS])[accounts.bank]
        rows = {
            "day": payments.date, "payer": payments.payer, "payee": payments.beneficiary,
            "amount": payments.amount, "laundering": np.isin(np.arange(len(payments)), _mule_rows(world)),
        }
        attempts = max(3, len(accounts) // ACCOUNTS_PER_ATTEMPT)
        planted = [plant(rng, world, int(payments.date.min()), attempts) for plant in PLANTERS.values()]
        minutes = rng.integers(0, 24 * 60, len(rows["day"]))
        lines = _lines(rng, codes, accounts.iban, rows["day"], minutes, rows["payer"], rows["payee"], rows["amount"],
                       rows["laundering"])
        usual = _routine(routine_rng, world)
        patterns, pieces, reported = [], [lines, _lines(routine_rng, codes, accounts.iban, *usual)], {}
        for kind, attempts_rows in zip(PLANTERS, planted, strict=True):
            for attempt in attempts_rows:
                rows_of = [row + (None,) * (7 - len(row)) for row in attempt]  # how and the payee's IBAN: optional
                day, minute, payer, payee, amount = (np.asarray(c) for c in list(zip(*rows_of, strict=True))[:5])
                how = [row[5] for row in rows_of]
                ibans = [row[6] for row in rows_of]
                rendered = _lines(rng, codes, accounts.iban, day, minute, payer, payee, amount, np.ones(len(day), bool),
                                  how, ibans)
                pieces.append(rendered)
                patterns += [f"BEGIN LAUNDERING ATTEMPT - {kind}", *rendered.tolist(), "END LAUNDERING ATTEMPT"]
                reported.setdefault(kind, rendered.tolist())
        lines = np.concatenate(pieces)
        order = np.argsort(lines, kind="stable")  # by timestamp, as banks export them
        (out.dir / FILE).parent.mkdir(parents=True, exist_ok=True)
        (out.dir / FILE).write_text(HEADER + "\n" + "\n".join(lines[order].tolist()) + "\n")
        (out.dir / PATTERNS).parent.mkdir(parents=True, exist_ok=True)
        (out.dir / PATTERNS).write_text("\n".join(patterns) + "\n")
        labels = SuggestedLabels("CONFIDENTIAL", releasable_to=("fiu", "police", "intel"), legal_basis="AML Directive art. 33")
        reports = _write_reports(out.dir / REPORTS, reported)
        return [ManifestFile(FILE, "amlworld", "fiu", "bank_feed", "Banks: the accounts' payments (AMLworld format)",
                             labels, {"records": len(lines)}),
                ManifestFile(REPORTS, "goaml", "fiu", "goaml_reports",
                             "Banks: suspicious transaction reports to the FIU (goAML), one per planted typology", labels,
                             {"records": reports})]


def _write_reports(folder, reported: dict[str, list[str]]) -> int:
    """One suspicious transaction report per typology, for its first planted attempt, filed by the bank of the
    attempt's first payer as the feed writes its rows: the sample of the feed's laundering the banks reported."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = load_profile()
    banks = [bank[2] for bank in places.BANKS]
    for kind, lines in reported.items():
        rows = [_ledger_row(line, f"{kind}-{number}") for number, line in enumerate(lines, start=1)]
        bank = rows[0]["from_bank"]
        report = write_report(
            rows, f"STR-{kind}", f"Suspected {kind.lower()}: {len(rows)} payments the bank's monitoring flagged",
            str(1000 + banks.index(bank)) if bank in banks else "999", kind.lower(), profile,
            max(r["timestamp"] for r in rows) + timedelta(days=3))
        (folder / f"str-{kind.lower()}.xml").write_bytes(report)
    return len(reported)


def _ledger_row(line: str, reference: str) -> dict:
    """A feed row as `write_report` takes it (the bank's own reference for its id)."""
    stamp, from_bank, from_account, to_bank, to_account, _, _, paid, currency, how, _ = line.split(",")
    return {"id": reference, "timestamp": datetime.strptime(stamp, "%Y/%m/%d %H:%M"), "from_bank": from_bank,
            "from_account": from_account, "to_bank": to_bank, "to_account": to_account, "amount_paid": float(paid),
            "payment_currency": currency, "payment_format": how}


def _mule_rows(world: World) -> np.ndarray:
    return np.array([row for link in world.links("mule_payment") for row in link.facts], dtype=np.int64)


def _lines(rng, codes, ibans, day, minute, payer, payee, amount, laundering, how=None, payee_ibans=None) -> np.ndarray:
    """The rows as the feed writes them; `how` (payment formats) and `payee_ibans` (an account outside the
    population, abroad) where a planter sets them, random formats and the population's accounts otherwise."""
    stamp = np.datetime64("1970-01-01T00:00") + (np.asarray(day) * 1440 + np.asarray(minute)).astype("timedelta64[m]")
    text = np.char.replace(np.char.replace(np.datetime_as_string(stamp, unit="m"), "-", "/"), "T", " ")
    money = np.char.mod("%.2f", np.asarray(amount, dtype=float))
    drawn = strings(FORMATS)[rng.integers(0, len(FORMATS), len(text))]
    formats = drawn if how is None else np.array([h or d for h, d in zip(how, drawn.tolist(), strict=True)], dtype=STRING)
    to_iban = ibans[payee] if payee_ibans is None else np.array(
        [i or default for i, default in zip(payee_ibans, ibans[payee].tolist(), strict=True)], dtype=STRING)
    columns = [text, codes[payer], ibans[payer], codes[payee], to_iban, money, np.full(len(text), CURRENCY),
               money, np.full(len(text), CURRENCY), formats, np.asarray(laundering).astype(int).astype(STRING)]
    line = columns[0].astype(object)
    for column in columns[1:]:
        line = line + "," + column.astype(object)
    return line.astype(STRING)


def _routine(rng, world: World) -> tuple:
    """A bank's everyday traffic, which no one launders: monthly salaries from employers (a few employ many, so
    payroll fans out), monthly rent to letting firms (a few let to many, so rent fans in) and cash
    withdrawals (a Cash payment to one's own account). Employers and landlords are firms' accounts, none both.
    (day, minute, payer, payee, amount, laundering, how), as `_lines` takes them."""
    accounts = world.accounts
    people = np.flatnonzero(accounts.holder_person != NO_INDEX)
    firms = rng.permutation(np.flatnonzero(accounts.holder_company != NO_INDEX))
    if not len(people) or not len(firms):
        return tuple(np.zeros(0, dtype) for dtype in (np.int64, np.int64, np.int64, np.int64, float, bool, STRING))
    employers, landlords = (firms[::2], firms[1::2]) if len(firms) > 1 else (firms, firms)

    def popular(among: np.ndarray, count: int) -> np.ndarray:  # a few draw most
        weights = 1 / np.arange(1, len(among) + 1) ** 1.1
        return among[rng.choice(len(among), size=count, p=weights / weights.sum())]

    first, last = (np.datetime64(day, "D").astype("datetime64[M]") for day in PAYMENT_PERIOD)  # the payments' months
    months = np.arange(first, last + 1)
    month_days = months.astype("datetime64[D]").astype(np.int64)
    parts = []

    def monthly(payers, payees, amount, day_of_month, how):  # one payment a month each, the same day
        n = len(payers)
        day = np.add.outer(month_days, day_of_month).ravel()
        drift = 1 + rng.normal(0, 0.01, (len(months), n))
        parts.append((day, np.tile(rng.integers(480, 600, n), len(months)), np.tile(payers, len(months)),
                      np.tile(payees, len(months)), np.round((amount * drift).ravel(), 2), np.full(day.size, how)))

    employed = people[rng.random(len(people)) < 0.7]
    employer = popular(employers, len(employed))
    payday = 24 + (employer % 4)
    monthly(employer, employed, rng.lognormal(7.6, 0.35, len(employed)), payday, "ACH")
    tenants = people[rng.random(len(people)) < 0.6]
    monthly(tenants, popular(landlords, len(tenants)),
            rng.lognormal(6.6, 0.3, len(tenants)), rng.integers(0, 3, len(tenants)), "ACH")
    payer = np.repeat(people, rng.poisson(0.7 * len(months), len(people)))
    parts.append((rng.integers(month_days[0], month_days[-1] + 28, len(payer)), rng.integers(420, 1320, len(payer)),
                  payer, payer, np.round(rng.lognormal(5.0, 0.6, len(payer)), 2), np.full(len(payer), "Cash")))
    day, minute, payer, payee, amount, how = (np.concatenate(column) for column in zip(*parts, strict=True))
    return day, minute, payer, payee, amount, np.zeros(len(day), bool), how.astype(STRING)


def _distinct(rng, world: World, count: int) -> list[int]:
    """``count`` different accounts of the population."""
    return rng.choice(len(world.accounts), size=count, replace=False).tolist()


def _fan_out(rng, world, first_day, attempts):
    found = []
    for _ in range(attempts):
        source, *targets = _distinct(rng, world, 1 + int(rng.integers(6, 10)))
        day, start = first_day + int(rng.integers(0, ATTEMPT_DAYS)), int(rng.integers(0, 600))
        found.append([(day, start + 30 * i, source, t, float(rng.uniform(800, 3000))) for i, t in enumerate(targets)])
    return found


def _fan_in(rng, world, first_day, attempts):
    return [[(day, minute, payee, payer, amount) for day, minute, payer, payee, amount in attempt]
            for attempt in _fan_out(rng, world, first_day, attempts)]


def _cycle(rng, world, first_day, attempts):
    found = []
    for _ in range(attempts):
        ring = _distinct(rng, world, int(rng.integers(3, 5)))
        day, amount = first_day + int(rng.integers(0, ATTEMPT_DAYS)), float(rng.uniform(20_000, 90_000))
        found.append([(day + i, 600, a, ring[(i + 1) % len(ring)], amount * (0.98 ** i)) for i, a in enumerate(ring)])
    return found


def _structuring(rng, world, first_day, attempts):
    found = []
    for _ in range(attempts):
        source, *targets = _distinct(rng, world, 6)
        day = first_day + int(rng.integers(0, ATTEMPT_DAYS))
        found.append([(day + i // 2, 540 + 240 * (i % 2), source, t, float(rng.uniform(9_100, 9_950)))
                      for i, t in enumerate(targets)])
    return found


def _pass_through(rng, world, first_day, attempts):
    found = []
    for _ in range(attempts):
        source, mule, destination = _distinct(rng, world, 3)
        day, amount = first_day + int(rng.integers(0, ATTEMPT_DAYS)), float(rng.uniform(15_000, 60_000))
        found.append([(day, 480, source, mule, amount), (day, 480 + int(rng.integers(60, 600)), mule, destination,
                                                          amount * float(rng.uniform(0.92, 0.99)))])
    return found


def _scatter_gather(rng, world, first_day, attempts):
    found = []
    for _ in range(attempts):
        source, target, *middles = _distinct(rng, world, 2 + int(rng.integers(3, 5)))
        day, amount = first_day + int(rng.integers(0, ATTEMPT_DAYS)), float(rng.uniform(5_000, 20_000))
        found.append([(day, 480 + 20 * i, source, m, amount) for i, m in enumerate(middles)]
                     + [(day + 1, 600 + 20 * i, m, target, amount * 0.97) for i, m in enumerate(middles)])
    return found


def _gather_scatter(rng, world, first_day, attempts):
    found = []
    for _ in range(attempts):
        hub, *others = _distinct(rng, world, 1 + 2 * 6)
        day = first_day + int(rng.integers(0, ATTEMPT_DAYS))
        found.append([(day, 480 + 30 * i, o, hub, float(rng.uniform(800, 2500))) for i, o in enumerate(others[:6])]
                     + [(day + 1, 540 + 30 * i, hub, o, float(rng.uniform(800, 2500))) for i, o in enumerate(others[6:])])
    return found


def _bipartite(rng, world, first_day, attempts):
    found = []
    for _ in range(attempts):
        accounts = _distinct(rng, world, 6 + int(rng.integers(0, 3)))
        sources, targets = accounts[:3 + len(accounts) % 2], accounts[3 + len(accounts) % 2:]
        day = first_day + int(rng.integers(0, ATTEMPT_DAYS))
        found.append([(day + (i + j) // 4, 480 + 37 * (i * len(targets) + j), s, t, float(rng.uniform(2_000, 9_000)))
                      for i, s in enumerate(sources) for j, t in enumerate(targets)])
    return found


def _stack(rng, world, first_day, attempts):
    """Two bipartite layers: three accounts pay three, which pay three more a day later."""
    found = []
    for _ in range(attempts):
        first, middle, last = (accounts := _distinct(rng, world, 9))[:3], accounts[3:6], accounts[6:]
        day = first_day + int(rng.integers(0, ATTEMPT_DAYS))
        found.append([(day, 480 + 40 * (3 * i + j), s, t, float(rng.uniform(3_000, 8_000)))
                      for i, s in enumerate(first) for j, t in enumerate(middle)]
                     + [(day + 1, 480 + 40 * (3 * i + j), s, t, float(rng.uniform(2_800, 7_500)))
                        for i, s in enumerate(middle) for j, t in enumerate(last)])
    return found


def _crowdfunding(rng, world, first_day, attempts):
    """Terrorist financing through crowdfunding: a dozen or more small donations within ten days, then most of
    the money withdrawn in cash and the rest sent to an account in a high-risk jurisdiction."""
    found = []
    for _ in range(attempts):
        collector, *donors = _distinct(rng, world, 1 + int(rng.integers(12, 20)))
        day = first_day + int(rng.integers(0, ATTEMPT_DAYS))
        gifts = [(day + i % 10, 480 + 37 * i, d, collector, float(rng.uniform(20, 240)), "ACH") for i, d in enumerate(donors)]
        raised = sum(g[4] for g in gifts)
        found.append(gifts + [(day + 11, 600, collector, collector, raised * 0.55, "Cash"),
                              (day + 12, 600, collector, collector, raised * 0.3, "Wire", _high_risk_iban(rng))])
    return found


def _funnel(rng, world, first_day, attempts):
    """A funnel account: cash paid in at several places over a few days, then moved on almost whole."""
    found = []
    for _ in range(attempts):
        funnel, destination, *tellers = _distinct(rng, world, 2 + int(rng.integers(5, 8)))
        day = first_day + int(rng.integers(0, ATTEMPT_DAYS))
        deposits = [(day + i // 2, 540 + 180 * (i % 2), t, funnel, float(rng.uniform(1_500, 4_000)), "Cash")
                    for i, t in enumerate(tellers)]
        paid_in = sum(d[4] for d in deposits)
        found.append(deposits + [(day + len(tellers) // 2 + 1, 600, funnel, destination,
                                  paid_in * float(rng.uniform(0.85, 0.97)), "Wire")])
    return found


def _cash_near_conflict(rng, world, first_day, attempts):
    """Cash drawn near a conflict zone: an account held outside Türkiye draws cash three to five times within a
    fortnight from a bank there, by the Syrian border (the feed names the bank that paid it out, and its account)."""
    near = [b for b, bank in enumerate(places.BANKS) if bank[1] == "TR"]
    there, away = (np.flatnonzero(np.isin(world.accounts.bank, near) == inside) for inside in (True, False))
    found = []
    for _ in range(attempts):
        drawer, desk = int(rng.choice(away)), int(rng.choice(there))
        day = first_day + int(rng.integers(0, ATTEMPT_DAYS))
        found.append([(day + 3 * i + int(rng.integers(0, 3)), int(rng.integers(480, 1080)), drawer, desk,
                       float(rng.uniform(400, 1500)), "Cash") for i in range(int(rng.integers(3, 6)))])
    return found


def _liquidation(rng, world, first_day, attempts):
    """Savings drained before travel: in the ten days before one of its holder's flights, an account's money
    withdrawn in cash twice and wired to a high-risk jurisdiction (a fighter leaving for a conflict zone). The
    flight is the world's, so the PIU's messages carry it."""
    holders = world.accounts.holder_person
    account_of = dict(zip(holders[::-1].tolist(), range(len(holders) - 1, -1, -1)))  # each person's first account
    departure = world.trips.date[world.travellers.trip]
    person = world.travellers.person
    usable = (departure >= first_day + 10) & (departure <= first_day + ATTEMPT_DAYS + 10) \
        & np.isin(person, holders[holders != NO_INDEX])
    _, first = np.unique(person[usable], return_index=True)  # one flight per person
    candidates = np.flatnonzero(usable)[first]
    found = []
    for row in rng.choice(candidates, size=min(attempts, len(candidates)), replace=False).tolist():
        day, account = int(departure[row]), account_of[int(person[row])]
        found.append([(day - 9 + int(rng.integers(0, 2)), 600, account, account, float(rng.uniform(3_000, 6_000)), "Cash"),
                      (day - 6, 660, account, account, float(rng.uniform(3_000, 6_000)), "Cash"),
                      (day - 4, 600, account, account, float(rng.uniform(2_000, 5_000)), "Wire", _high_risk_iban(rng))])
    return found


def sweep_rings(world: World) -> list[tuple[int, list[int]]]:
    """Accounts a controller opened in other people's names, giving his own phone, and sweeps into his own:
    (the controller's account, the three to five mules' accounts), each held by a different person. Drawn
    from the world's seed alone, so that the bank's KYC file (`payments`) and its feed name the same rings."""
    rng = np.random.default_rng([world.seed, SWEEP_STREAM])
    holders = world.accounts.holder_person
    held = np.flatnonzero(holders != NO_INDEX)
    _, first = np.unique(holders[held], return_index=True)
    chosen = rng.permutation(held[first]).tolist()  # one account per person
    rings = []
    for _ in range(max(3, len(world.accounts) // ACCOUNTS_PER_ATTEMPT)):
        ring, chosen = chosen[:1 + int(rng.integers(3, 6))], chosen[6:]
        rings.append((ring[0], ring[1:]))
    return rings


def _sweep(rng, world, first_day, attempts):
    """Money swept from accounts one controller opened (a trafficker's victims' wages, mules' takings): within a
    week each mule's account pays most of what it holds into the controller's."""
    found = []
    for controller, mules in sweep_rings(world):
        day = first_day + int(rng.integers(0, ATTEMPT_DAYS))
        found.append([(day + int(rng.integers(0, 7)), int(rng.integers(480, 1080)), mule, controller,
                       float(rng.uniform(1_800, 4_500)), "Wire") for mule in mules])
    return found


def _high_risk_iban(rng) -> str:
    country = ("SY", "IR", "YE", "AF", "SO")[int(rng.integers(0, 5))]
    return f"{country}{int(rng.integers(10, 99))}{int(rng.integers(10**15, 10**16))}"


#: AMLworld's pattern names (and five of Nexus's own, for red-flag rules) → the planter of each.
PLANTERS = {"FAN-OUT": _fan_out, "FAN-IN": _fan_in, "CYCLE": _cycle, "STRUCTURING": _structuring,
            "PASS-THROUGH": _pass_through, "SCATTER-GATHER": _scatter_gather, "GATHER-SCATTER": _gather_scatter,
            "BIPARTITE": _bipartite, "STACK": _stack,
            "CROWDFUNDING": _crowdfunding, "FUNNEL": _funnel, "CASH-NEAR-CONFLICT": _cash_near_conflict,
            "LIQUIDATION": _liquidation, "SWEEP": _sweep}
