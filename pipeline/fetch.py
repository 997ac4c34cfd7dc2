"""Polite, bounded HTTP fetching for feeds and pages (httpx, asyncio).

Rules every request follows: an honest User-Agent; connect/read timeouts plus a total deadline;
a body cap applied *after* decompression; redirects followed by hand up to a limit, each hop
re-checked (http/https only) and the final URL recorded; a global concurrency cap, a per-host
concurrency cap and a per-host delay between request starts; conditional GET (ETag /
Last-Modified) where the caller has validators.

Nothing here raises on a bad response: every request ends as a :class:`Response` whose ``error``
says what went wrong, so one bad feed or page never stops a run.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from pipeline.config import FetchSettings
from pipeline.netguard import BlockedAddress, GuardedBackend, allowed_hosts

T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    """What to fetch; ``key`` lets the caller match responses to its own records."""

    url: str
    key: Any = None
    etag: str | None = None
    last_modified: str | None = None
    max_bytes: int | None = None
    # Hosts this request may reach on a private address (a private feed's own host).
    allow_private: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Response:
    """The outcome of one request. ``error`` is None when a body (or a 304) arrived."""

    request: Request
    final_url: str
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    error_kind: str | None = None  # timeout | connect | too_large | redirects | http | protocol | blocked
    elapsed_s: float = 0.0
    redirects: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class _TooLarge(Exception):
    pass


class HostLimiter:
    """Per-host concurrency cap and minimum delay between request starts to one host."""

    def __init__(self, per_host: int, delay_s: float) -> None:
        self.per_host = per_host
        self.delay_s = delay_s
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def acquire(self, host: str) -> asyncio.Semaphore:
        sem = self._sems.setdefault(host, asyncio.Semaphore(self.per_host))
        await sem.acquire()
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, 0.0))
            self._next_start[host] = start + self.delay_s
        if start > now:
            await asyncio.sleep(start - now)
        return sem


def make_client(settings: FetchSettings, guard: bool = False, max_connections: int | None = None,
                verify: Any = True) -> httpx.AsyncClient:
    """An AsyncClient with newsmon's timeouts and headers; redirects are followed by hand.

    With ``guard``, every connection goes through the SSRF guard (pipeline.netguard).
    """
    timeout = httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s)
    n = max_connections or settings.concurrency
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False, verify=verify)
    if guard:
        transport._pool._network_backend = GuardedBackend()  # httpx exposes no parameter for it
    return httpx.AsyncClient(
        timeout=timeout, transport=transport, follow_redirects=False, trust_env=False,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
    )


class HostClients:
    """One client, so one connection pool, per host.

    At every request httpcore checks each idle connection of the pool for expiry (a socket poll
    per connection): with one pool for all hosts that was about 5% of the run process's CPU in
    the throughput bench (py-spy, 50 hosts). A host's pool holds at most a few connections (the
    per-host cap; a redirect's other host adds its own). The TLS context is built once and shared:
    building one costs about 20 ms of CPU.
    """

    def __init__(self, settings: FetchSettings, guard: bool = False) -> None:
        self.settings = settings
        self.guard = guard
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._ssl: Any = None

    def get(self, url: str) -> httpx.AsyncClient:
        try:
            host = urlsplit(url).netloc.lower()
        except ValueError:  # a malformed URL fails in _fetch_one, with its reason, on any client
            host = ""
        client = self._clients.get(host)
        if client is None:
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()
            client = make_client(self.settings, guard=self.guard, verify=self._ssl,
                                 max_connections=max(4, 2 * self.settings.per_host_concurrency))
            self._clients[host] = client
        return client

    async def __aenter__(self) -> HostClients:
        return self

    async def __aexit__(self, *exc: object) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


async def _fetch_one(client: httpx.AsyncClient, req: Request, settings: FetchSettings,
                     limiter: HostLimiter, global_sem: asyncio.Semaphore, accept: str) -> Response:
    """One request, with redirects; every failure comes back as a Response with its reason."""
    started = time.monotonic()
    try:
        return await _fetch(client, req, settings, limiter, global_sem, accept)
    except Exception as exc:  # anything httpx or idna raise beyond HTTPError (a malformed host in a redirect)
        return Response(req, req.url, None, {}, b"", f"{type(exc).__name__}: {exc}"[:500], "protocol",
                        time.monotonic() - started)


async def _fetch(client: httpx.AsyncClient, req: Request, settings: FetchSettings,
                 limiter: HostLimiter, global_sem: asyncio.Semaphore, accept: str) -> Response:
    url = req.url
    hops: list[str] = []
    started = time.monotonic()
    cap = req.max_bytes or settings.max_page_bytes
    headers = {"Accept": accept}
    if req.etag:
        headers["If-None-Match"] = req.etag
    if req.last_modified:
        headers["If-Modified-Since"] = req.last_modified

    def fail(kind: str, message: str, status: int | None = None, hdrs: dict | None = None) -> Response:
        return Response(req, url, status, hdrs or {}, b"", message, kind, time.monotonic() - started, tuple(hops))

    # Total deadline, on top of httpx's per-phase timeouts: a server that trickles one byte a
    # second never trips a read timeout. It counts from the first request's start: time spent
    # queued behind the caps (many pages of one host) is not the server's.
    deadline = settings.timeout_s * 2
    first_start: float | None = None
    allowed_hosts.set(req.allow_private)
    async with global_sem:
        while True:
            scheme = urlsplit(url).scheme.lower()
            if scheme not in ("http", "https"):
                return fail("protocol", f"refused {scheme or 'relative'} URL (http and https only)")
            host = (urlsplit(url).hostname or "").lower()
            sem = await limiter.acquire(host)
            try:
                if first_start is None:
                    first_start = time.monotonic()
                remaining = deadline - (time.monotonic() - first_start)
                if remaining <= 0:
                    return fail("timeout", f"total time over {deadline:.0f} s")
                async with asyncio.timeout(remaining):
                    async with client.stream("GET", url, headers=headers) as resp:
                        status = resp.status_code
                        hdrs = {k.lower(): v for k, v in resp.headers.items()}
                        if status in (301, 302, 303, 307, 308) and "location" in hdrs:
                            if len(hops) >= settings.max_redirects:
                                return fail("redirects", f"more than {settings.max_redirects} redirects", status, hdrs)
                            hops.append(url)
                            url = urljoin(url, hdrs["location"])
                            if url in hops:
                                return fail("redirects", f"redirect loop at {url}", status, hdrs)
                            continue
                        if status == 304:
                            return Response(req, url, status, hdrs, b"", None, None, time.monotonic() - started, tuple(hops))
                        if not 200 <= status < 300:
                            return fail("http", f"HTTP {status} {resp.reason_phrase}".strip(), status, hdrs)
                        declared = hdrs.get("content-length")
                        if declared and declared.isdigit() and int(declared) > cap and "content-encoding" not in hdrs:
                            return fail("too_large", f"Content-Length {int(declared):,} over the {cap:,}-byte cap", status, hdrs)
                        chunks, size = [], 0
                        async for chunk in resp.aiter_bytes():  # decompressed bytes
                            size += len(chunk)
                            if size > cap:
                                raise _TooLarge()
                            chunks.append(chunk)
                        return Response(req, url, status, hdrs, b"".join(chunks), None, None,
                                        time.monotonic() - started, tuple(hops))
            except BlockedAddress as exc:
                return fail("blocked", str(exc))
            except _TooLarge:
                return fail("too_large", f"body over the {cap:,}-byte cap after decompression", status)
            except (TimeoutError, httpx.TimeoutException) as exc:
                return fail("timeout", f"timed out ({type(exc).__name__})")
            except httpx.ConnectError as exc:
                return fail("connect", f"cannot connect: {exc or type(exc).__name__}")
            except httpx.HTTPError as exc:
                return fail("protocol", f"{type(exc).__name__}: {exc}")
            finally:
                sem.release()


async def fetch_all_async(requests: Sequence[Request], settings: FetchSettings,
                          accept: str = "*/*", on_done: Any = None, guard: bool = False) -> list[Response]:
    """Fetch every request concurrently under the settings' caps; results keep input order."""
    limiter = HostLimiter(settings.per_host_concurrency, settings.per_host_delay_s)
    global_sem = asyncio.Semaphore(settings.concurrency)
    async with HostClients(settings, guard=guard and not settings.allow_private_networks) as clients:
        async def one(req: Request) -> Response:
            resp = await _fetch_one(clients.get(req.url), req, settings, limiter, global_sem, accept)
            if on_done is not None:
                on_done(resp)
            return resp
        return list(await asyncio.gather(*(one(r) for r in requests)))


