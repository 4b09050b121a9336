import os
import subprocess
import sys

NEXUS = [sys.executable, "-c", "from nexus.cli import main; main()"]


def nexus(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the `nexus` command in a child process, as a user would."""
    return subprocess.run([*NEXUS, *args], env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=300, **kwargs)
