"""What stops a release to another agency: each item the package would hold, checked against the
policy for the releasing viewer (`policy.decide` for export) and against the recipient agency (the
item's own, or one it is releasable to). Nothing ORCON goes into a package, whoever releases it: its
originating agency lifts the caveat first, an act of its own that the audit trail records. Nothing in a
compartment goes to another agency than its own: a compartment is need-to-know for the people cleared for it, and
a package, once handed over, reaches whoever the recipient agency gives it to (a recipient's cleared people see it
in Nexus, on the case's team, where each person's compartments are checked)."""

from collections.abc import Iterable
from dataclasses import dataclass

from nexus.model.labels import ANY_AGENCY, Labels
from nexus.security.policy import decide
from nexus.security.viewer import Viewer


@dataclass(frozen=True)
class Item:
    what: str  # how the refusal names it: "entity p-1 (source police)", "evidence 3 (photo.jpg)"
    labels: Labels
    own_words: bool = False  # the case's own words: only the case's agency (labels.agency) releases them


def releasable_to(labels: Labels, recipient: str) -> bool:
    return labels.agency == recipient or ANY_AGENCY in labels.releasable_to or recipient in labels.releasable_to


def blockers(viewer: Viewer, items: Iterable[Item], recipient: str) -> list[str]:
    """Why each item that may not go to ``recipient`` may not, one line per item and reason (none: release)."""
    found = []
    for item in items:
        labels = item.labels
        if labels.orcon:
            found.append(f"{item.what} is ORCON of {labels.agency}: no package carries ORCON, whoever releases it; "
                         f"{labels.agency} must first lift the caveat from it (an audited act of its own)")
        elif item.own_words and labels.agency != viewer.agency:
            found.append(f"{item.what} are {labels.agency}'s words: only {labels.agency} may release them")
        elif labels.compartment and labels.agency != recipient:
            found.append(f"{item.what} is in compartment {labels.compartment} of {labels.agency} (need-to-know): no "
                         f"package takes compartmented material to another agency; put {recipient} on the case's "
                         f"team, where only its people cleared for {labels.compartment} see it")
        elif not releasable_to(labels, recipient):
            found.append(f"{item.what} is not releasable to {recipient} (releasable to {labels.releasable_text})")
        else:
            decision = decide(viewer, labels, "export")
            if not decision.allowed:
                found.append(f"{item.what}: {decision.reason}")
    return list(dict.fromkeys(found))