class FetchStream:
    """Fetch requests in a background thread and hand each response over as it arrives.

    The same caps as :func:`fetch_all` apply (all hosts, per host, delay between starts), plus a
    window: at most ``window`` requests are admitted (in flight, or fetched and not yet taken with
    :meth:`get`). A slow consumer holds the fetcher back, so memory stays bounded however many
    requests there are. Requests start in the order given.
    """

    _END = object()

    def __init__(self, requests: Sequence[Request], settings: FetchSettings, accept: str = "*/*",
                 guard: bool = False, window: int = 96) -> None:
        self._requests = list(requests)
        self._settings = settings
        self._accept = accept
        self._guard = guard
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._room = threading.Semaphore(max(1, window))
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[Any] | None = None
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="newsmon-page-fetch", daemon=True)

    def start(self) -> FetchStream:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self._produce())
        except BaseException as exc:  # handed to the consumer's thread by get()
            if not self._stop.is_set():
                self._queue.put(exc)
        finally:
            self._queue.put(self._END)

    async def _produce(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._main = asyncio.current_task()
        s = self._settings
        limiter = HostLimiter(s.per_host_concurrency, s.per_host_delay_s)
        global_sem = asyncio.Semaphore(s.concurrency)
        async with HostClients(s, guard=self._guard and not s.allow_private_networks) as clients:
            async def one(req: Request) -> None:
                self._queue.put(await _fetch_one(clients.get(req.url), req, s, limiter, global_sem,
                                                 self._accept))

            tasks = []
            for req in self._requests:
                if not self._room.acquire(blocking=False):
                    await self._loop.run_in_executor(None, self._room.acquire)
                if self._stop.is_set():
                    break
                tasks.append(asyncio.create_task(one(req)))
            if self._stop.is_set():
                for t in tasks:
                    t.cancel()
            await asyncio.gather(*tasks, return_exceptions=self._stop.is_set())

    def get(self, timeout: float | None = None) -> Response | None:
        """The next response to arrive; None once every request has been answered.

        Raises ``queue.Empty`` after ``timeout`` seconds without a response, and re-raises an
        error of the fetching thread itself (responses carry their own errors)."""
        if self._ended:
            return None
        item = self._queue.get(timeout=timeout)
        if item is self._END:
            self._ended = True
            return None
        if isinstance(item, BaseException):
            raise item
        self._room.release()
        return item

    def close(self) -> None:
        """Stop fetching (requests in flight are cancelled) and wait for the thread to end."""
        if not self._thread.is_alive():
            return
        self._stop.set()
        self._room.release(len(self._requests) + 1)
        loop, main = self._loop, self._main
        if loop is not None and main is not None:
            try:
                loop.call_soon_threadsafe(main.cancel)
            except RuntimeError:  # the loop has just closed
                pass
        self._thread.join(timeout=30)

    def __enter__(self) -> FetchStream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when this thread has a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="newsmon-fetch")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


def fetch_all(requests: Sequence[Request], settings: FetchSettings, accept: str = "*/*",
              on_done: Any = None, guard: bool = False) -> list[Response]:
    """Sync wrapper around :func:`fetch_all_async`. ``guard``: refuse private addresses (links
    from feed content), unless ``settings.allow_private_networks``."""
    return run_async(fetch_all_async(requests, settings, accept, on_done, guard))
