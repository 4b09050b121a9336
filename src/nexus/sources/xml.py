"""The one way sources read XML: streaming, bounded, and closed to entity tricks.

- libxml2 runs with entity resolution, DTD loading, network access and huge-tree mode
  off, so no declaration can make it read a file, open a URL or expand text.
- A DOCTYPE that declares any entity or names an external subset is refused outright
  (billion laughs, XXE). The check runs when the root element opens, after the DOCTYPE
  and before the first element is handed out.
- Nesting deeper than ``MAX_XML_DEPTH`` and files larger than ``MAX_FILE_BYTES`` are
  refused; malformed XML is refused with its line number.
- Elements are cleared once handled, so memory stays flat however long the file is.
"""

from collections.abc import Collection, Iterator
from pathlib import Path

from lxml import etree

from nexus.sources.base import SourceError
from nexus.sources.limits import MAX_XML_DEPTH, check_file


def iter_elements(path: Path, tags: Collection[str]) -> Iterator[tuple[etree._Element, int, str]]:
    """Each complete element whose tag is in ``tags``, in document order.

    Yields ``(element, position, location)``: ``position`` counts yielded elements from 0,
    ``location`` reads like ``"INDIVIDUAL #12 line 345"`` (the 12th INDIVIDUAL, as in the
    XPath ``INDIVIDUAL[12]``). The element and its children are valid only until the
    next iteration; they are cleared afterwards. Raises SourceError for hostile,
    malformed, too deep or too large input.
    """
    path = Path(path)
    check_file(path)
    wanted = frozenset(tags)
    counts = dict.fromkeys(wanted, 0)
    context = etree.iterparse(
        str(path),
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    depth = 0
    open_matches = 0  # matched elements still being read; their children must stay
    position = 0
    try:
        for event, element in context:
            if event == "start":
                if depth == 0:
                    _refuse_entity_declarations(path, element.getroottree().docinfo)
                depth += 1
                if depth > MAX_XML_DEPTH:
                    raise SourceError(
                        f"{path}: line {element.sourceline}: <{element.tag}> is nested deeper than "
                        f"the limit of {MAX_XML_DEPTH} levels"
                    )
                if element.tag in wanted:
                    open_matches += 1
                continue
            depth -= 1
            if element.tag in wanted:
                open_matches -= 1
                counts[element.tag] += 1
                yield element, position, f"{element.tag} #{counts[element.tag]} line {element.sourceline}"
                position += 1
            if open_matches == 0:
                _release(element)
    except etree.XMLSyntaxError as exc:
        # The parser's own log holds the first real error; the exception itself can be a
        # later, vaguer one ("no element found" at line 0).
        first = context.error_log[0] if len(context.error_log) else None
        line, message = (first.line, first.message) if first else (exc.lineno, exc.msg)
        raise SourceError(f"{path}: line {line}: malformed XML: {message}") from None


def _refuse_entity_declarations(path: Path, docinfo: etree.DocInfo) -> None:
    external = docinfo.system_url or docinfo.public_id
    if external:
        raise SourceError(
            f"{path}: refused DOCTYPE with an external subset ({external}); external DTDs are never read"
        )
    dtd = docinfo.internalDTD
    if dtd is None:
        return
    names = [entity.name for entity in dtd.iterentities()]
    if names:
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        raise SourceError(
            f"{path}: refused DOCTYPE declaring {len(names)} entit{'y' if len(names) == 1 else 'ies'} "
            f"({shown}); entity declarations are not accepted (entity expansion, XXE)"
        )


def _release(element: etree._Element) -> None:
    """Free a handled element and the siblings already handled before it."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def parse_document(data: bytes, name: str) -> etree._Element:
    """A whole small XML document (one pushed message) under the same rules as `iter_elements`: no entities,
    no DTD, no network, bounded depth; SourceError naming the line otherwise."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, dtd_validation=False, no_network=True,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{name}: line {exc.lineno}: malformed XML: {exc.msg}") from None
    _refuse_entity_declarations(Path(name), root.getroottree().docinfo)
    for element in root.iter():
        if len(list(element.iterancestors())) >= MAX_XML_DEPTH:
            raise SourceError(f"{name}: line {element.sourceline}: <{etree.QName(element).localname}> is nested "
                              f"deeper than the limit of {MAX_XML_DEPTH} levels")
    return root
