"""The service layer: every read of intelligence, authorised by policy and audited.

The CLI, the REST API and the web UI call these functions and nothing below them.
"""
