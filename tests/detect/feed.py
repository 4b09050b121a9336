"""A hand-built AMLworld feed holding one of each typology, and the analyst who reads it."""

from nexus.model import Classification
from nexus.security.viewer import Viewer
from nexus.service.ingest import LabelChanges
from nexus.service.ledger import ingest_transactions

HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,"
          "Payment Currency,Payment Format,Is Laundering\n")
ANALYST = Viewer("a", "FIU", frozenset({"analyst"}), Classification.SECRET, purpose="weekly typologies")


def row(when, payer, payee, amount, currency="US Dollar", how="Wire"):
    return f"2022/09/{when},001,{payer},001,{payee},{amount},{currency},{amount},{currency},{how},0"


FEED = [
    # fan-out: F pays six accounts within a day
    *(row(f"01 0{h}:00", "F0", f"FO{h}", 1000 + h) for h in range(6)),
    # fan-in: six accounts pay G within two days
    *(row(f"0{2 + h // 4} 1{h}:00", f"GI{h}", "G0", 700 + h) for h in range(6)),
    # a cycle of three: C1 → C2 → C3 → C1, each later, amounts kept
    row("03 09:00", "C1", "C2", 50000), row("03 15:00", "C2", "C3", 49500), row("04 10:00", "C3", "C1", 49000),
    # structuring: S0 pays just under 10,000 four times in three days
    *(row(f"0{5 + d} 10:00", "S0", f"SX{d}", 9500 + 100 * d) for d in range(4)),
    # pass-through: P0 receives 20,000 and sends 19,500 on within six hours
    row("08 08:00", "PX", "P0", 20000), row("08 14:00", "P0", "PY", 19500),
    # scatter-gather: Q0 pays three accounts, which all pay Q9 the next day
    *(row(f"11 0{h}:00", "Q0", f"QM{h}", 4000) for h in range(3)),
    *(row(f"12 0{h}:00", f"QM{h}", "Q9", 3900) for h in range(3)),
    # gather-scatter: six accounts pay H0, which pays six others the next day
    *(row(f"13 1{h}:00", f"HI{h}", "H0", 900 + h) for h in range(6)),
    *(row(f"14 1{h}:00", "H0", f"HO{h}", 800 + h) for h in range(6)),
    # bipartite: B1, B2, B3 each pay BT1, BT2 and BT3 within a day
    *(row(f"15 {9 + 3 * i + j:02d}:00", f"B{i + 1}", f"BT{j + 1}", 5000 + 10 * j) for i in range(3) for j in range(3)),
    # stack: K1..K3 each pay KM1..KM3, which each pay KT1..KT3 the next day (two thirds of what came in, and
    # which also makes three scatter-gathers per target)
    *(row(f"17 {9 + 3 * i + j:02d}:00", f"K{i + 1}", f"KM{j + 1}", 3000) for i in range(3) for j in range(3)),
    *(row(f"18 {9 + 3 * i + j:02d}:00", f"KM{i + 1}", f"KT{j + 1}", 2000) for i in range(3) for j in range(3)),
    # noise: ordinary payments
    row("09 10:00", "N1", "N2", 120), row("09 11:00", "N2", "N3", 80), row("10 12:00", "N3", "N4", 3000),
]


def load_feed(store, tmp_path, rows: list[str], source: str):
    """The rows as an AMLworld file loaded into a ledger under a fresh NEXUS_HOME: (store, home)."""
    path = tmp_path / f"{source}.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    home = tmp_path / "home"
    ingest_transactions(store, ANALYST, path, source, home, LabelChanges(agency="FIU", classification="SECRET"))
    return store, home


def workspace_rule(home, name: str, window_days: int, *conditions: str) -> None:
    """An FIU's own red-flag rule in the workspace (NEXUS_HOME/rules/NAME.yml); each condition as YAML flow text."""
    (home / "rules").mkdir(parents=True, exist_ok=True)
    (home / "rules" / f"{name}.yml").write_text(
        f"name: {name}\ndescription: {name}\nwindow_days: {window_days}\nconditions:\n"
        + "".join(f"  - {c}\n" for c in conditions))
