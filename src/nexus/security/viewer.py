"""The viewer: who is asking, for what purpose. Every read of intelligence takes one."""

from dataclasses import dataclass, field

from nexus.model.labels import Classification

ROLES = ("analyst", "targeter", "investigator", "supervisor", "oversight", "administrator")


@dataclass(frozen=True)
class Viewer:
    user: str
    agency: str
    roles: frozenset[str]
    clearance: Classification
    compartments: frozenset[str] = field(default_factory=frozenset)
    purpose: str = ""
    # Set when a program acts through an API token: the only actions it may take.
    # None for people (interactive sessions), who are limited by their roles alone.
    scopes: frozenset[str] | None = None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))
