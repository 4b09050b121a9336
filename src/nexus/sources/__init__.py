"""Source formats. Each turns an input file into FtM entities plus record errors."""

from importlib import import_module

from nexus.sources.base import Record, RecordError, SourceError, SourceFormat

# format name -> "module:class"; formats are imported only when used.
FORMATS = {
    "ftm": "nexus.sources.ftm:FtMFormat",
    "un-sc": "nexus.sources.un_sc:UNSCFormat",
    "csv": "nexus.sources.csv_mapping:CSVMappingFormat",
    "goaml": "nexus.sources.goaml:GoAMLFormat",
    "paxlst": "nexus.sources.travel:PaxlstFormat",
    "pnrgov": "nexus.sources.travel:PnrgovFormat",
}


def get_format(name: str) -> SourceFormat:
    try:
        module, cls = FORMATS[name].split(":")
    except KeyError:
        raise SourceError(f"unknown format {name!r} (known: {', '.join(sorted(FORMATS))})") from None
    return getattr(import_module(module), cls)()


__all__ = ["FORMATS", "Record", "RecordError", "SourceError", "SourceFormat", "get_format"]
