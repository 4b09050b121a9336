"""The typologies' parameters as data, in one frozen object (as `nexus.links.config` is for the graph).

Windows are in hours; amounts compare within one currency (a payment's own), so a feed in
many currencies is never summed across them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TypologyConfig:
    #: fan-out / fan-in: one account paying (or paid by) at least this many others within the window.
    fan_degree: int = 5
    fan_window_hours: int = 72
    #: cycles: money returning to where it started in 2..cycle_max_length payments, each later than the last.
    cycle_max_length: int = 4
    cycle_window_hours: int = 240
    #: structuring: at least this many payments from one account just below the reporting threshold
    #: (between threshold × (1 - margin) and the threshold), in its currency, within the window.
    reporting_threshold: float = 10_000.0
    threshold_currency: str = "US Dollar"
    structuring_margin: float = 0.1
    structuring_count: int = 3
    structuring_window_hours: int = 168
    #: scatter-gather: one account's money through at least this many intermediaries to one destination.
    scatter_middles: int = 3
    scatter_window_hours: int = 168
    #: gather-scatter: a fan-in to an account followed, within this many hours of its end, by a fan-out from it.
    gather_scatter_gap_hours: int = 72
    #: bipartite: at least this many accounts each paying at least this many of the same accounts, every two of
    #: them within the window; a payee with more than bipartite_max_payers payers in the feed binds no one.
    bipartite_sources: int = 3
    bipartite_targets: int = 3
    bipartite_window_hours: int = 72
    bipartite_max_payers: int = 20
    #: stack: a bipartite layer whose payees are, within this many hours of its end, the payers of another.
    stack_gap_hours: int = 72
    #: rapid pass-through: an account sending on at least this share of what it received (and no more),
    #: in the same currency, within the window.
    pass_through_share: float = 0.9
    pass_through_window_hours: int = 48
    #: the most transactions an alert lists (the rest are counted).
    evidence_cap: int = 200


TYPOLOGIES = TypologyConfig()
