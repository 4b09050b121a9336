"""`nexus synth` and `nexus demo` (filled in as the synthetic world lands)."""

import typer


def register(app: typer.Typer) -> None:
    pass
