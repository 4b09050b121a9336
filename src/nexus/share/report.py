"""The dissemination report's contents, once, as sections both renderers (HTML, PDF) lay out."""

from dataclasses import dataclass

from nexus.share.contents import Markings, Package

MAX_VALUES = 12  # values of one property shown in the report; the FtM file has them all


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    empty: str = ""  # said when there are no rows


def handling(package: Package) -> str:
    """The banner: every caveat of what the package holds, and the agencies whose data it is (the originators, not
    the releaser) as those whose consent passing it on needs."""
    marked = package.marked
    owners = ", ".join(marked.agencies or (package.issuing_agency,))
    return (f"{marked.caveats}. Released by {package.issuing_agency} to {package.recipient} only; "
            f"not to be passed on without the consent of {owners}.")


def sections(package: Package) -> list[Section]:
    case = package.case
    return [
        Section("Release", (
            f"To: {package.recipient}",
            f"From: {package.issued_by} ({package.issuing_agency}), {package.issued_at[:16].replace('T', ' ')} UTC",
            f"Purpose: {package.purpose or 'not stated'}",
            f"Handling: {handling(package)}",
            *_caveat_lines(package.marked),
        )),
        Section("Case", (
            f"Case {case['id']}: {case['title']} ({case['state']})",
            f"Owning agency: {case['owner_agency']}; team: {', '.join(case['agencies'])}",
            f"Opened by {case['created_by']} on {case['created_at'][:10]}",
            *([case["summary"]] if case["summary"] else []),
        )),
        Section("Entities", header=("name", "type", "id", "details", "markings"), rows=tuple(
            (e.caption, e.schema.label, e.id, _details(e), _markings(e)) for e in package.entities
        ), empty="No entities."),
        Section("Notes", header=("when", "by", "note"), rows=tuple(
            (n["at"][:16].replace("T", " "), f"{n['author']} ({n['agency']})", n["text"]) for n in package.notes
        ), empty="No notes."),
        Section("Evidence", header=("file", "type", "bytes", "SHA-256", "labels", "description"), rows=tuple(
            (e.member, e.media_type, f"{e.size:,}", e.sha256, e.labels, e.description) for e in package.evidence
        ), empty="No evidence files."),
    ]


def _details(entity) -> str:
    parts = []
    for prop, values in sorted(entity.properties.items()):
        values = sorted(set(values) - {entity.caption})  # the caption heads the row already
        if not values:
            continue
        shown = values[:MAX_VALUES]
        more = f" (+{len(values) - len(shown)})" if len(values) > len(shown) else ""
        parts.append(f"{entity.schema.properties[prop].label}: {'; '.join(shown)}{more}")
    return "\n".join(parts)


def _caveat_lines(marked: Markings) -> list[str]:
    lines = [f"Originating agencies: {', '.join(marked.agencies)}"] if marked.agencies else []
    lines += [f"Compartments (need-to-know): {', '.join(marked.compartments)}"] if marked.compartments else []
    lines += [f"Warrants: {', '.join(marked.warrants)}"] if marked.warrants else []
    lines += [f"Legal basis: {'; '.join(marked.legal_bases)}"] if marked.legal_bases else []
    lines += [f"ORCON of: {', '.join(marked.orcon)}"] if marked.orcon else []
    return lines


def _markings(entity) -> str:
    marked = Markings.from_dict(entity.context.get("markings"))
    return marked.text if marked else ""
