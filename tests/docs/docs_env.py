"""What the documentation's examples run with (its own module: ``conftest`` is no importable name)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

#: a feed URL of an example peer: its scheme and host are replaced by the test peer's
PEER_URL = re.compile(r"https://[a-z0-9.-]+\.example(?=/feeds/)")
TOKEN = "..."  # the placeholder the examples use, as the token the test peer knows


def example_env(workspace: Path) -> dict[str, str]:
    """The environment examples run in: the iodef being tested first on PATH, no colour, no home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IODEF_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        IODEF_TOKEN=TOKEN,
        KEY="docs-example-pseudonymisation-key",
        XDG_DATA_HOME=str(workspace / ".local" / "share"),
        SSL_CERT_FILE=str(workspace / "peer-ca.pem"),
        HOME=str(workspace),
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
        COLUMNS="100",
    )
    return env
