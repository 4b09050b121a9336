"""The two sides of the nexus, as FollowTheMoney topics."""

from collections.abc import Iterable

TERROR_TOPICS = frozenset({"crime.terror"})
CRIME_TOPICS = frozenset(
    {
        "crime",
        "crime.boss",
        "crime.fin",
        "crime.fraud",
        "crime.theft",
        "crime.cyber",
        "crime.traffick",
        "crime.traffick.drug",
        "crime.traffick.human",
        "crime.war",
    }
)


def nexus_side(topics: Iterable[str]) -> str | None:
    """Which side of the nexus a set of topics marks: 'terror', 'crime', 'both' or None."""
    tags = set(topics)
    terror = bool(tags & TERROR_TOPICS)
    crime = bool(tags & CRIME_TOPICS)
    if terror and crime:
        return "both"
    if terror:
        return "terror"
    if crime:
        return "crime"
    return None
