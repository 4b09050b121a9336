"""Cases: the rules of a case's fields, evidence files stored by their SHA-256, and what blocks a release.

Pure logic; `nexus.service.cases`, `service.evidence` and `service.dissemination` take the
viewer, the database and the audit trail.
"""
