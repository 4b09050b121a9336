"""The link graph's weights and limits as data, in one frozen object (as `nexus.names.config` is for names).

Each link type has a base weight: how much one piece of such evidence binds two entities
(0..1). Relationship types are FtM's edge schemata, so a new one in FtM needs only a weight
here; identifier types are FtM property types, or a property's format where FtM gives one (iban).
"""

from dataclasses import dataclass, field

from followthemoney import model

#: FtM edge schemata → base weight. A relationship the table leaves out weighs `default_weight`.
RELATIONSHIP_WEIGHTS = {
    "Family": 0.9, "Associate": 0.8, "Directorship": 0.8, "Ownership": 0.7, "Control": 0.7, "Payment": 0.6,
    "Membership": 0.6, "Employment": 0.6, "Representation": 0.6, "UnknownLink": 0.5, "Debt": 0.5,
    "Succession": 0.5, "Occupancy": 0.4, "ContractAward": 0.4, "ProjectParticipant": 0.3, "Documentation": 0.3,
}
#: FtM property types whose values people share → base weight of sharing one.
IDENTIFIER_WEIGHTS = {"phone": 0.8, "email": 0.8, "iban": 0.9, "identifier": 0.8, "address": 0.5}
#: Schemata whose members share a hub, the entity itself (an event, a trip): (schema, property) → (link type, weight).
PARTICIPATION = {
    ("Event", "involved"): ("co_involvement", 0.6),
    ("Event", "organizer"): ("co_involvement", 0.6),
    ("Trip", "involved"): ("co_travel", 0.6),
}

#: Relationships whose far end (a company, an organisation, a court case) its holders share: schema →
#: (member property, hub property, link type, weight). Co-directors are one hop apart through
#: their company, and a company with many directors (a formation agent's shell) binds them weakly;
#: so are the parties to one court case (whatever their role: FtM's roles are free text).
CO_RELATIONSHIPS = {
    "Directorship": ("director", "organization", "co_director", 0.7),
    "Ownership": ("owner", "asset", "co_owner", 0.6),
    "Membership": ("member", "organization", "co_member", 0.5),
    "Employment": ("employee", "employer", "co_employee", 0.5),
    "CourtCaseParty": ("party", "case", "co_defendant", 0.7),
}


@dataclass(frozen=True)
class LinkConfig:
    relationship_weights: dict = field(default_factory=lambda: dict(RELATIONSHIP_WEIGHTS))
    identifier_weights: dict = field(default_factory=lambda: dict(IDENTIFIER_WEIGHTS))
    participation: dict = field(default_factory=lambda: dict(PARTICIPATION))
    co_relationships: dict = field(default_factory=lambda: dict(CO_RELATIONSHIPS))
    default_weight: float = 0.4
    #: Two stays at the same place (a prison cell) that overlap in time.
    co_location_weight: float = 0.7
    #: A place more than this many ever stayed at (a whole prison, a city) pairs no one: its pairs would explode.
    co_location_max_ever: int = 1000
    #: A hub (identifier, address, event) shared by more than this binds no one.
    max_shared: int = 50
    #: A hub shared by n weighs its base weight / sqrt(n - 1) (1: on; 0: off, for comparison).
    damping: float = 1.0
    #: Identifier values shorter than this (after normalising) are noise, not identifiers.
    min_identifier_length: int = 5
    #: An edge's weight halves every `half_life` years since its latest evidence, down to `recency_floor` of it.
    half_life: float = 5.0
    recency_floor: float = 0.5
    #: Where two hops of Payments alone meet at an entity, money passed on through it when one end paid it and it
    #: paid the other end, the spans of the two overlapping once the second is moved `pass_through_days` earlier
    #: (for single payments: the second within that many days after the first); otherwise the two ends are only
    #: its counterparties (both paid it, or both were paid by it, or it paid out before or long after it was
    #: paid: two customers of one shop) and the path takes `counterparty_factor` (in (0, 1]; 1: no judgement).
    pass_through_days: int = 30
    counterparty_factor: float = 0.25
    #: Partial paths kept per node when meeting in the middle.
    keep: int = 25
    max_hops: int = 4

    def link_types(self) -> frozenset[str]:
        """Every type a tie may have: FtM's edge schemata, shared identifiers, shared hubs, shared stays."""
        return frozenset({*(name for name, schema in model.schemata.items() if schema.edge), *self.identifier_weights,
                          *(kind for kind, _ in self.participation.values()),
                          *(kind for *_, kind, _ in self.co_relationships.values()), "co_location"})

    def __post_init__(self) -> None:
        if not 0 < self.counterparty_factor <= 1:  # a path's factors are at most 1: the path search's bound rests on it
            raise ValueError(f"counterparty_factor must be in (0, 1], not {self.counterparty_factor}")


LINKS = LinkConfig()
