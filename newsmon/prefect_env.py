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


def quiet_task_failures(verbose: bool) -> None:
    """Keep Prefect's task-failure tracebacks off the terminal unless --verbose.

    A feed that is still down after its retries is an expected outcome: it is in the run's
    summary table and in feed_status. Prefect logs it at ERROR with a traceback, which reads like
    a crash. Call after importing prefect (its logging setup runs at import).
    """
    import logging

    if not verbose:
        logging.getLogger("prefect.task_runs").setLevel(logging.CRITICAL)
