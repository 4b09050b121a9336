"""The dissemination package: one zip file to hand over, every file in it listed with its SHA-256."""

import hashlib
import zipfile
from datetime import datetime
from typing import IO

import orjson

from nexus.share.contents import Package
from nexus.share.html import render_html
from nexus.share.pdf import render_pdf
from nexus.share.report import handling

FORMAT = "nexus-dissemination/1"
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"  # the manifest's hashes as `sha256sum -c` reads them


def write_package(package: Package, out: IO[bytes]) -> dict:
    """Write the package as a zip to ``out``; returns its manifest (also the zip's manifest.json)."""
    moment = datetime.fromisoformat(package.issued_at).timetuple()[:6]
    files = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes, media_type: str) -> None:
            archive.writestr(zipfile.ZipInfo(name, moment), data, compress_type=zipfile.ZIP_DEFLATED)
            files.append({"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                          "media_type": media_type})

        add("report.html", render_html(package).encode(), "text/html")
        add("report.pdf", render_pdf(package), "application/pdf")
        add("entities.ftm.json", b"".join(orjson.dumps(e.to_dict()) + b"\n" for e in package.entities),
            "application/x-ndjson")
        for evidence in package.evidence:
            info = zipfile.ZipInfo(evidence.member, moment)
            info.compress_type = zipfile.ZIP_DEFLATED
            digest, size = hashlib.sha256(), 0
            with evidence.path.open("rb") as source, archive.open(info, "w") as target:
                while block := source.read(1 << 20):
                    target.write(block)
                    digest.update(block)
                    size += len(block)
            # The bytes as copied, not as expected: the caller compares them with the stored SHA-256.
            files.append({"path": evidence.member, "sha256": digest.hexdigest(), "size": size,
                          "media_type": evidence.media_type}
                         | ({"markings": evidence.markings.as_dict()} if evidence.markings else {}))
        manifest = {
            "format": FORMAT, "case": {k: package.case[k] for k in ("id", "title", "owner_agency")},
            "recipient": package.recipient, "issued_by": package.issued_by,
            "issuing_agency": package.issuing_agency, "issued_at": package.issued_at, "purpose": package.purpose,
            "classification": package.classification.name, "markings": package.marked.as_dict(),
            "handling": handling(package), "entities": len(package.entities), "files": files,
        }
        archive.writestr(zipfile.ZipInfo(CHECKSUMS, moment), "".join(f"{f['sha256']}  {f['path']}\n" for f in files))
        archive.writestr(zipfile.ZipInfo(MANIFEST, moment),
                         orjson.dumps(manifest, option=orjson.OPT_INDENT_2), compress_type=zipfile.ZIP_DEFLATED)
    return manifest
