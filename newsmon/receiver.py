"""A local chat-webhook stand-in: records what apprise's ``json://`` notifier posts to it.

Used by the demo (alerts arrive somewhere you can see) and the tests (a real receiver, not a
mock). ``down = True`` makes it answer 503, like a chat service in an outage.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from newsmon.localserver import serve_in_thread, stop_server
from typing import Any


@dataclass
class Receiver:
    """Collect JSON posts on 127.0.0.1 in a background thread. Use as a context manager."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    down: bool = False
    delay_s: float = 0.0  # a slow chat service: each post takes this long

    def __post_init__(self) -> None:
        self._httpd: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def apprise_url(self) -> str:
        return f"json://{self.host}:{self.port}/"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if receiver.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                with receiver._lock:
                    receiver.messages.append(json.loads(body or b"{}"))
                    receiver.headers.append({k.lower(): v for k, v in self.headers.items()})
                if receiver.delay_s:  # delivered, but the answer is slow: a sender may die waiting
                    import time

                    time.sleep(receiver.delay_s)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._httpd, self.port = serve_in_thread(ThreadingHTTPServer, (self.host, self.port), Handler, "alert-receiver")
        return self

    def stop(self) -> None:
        self._httpd = stop_server(self._httpd)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
