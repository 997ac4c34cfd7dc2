"""Environment for Prefect runs that newsmon starts: quiet, local, and never phoning home.

Must run before the first ``import prefect``: Prefect reads its settings at import time.
"""

from __future__ import annotations

import os
from pathlib import Path


def configure(data_dir: Path, verbose: bool = False) -> None:
    """Set Prefect's environment unless the user already chose (their values win)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_HOME", str(Path(data_dir).resolve() / "prefect"))
    # Ephemeral mode: a local server in-process when no PREFECT_API_URL is set.
    os.environ.setdefault("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "true")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
