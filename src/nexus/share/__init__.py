"""Sharing: a case's dissemination package for another agency (HTML and PDF reports, FtM JSON lines,
the evidence files, a manifest of SHA-256s), rendered from what the service decided may go."""

from nexus.share.contents import EvidenceFile, Markings, Package
from nexus.share.package import write_package

__all__ = ["EvidenceFile", "Markings", "Package", "write_package"]
