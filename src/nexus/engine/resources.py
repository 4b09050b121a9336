"""How much memory an engine may take: ``NEXUS_ENGINE_MEMORY`` (e.g. ``8g``, ``512m``),
else a share of what the machine has available when the engine starts."""

import os

from nexus.errors import InvalidInput

AVAILABLE_SHARE = 0.6
MIN_MB = 1024
MAX_MB = 64 * 1024
_UNITS = {"m": 1, "g": 1024, "t": 1024 * 1024}


def available_mb() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            fields = dict(line.split(":", 1) for line in info)
        return int(fields["MemAvailable"].split()[0]) // 1024
    except (OSError, KeyError, ValueError):
        return 4 * MIN_MB


def memory_mb() -> int:
    configured = os.environ.get("NEXUS_ENGINE_MEMORY", "").strip().lower().removesuffix("b")
    if configured:
        unit = _UNITS.get(configured[-1])
        number = configured[:-1] if unit else configured
        if not number.isdigit():
            raise InvalidInput(f"NEXUS_ENGINE_MEMORY must be a size such as 8g or 512m, not {configured!r}")
        return int(number) * (unit or 1)
    return max(MIN_MB, min(MAX_MB, int(available_mb() * AVAILABLE_SHARE)))
