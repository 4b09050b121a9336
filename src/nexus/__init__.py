"""Nexus: intelligence platform for the terrorism–organized crime nexus."""

__version__ = "0.1.0"
