"""Agencies that deliver CSV tables, each with the FtM mapping that turns rows into entities."""

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from nexus.synth.manifest import CSV, ManifestFile, SuggestedLabels
from nexus.synth.output import write_csv


def write_mapped_csv(out_dir: Path, path: str, columns: dict[str, np.ndarray], entities: dict[str, Any],
                     agency: str, source: str, description: str, labels: SuggestedLabels) -> ManifestFile:
    """Write the table and its mapping (followthemoney.mapping query format) beside it.

    ``csv_url`` names the CSV file beside the mapping; a reader that is given the CSV's
    path replaces it.
    """
    csv_path = out_dir / path
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    rows = write_csv(csv_path, columns)
    mapping_path = path.removesuffix(".csv") + ".mapping.yml"
    mapping = {"queries": [{"csv_url": csv_path.name, "entities": entities}]}
    (out_dir / mapping_path).write_text(yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return ManifestFile(path, CSV, agency, source, description, labels, {"records": rows}, mapping=mapping_path)
