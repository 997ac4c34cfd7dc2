"""A small real HTTP server on 127.0.0.1 that serves a corpus folder: the demo's and the tests'.

- Every served file has ``{{BASE}}`` replaced by the server's base URL and ``{{BASE_Q}}`` by the
  same, URL-encoded, so feeds can link to pages on whatever port the server got.
- ``routes.toml`` in the folder declares special routes: a status (500, 404, 410), a redirect
  (``status = 301`` + ``location``), a redirect wrapper (``redirect_param``: 302 to the value of
  that query parameter), a content type, or a delay in seconds.
- ETag and Last-Modified on every file, with 304 on a matching conditional GET; gzip when asked.
- ``requests`` logs every request path, so a test can assert what a run fetched.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
import time
import tomllib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

LAST_MODIFIED = "Sat, 21 Nov 2026 08:00:00 GMT"


@dataclass
class Route:
    status: int = 200
    location: str | None = None
    redirect_param: str | None = None
    content_type: str | None = None
    delay_s: float = 0.0
    body: bytes | None = None
    # Hostile behaviours, for the reliability tests:
    stream_bytes: int = 0  # stream this many bytes of HTML filler, no Content-Length (a page that never ends)
    trickle_s: float = 0.0  # send one byte every trickle_s seconds, for up to 10 minutes
    gzip_bomb: int = 0  # a gzip body that inflates to this many bytes
    headers: dict[str, str] | None = None  # extra or overriding response headers
    fail_times: int = 0  # with status >= 400: fail only the first N requests, then serve normally


@dataclass
class CorpusServer:
    """Serve ``root`` on 127.0.0.1 in a background thread. Use as a context manager."""

    root: Path
    host: str = "127.0.0.1"
    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        routes_file = self.root / "routes.toml"
        if routes_file.exists():
            with routes_file.open("rb") as fh:
                for item in tomllib.load(fh).get("route", []):
                    path = item.pop("path")
                    self.routes[path] = Route(**{k: v for k, v in item.items() if k in Route.__dataclass_fields__})
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def set_route(self, path: str, **kwargs: Any) -> None:
        """Add or replace a special route while the server runs."""
        if isinstance(kwargs.get("body"), str):
            kwargs["body"] = kwargs["body"].encode()
        self.routes[path] = Route(**kwargs)

    def clear_route(self, path: str) -> None:
        self.routes.pop(path, None)

    def render(self, rel: str) -> bytes | None:
        """The bytes served for a corpus file, placeholders filled in (None if missing)."""
        target = (self.root / rel.lstrip("/")).resolve()
        if not target.is_file() or self.root.resolve() not in target.parents:
            return None
        data = target.read_bytes()
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):  # placeholders in UTF-16 files too
            if "{{BASE".encode(enc) in data:
                data = data.replace("{{BASE_Q}}".encode(enc), quote(self.base_url, safe="").encode(enc))
                data = data.replace("{{BASE}}".encode(enc), self.base_url.encode(enc))
        return data

    def paths_requested(self, prefix: str = "") -> list[str]:
        with self._lock:
            return [p for p in self.requests if p.startswith(prefix)]

    def start(self) -> CorpusServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
                headers = dict(extra or {})
                if body and "gzip" in self.headers.get("Accept-Encoding", "") and status == 200:
                    body = gzip.compress(body, mtime=0)
                    headers["Content-Encoding"] = "gzip"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with server._lock:
                    server.requests.append(self.path)
                    server.user_agents.append(self.headers.get("User-Agent", ""))
                route = server.routes.get(parts.path)
                if route is not None and route.delay_s:
                    time.sleep(route.delay_s)
                if route is not None and route.redirect_param:
                    target = parse_qs(parts.query).get(route.redirect_param, [""])[0]
                    if target:
                        return self._send(302, b"", "text/plain", {"Location": target})
                    return self._send(400, b"missing target", "text/plain")
                if route is not None and route.location:
                    return self._send(route.status or 301, b"", "text/plain", {"Location": route.location})
                if route is not None and route.stream_bytes:
                    return self._stream(route.stream_bytes)
                if route is not None and route.trickle_s:
                    return self._trickle(route.trickle_s)
                if route is not None and route.gzip_bomb:
                    return self._gzip_bomb(route.gzip_bomb)
                if route is not None and route.status >= 400 and route.fail_times >= 0:
                    if route.fail_times:
                        route.fail_times -= 1
                        if route.fail_times == 0:
                            route.fail_times = -1  # failed enough: serve normally from now on
                    body = route.body or f"error {route.status}".encode()
                    return self._send(route.status, body, "text/plain; charset=utf-8", dict(route.headers or {}))
                body = route.body if route is not None and route.body is not None else server.render(parts.path)
                if body is None and parts.path.endswith("/"):
                    body = server.render(parts.path + "index.html")
                if body is None:
                    return self._send(404, b"not found", "text/plain; charset=utf-8")
                ctype = route.content_type if route is not None and route.content_type else _content_type(parts.path, body)
                extra = dict(route.headers or {}) if route is not None else {}
                if route is not None and route.status != 200 and route.status < 400:
                    return self._send(route.status, body, ctype, extra)
                if "Content-Type" in extra:
                    ctype = extra.pop("Content-Type")
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag or (
                        not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == LAST_MODIFIED):
                    return self._send(304, b"", ctype, {"ETag": etag, "Last-Modified": LAST_MODIFIED})
                return self._send(200, body, ctype, {"ETag": etag, "Last-Modified": LAST_MODIFIED, **extra})

            def _stream(self, total: int) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<p>" + b"endless " * 8000 + b"</p>\n"
                sent = 0
                try:
                    while sent < total:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except OSError:  # the client gave up, as it should
                    pass
                self.close_connection = True

            def _trickle(self, every: float) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                try:
                    for _ in range(int(600 / max(every, 0.01))):
                        self.wfile.write(b"a")
                        self.wfile.flush()
                        time.sleep(every)
                except OSError:
                    pass
                self.close_connection = True

            def _gzip_bomb(self, size: int) -> None:
                body = _bomb(size)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

        self._httpd, self.port = serve_in_thread(_QuietServer, (self.host, self.port), Handler, "corpus-server")
        return self

    def stop(self) -> None:
        self._httpd = stop_server(self._httpd)

    def __enter__(self) -> CorpusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_in_thread(cls: type[ThreadingHTTPServer], address: tuple[str, int], handler: type,
                    name: str) -> tuple[ThreadingHTTPServer, int]:
    """Start ``cls(address, handler)`` in a daemon thread; returns the server and its port."""
    httpd = cls(address, handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, name=name, daemon=True).start()
    return httpd, httpd.server_address[1]


def stop_server(httpd: ThreadingHTTPServer | None) -> None:
    """Shut a server down and close its socket (None is fine)."""
    if httpd is not None:
        httpd.shutdown()
        httpd.server_close()


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-body is what the hostile routes expect: no traceback for it."""

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


_BOMBS: dict[int, bytes] = {}


def _bomb(size: int) -> bytes:
    """gzip of ``size`` zero bytes (cached: 1 GB compresses to about 1 MB)."""
    if size not in _BOMBS:
        import zlib

        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = b"\0" * (1 << 20)
        parts = [comp.compress(block) for _ in range(size >> 20)]
        parts.append(comp.flush())
        _BOMBS[size] = b"".join(parts)
    return _BOMBS[size]


def _content_type(path: str, body: bytes) -> str:
    if path.endswith(".xml"):
        head = body[:500].lower()
        # No charset: the document's BOM and XML declaration say it (a wrong charset is a test case)
        return "application/atom+xml" if b"<feed" in head or b"<\x00f\x00e\x00e\x00d" in head else "application/rss+xml"
    if path.endswith(".opml"):
        return "text/x-opml; charset=utf-8"
    guessed = mimetypes.guess_type(path)[0]
    if guessed == "text/html" or path.endswith("/"):
        return "text/html; charset=utf-8"
    return guessed or "application/octet-stream"
