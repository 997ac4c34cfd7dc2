"""``newsmon serve``: run the ingest flow on the configured schedule, as a Prefect deployment.

Prefect's ephemeral mode cannot schedule ("Cannot schedule flows on an ephemeral server"), so
when no ``PREFECT_API_URL`` is set this starts and supervises a local Prefect server
(``prefect server start``, SQLite under PREFECT_HOME, 127.0.0.1, a free port) and stops it on
exit; when one is set (your own server, or Prefect Cloud), it uses that. It stops cleanly on
SIGTERM and Ctrl-C. Runs never stack: the deployment runs at most one flow run at a time
(``limit=1``: a run due while another runs waits), and the flow's run lock makes a run that
still overlaps (a manual ``newsmon run``, say) skip instead of piling up.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

from pipeline.errors import NewsmonError


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalPrefectServer:
    """``prefect server start`` as a supervised child process."""

    def __init__(self, home: Path, port: int | None = None, log: Path | None = None) -> None:
        self.home = home
        self.port = port or _free_port()
        self.log_path = log or home / "server.log"
        self.proc: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self, timeout_s: float = 90.0) -> float:
        """Start the server and wait until it answers; returns the seconds it took."""
        self.home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PREFECT_HOME": str(self.home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "DO_NOT_TRACK": "1", "PREFECT_UI_ENABLED": "false"}
        env.pop("PREFECT_API_URL", None)
        log = self.log_path.open("ab")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port),
             "--no-ui", "--analytics-off"], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        while time.monotonic() - started < timeout_s:
            if self.proc.poll() is not None:
                raise NewsmonError(f"the local Prefect server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.api_url + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        return time.monotonic() - started
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise NewsmonError(f"the local Prefect server did not answer within {timeout_s:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


def serve(config_dir: Path, db: Path | None, cron: str | None, interval_minutes: float | None,
          console: Any, verbose: bool = False) -> None:
    """Serve the ingest flow on its schedule until SIGTERM or Ctrl-C."""
    from newsmon import prefect_env
    from pipeline.config import load_config

    config = load_config(config_dir)
    settings = config.settings
    cron = cron or (None if interval_minutes else settings.schedule_cron)
    interval = interval_minutes or (None if cron else settings.schedule_interval_minutes)
    prefect_env.configure(settings.data_dir, verbose=verbose)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    import warnings

    # Prefect's runner handles SIGTERM itself and leaves this warning behind at exit.
    warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited")
    signal.signal(signal.SIGTERM, on_term)
    server = None
    try:
        if not os.environ.get("PREFECT_API_URL"):
            server = LocalPrefectServer(Path(os.environ["PREFECT_HOME"]) / "server")
            seconds = server.start()
            os.environ["PREFECT_API_URL"] = server.api_url
            console.print(f"local Prefect server on {server.api_url} (started in {seconds:.1f} s)", highlight=False)
        else:
            console.print(f"using the Prefect server at {os.environ['PREFECT_API_URL']}", highlight=False)
        from flows.ingest import ingest_flow

        prefect_env.quiet_task_failures(verbose)
        when = f"cron '{cron}'" if cron else f"every {interval:g} minute(s)"
        console.print(f"serving newsmon-ingest {when}; Ctrl-C or SIGTERM stops", highlight=False)
        params = {"config_dir": str(Path(config_dir).resolve()), "db_path": str(db.resolve()) if db else None,
                  "trigger": "schedule"}
        from prefect.deployments.runner import EntrypointType

        # MODULE_PATH: runs load `flows.ingest:ingest_flow` by import, not from a file path, so the
        # flow's module-level objects are referenced, not copied into the run's subprocess.
        ingest_flow.serve(name="newsmon-scheduled", cron=cron,
                          interval=timedelta(minutes=interval) if interval and not cron else None,
                          parameters=params, limit=1, pause_on_shutdown=False, print_starting_message=verbose,
                          entrypoint_type=EntrypointType.MODULE_PATH)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if server is not None:
            server.stop()
        console.print("stopped" + (" (and the local Prefect server with it)" if server else ""), highlight=False)
