"""goAML XML reports (UNODC's reporting format): validated against the FIU's own XSD, read into FtM.

Each file is one report and one record; a file holding more than one is refused whole (one error
naming the second report), never cut to its first. A report that breaks the FIU's schema is rejected
whole: one record error per violation (element path, line, reason), and no entities; the next file
of a folder still loads. The schema is the FIU's profile: its XSD file (`schema=`), whose code lists
and patterns differ from FIU to FIU. Without one a report is read as it stands, not validated (the
caller says so), but what the reader needs is checked all the same (`check.py`: required elements,
dates, amounts, currencies), and a report failing those checks is rejected the same way.
"""

from collections.abc import Iterator
from pathlib import Path

import xmlschema
from lxml import etree

from nexus.sources.base import Record, RecordError, SourceError
from nexus.sources.goaml.check import unread_problems
from nexus.sources.goaml.report import Filing, filing_of, read_report, report_key
from nexus.sources.goaml.schema import SchemaError, load_schema, schema_errors
from nexus.sources.xml import iter_elements

__all__ = ["Filing", "GoAMLFormat", "filing_of"]


class GoAMLFormat:
    name = "goaml"
    is_list = False

    def read(self, path: Path, schema: Path | None = None, **options: object) -> Iterator[Record]:
        xsd = load_schema(Path(schema)) if schema is not None else None
        records = None
        for element, _, _ in iter_elements(path, {"report"}):
            if records is not None:
                yield Record(0, error=RecordError(
                    str(path), f"{element.getroottree().getpath(element)} line {element.sourceline}", "report",
                    "a second report in this file: goAML is one report per file, so none of this file's is loaded "
                    "(give each report its own file)"))
                return
            records = _records(path, element, xsd, Path(schema).name if schema is not None else "")
        if records is None:
            raise SourceError(f"{path}: no <report> element: not a goAML report")
        yield from records


def _records(path: Path, report: etree._Element, xsd: xmlschema.XMLSchema11 | None, schema_name: str) -> list[Record]:
    """The report's entities, or one error per problem the schema (if any) or the reader's checks find."""
    problems = ([(e, f"not valid against {schema_name}: ") for e in schema_errors(xsd, report.getroottree())]
                if xsd is not None else [])
    flagged = {(e.line, e.field) for e, _ in problems}
    problems += [(e, "") for e in unread_problems(report, with_schema=xsd is not None)
                 if (e.line, e.field) not in flagged]
    if problems:
        return [Record(position, error=_error(path, problem, prefix))
                for position, (problem, prefix) in enumerate(problems)]
    return [Record(0, entities=read_report(report, report_key(report, path.read_bytes())))]


def _error(path: Path, problem: SchemaError, prefix: str) -> RecordError:
    where = problem.path + (f" line {problem.line}" if problem.line else "")
    return RecordError(str(path), where, problem.field, prefix + problem.reason)
