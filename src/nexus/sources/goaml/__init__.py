"""goAML XML reports (UNODC's reporting format): validated against the FIU's own XSD, read into FtM.

Each file is one report and one record. A report that breaks the FIU's schema is rejected
whole: one record error per violation (element path, line, reason), and no entities; the
next file of a folder still loads. The schema is the FIU's profile: its XSD file
(`schema=`), whose code lists and patterns differ from FIU to FIU. Without one a report is read
as it stands (its XML, dates and amounts still checked), not validated: the caller says so.
"""

from collections.abc import Iterator
from pathlib import Path

from nexus.sources.base import Record, RecordError, SourceError
from nexus.sources.goaml.report import read_report, report_key
from nexus.sources.goaml.schema import load_schema, schema_errors
from nexus.sources.xml import iter_elements


class GoAMLFormat:
    name = "goaml"
    is_list = False

    def read(self, path: Path, schema: Path | None = None, **options: object) -> Iterator[Record]:
        xsd = load_schema(Path(schema)) if schema is not None else None
        for element, _, location in iter_elements(path, {"report"}):
            errors = schema_errors(xsd, element.getroottree()) if xsd is not None else []
            if errors:
                for position, error in enumerate(errors):
                    where = f"{error.path}" + (f" line {error.line}" if error.line else "")
                    yield Record(position, error=RecordError(str(path), where, error.path.rsplit("/", 1)[-1],
                                                             f"not valid against {Path(schema).name}: {error.reason}"))
                return
            yield Record(0, entities=read_report(element, report_key(element, path.read_bytes())))
            return
        raise SourceError(f"{path}: no <report> element: not a goAML report")
