"""The national watchlist: listed terrorists and traffickers, their aliases, and people nobody here is."""

import numpy as np

from nexus.synth.arrays import STRING, ids, iso_dates, join
from nexus.synth.manifest import FTM, ManifestFile, SuggestedLabels
from nexus.synth.observables import WorldOutput
from nexus.synth.output import FtMWriter
from nexus.synth.world import CRIME, TERROR, World

FILE = "watchlist/watchlist.ftm.json"
STRANGER_PREFIX = "WL-X"


def _aliases(world: World, given: np.ndarray, family: np.ndarray) -> list[list[str]]:
    """Every other spelling of the name, the name in its own script, and family-name-first."""
    names = world.names
    forms = []
    for v in range(names.variants.shape[1]):
        forms.append(join(names.variants[given, v], " ", names.variants[family, v]).tolist())
    native = join(names.native[given], " ", names.native[family]).tolist()
    has_native = ((names.native[given] != "") & (names.native[family] != "")).tolist()
    swapped = join(names.variants[family, 0], " ", names.variants[given, 0]).tolist()
    aliases = []
    for i, canonical in enumerate(forms[0]):
        seen = dict.fromkeys([f[i] for f in forms[1:]] + ([native[i]] if has_native[i] else []) + [swapped[i]])
        seen.pop(canonical, None)
        aliases.append(list(seen))
    return aliases


class Watchlist:
    name = "watchlist"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        (out.dir / FILE).parent.mkdir(parents=True, exist_ok=True)
        people, names, m, g = world.people, world.names, world.memberships, world.groups
        listed = rng.permutation(world.listed)
        strangers = world.strangers
        listed_ids = ids("WL-P", np.arange(len(listed)))
        stranger_ids = ids(STRANGER_PREFIX, np.arange(len(strangers)))
        out.truth.add(FILE, "Person", listed_ids, world.person_ids(listed))

        given = np.r_[people.given[listed], strangers.given]
        family = np.r_[people.family[listed], strangers.family]
        birth = iso_dates(np.r_[people.birth[listed], strangers.birth])
        birth = np.where(rng.random(len(birth)) < 0.3, np.strings.slice(birth, 0, 4), birth).astype(STRING)
        side = np.r_[people.side[listed], np.where(rng.random(len(strangers)) < 0.5, TERROR, CRIME)]
        group_topic = {int(p): str(g.topic[grp]) for p, grp in zip(m.person.tolist(), m.group.tolist(), strict=True)}
        topics = [["sanction", "crime.terror"] if s == TERROR else ["sanction", group_topic.get(int(p), "crime.traffick")]
                  for s, p in zip(side.tolist(), np.r_[listed, np.full(len(strangers), -1)].tolist(), strict=True)]

        writer = FtMWriter(out.dir / FILE)
        writer.write("Person", np.r_[listed_ids, stranger_ids], name=join(names.variants[given, 0], " ", names.variants[family, 0]),
                     alias=_aliases(world, given, family), birthDate=birth,
                     nationality=np.r_[people.nationality[listed], strangers.nationality], topics=topics)
        groups = rng.permutation(np.flatnonzero(rng.random(len(g)) < 0.5))
        group_ids = ids("WL-G", np.arange(len(groups)))
        out.truth.add(FILE, "Organization", group_ids, world.group_ids(groups))
        writer.write("Organization", group_ids, name=g.name[groups],
                     topics=[["sanction", str(t)] for t in g.topic[groups].tolist()])
        return [ManifestFile(FILE, FTM, "treasury", "national_watchlist", "National watchlist (sanctions and terrorist designations)",
                             SuggestedLabels("UNCLASSIFIED", legal_basis="Sanctions Act art. 3", is_list=True),
                             writer.close())]
