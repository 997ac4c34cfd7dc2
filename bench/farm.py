"""A feed farm: a simulated web on loopback, for the throughput bench.

    .venv/bin/python -m bench.farm --hosts 50 --feeds 200 --entries 50    # serve until Ctrl-C
    .venv/bin/python -m bench.farm --check                                # uniqueness check, then exit

- H hosts on distinct loopback addresses (127.0.1.1, 127.0.1.2, ...), one asyncio server per
  address, all in one process (:class:`Farm` starts it as a separate process, so its CPU is not the
  measured process's, and reports the CPU time it used).
- F feeds (RSS 2.0, ``/feed/{f}.xml``), feed ``f`` on host ``f % H``, each listing its newest M
  entries; every entry links to an article page on the feed's own host (``/a/{f}/{seq}.html``).
- Article pages are built from the real pages in ``eval-data/extraction/html`` (median 115 KB):
  the page's markup is kept (so extraction costs what it costs on the real page) and the text of
  every content paragraph (``<p>`` of 60+ characters) is replaced by a real paragraph drawn at
  random from the pool of all pages' paragraphs in the same language, the first one prefixed with a
  unique dateline; the headline (``<title>``, ``<h1>``, ``og:title``) becomes a headline made from
  the lead, and ISO / ``YYYY/MM/DD`` dates become the article's publication date (recent). Base pages
  whose variants stay near-copies (text outside ``<p>``) are left out: two variants of each base are
  extracted at start-up and kept only if the texts' 3-shingle Jaccard (``pipeline.neardup``) is
  below 0.3 and both have 200+ characters (cached in ``~/.cache/newsmon-bench``).
- Every response is delayed by ``latency`` seconds (default 0.15). ETag and Last-Modified on every
  feed and page; 304 on a matching conditional GET. Keep-alive (HTTP/1.1). Optional gzip.
- ``Farm.advance(n)`` publishes n new entries per feed (the oldest n drop off, ETags change).

Everything is deterministic from the seed, so :meth:`Corpus.page` in any process returns the bytes
the server sends.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import gzip
import hashlib
import html as htmlmod
import json
import logging
import multiprocessing
import os
import random
import re
import resource
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HTML_DIR = ROOT.parent / "shared" / "eval-data" / "extraction" / "html"
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsmon-bench"
SLOT = "NEWSMONFARMSLOT"
TITLE = "NEWSMONFARMTITLEX"
DATE = "NEWSMONFARMDATE"
_SLOT_RE = re.compile(f"({SLOT}\\d+X|{TITLE}|{DATE}\\dX)")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# Dates in the page (meta tags, JSON-LD, bylines, paths) -> the article's own date, in the same form,
# so that trafilatura dates 179 of the 181 pages to the day they are "published" (inside the story window).
_DATES = [(re.compile(r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b"), "%Y-%m-%d"),
          (re.compile(r"\b(?:19|20)\d\d/[01]\d/[0-3]\d/"), "%Y/%m/%d/"),
          (re.compile(r"\b(?:19|20)\d\d/[01]\d/[0-3]\d\b"), "%Y/%m/%d"),
          (re.compile(_MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d\b"), "%B %d, %Y"),
          (re.compile(r"\b\d{1,2}\.?\s+" + _MONTH + r",?\s+(?:19|20)\d\d\b"), "%d %B %Y")]
MIN_PARAGRAPH = 60
BIG_POOL = 500  # languages with fewer pool paragraphs get paragraphs of random sentences
MAX_PARAGRAPH = 800  # longer pool paragraphs are cut at sentence ends
MIN_SLOTS = 4  # a base page needs this many content paragraphs
MIN_TEXT = 1500  # and its variants this many characters of extracted text (a short text sharing one
#                  pool paragraph with another would be a near-copy)
CHECK_VARIANTS = 5
CHECK_MAX_JACCARD = 0.12  # a base is kept when its variants stay well below neardup.THRESHOLD (0.3)
_SENTENCE = re.compile(r"(?<=[.!?\u3002])\s*")
LANG_ATTR = re.compile(r"<html[^>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})", re.I)
EPOCH = datetime(2026, 11, 1, tzinfo=UTC)  # Last-Modified of pages (before any run)


# -- corpus ------------------------------------------------------------------------------------
@dataclass
class Template:
    name: str
    parts: list[str]  # literal markup, alternating with the slots in ``slots``
    slots: list[str]  # "p" (a paragraph), "title", "date"
    lang: str
    size: int  # bytes of the original page


def _template(name: str, raw: bytes) -> tuple[Template, list[str]]:
    """Markup with placeholders for paragraphs, headline and dates; and the page's paragraphs."""
    import lxml.html

    doc = lxml.html.document_fromstring(raw)
    paragraphs: list[str] = []
    n = 0
    for el in doc.iter("p"):
        text = " ".join(el.text_content().split())
        if len(text) >= MIN_PARAGRAPH:
            for child in list(el):
                el.remove(child)
            el.text = f"{SLOT}{n}X"
            n += 1
            paragraphs.append(text)
    for el in doc.iter("title"):
        for child in list(el):
            el.remove(child)
        el.text = TITLE
    for h1 in doc.iter("h1"):
        for child in list(h1):
            h1.remove(child)
        h1.text = TITLE
        break
    for meta in doc.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key in ("og:title", "twitter:title"):
            meta.set("content", TITLE)
    doctype = doc.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    markup = lxml.html.tostring(doc, encoding="unicode", doctype=doctype)
    for k, (pattern, _) in enumerate(_DATES):
        markup = pattern.sub(f"{DATE}{k}X", markup)
    pieces = _SLOT_RE.split(markup)
    parts = pieces[0::2]
    slots = ["p" if s.startswith(SLOT) else "title" if s == TITLE else "date" + s[len(DATE)] for s in pieces[1::2]]
    m = LANG_ATTR.search(raw[:4096].decode("utf-8", "replace"))
    if m:
        lang = m.group(1).lower()[:2]
    else:
        import py3langid

        lang = py3langid.classify(" ".join(paragraphs)[:3000])[0] if paragraphs else "und"
    return Template(name, parts, slots, lang, len(raw)), paragraphs


def _pieces(paragraph: str, limit: int = MAX_PARAGRAPH) -> list[str]:
    """A paragraph, or a very long one cut at sentence ends into pieces of about ``limit``
    characters (one giant paragraph drawn by two pages would make them near-copies)."""
    if len(paragraph) <= limit:
        return [paragraph]
    out, cur = [], ""
    for sentence in _SENTENCE.split(paragraph):
        if cur and len(cur) + len(sentence) > limit:
            out.append(cur.strip())
            cur = ""
        cur += sentence + " "
    if cur.strip():
        out.append(cur.strip())
    return [p for p in out if len(p) >= MIN_PARAGRAPH]


def _headline(lead: str) -> str:
    words = lead.split()[:10]
    text = " ".join(words).rstrip(",;:.")
    return text[:1].upper() + text[1:] if text else "Untitled"


@dataclass
class Corpus:
    """Article pages made unique per (feed, seq), deterministic from ``seed``."""

    seed: int = 20261122
    html_dir: Path = HTML_DIR
    templates: list[Template] = field(default_factory=list)
    pools: dict[str, list[str]] = field(default_factory=dict)
    excluded: list[str] = field(default_factory=list)
    _sentences: dict[str, list[str]] = field(default_factory=dict)

    def load(self, check: bool = True) -> Corpus:
        paths = sorted(glob.glob(str(self.html_dir / "*.html.gz")))
        if not paths:
            raise SystemExit(f"no pages in {self.html_dir}")
        all_templates = []
        seen: set[str] = set()
        for p in paths:
            t, paragraphs = _template(Path(p).name, gzip.decompress(Path(p).read_bytes()))
            all_templates.append(t)
            pool = self.pools.setdefault(t.lang, [])
            for para in paragraphs:
                for piece in _pieces(para):
                    if piece not in seen:  # boilerplate paragraphs repeat across pages: once in the pool
                        seen.add(piece)
                        pool.append(piece)
        good = self._good_bases(all_templates) if check else {t.name for t in all_templates}
        self.templates = [t for t in all_templates if t.name in good and "p" in t.slots]
        self.excluded = [t.name for t in all_templates if t not in self.templates]
        return self

    def _good_bases(self, templates: list[Template]) -> set[str]:
        """Bases whose two variants extract to 200+ chars and are no near-copies (cached)."""
        digest = hashlib.sha256(json.dumps([self.seed, MIN_PARAGRAPH, MAX_PARAGRAPH, MIN_SLOTS, MIN_TEXT, BIG_POOL, CHECK_VARIANTS,
                                            CHECK_MAX_JACCARD, [p.pattern for p, _ in _DATES],
                                            sorted(t.name for t in templates),
                                            sum(len(t.parts) for t in templates)]).encode()).hexdigest()[:16]
        cache = CACHE_DIR / f"farm-bases-{digest}.json"
        if cache.exists():
            return set(json.loads(cache.read_text()))
        from pipeline.neardup import jaccard, shingles

        good = set()
        for i, t in enumerate(templates):
            if t.slots.count("p") < MIN_SLOTS:
                continue
            texts = [_extract_text(self._render(t, random.Random(f"check:{i}:{k}"), f"CHECK {k}",
                                                EPOCH)[1]) for k in range(CHECK_VARIANTS)]
            sh = [shingles(x) for x in texts]
            worst = max(jaccard(a, b) for j, a in enumerate(sh) for b in sh[j + 1:])
            if min(len(x) for x in texts) >= MIN_TEXT and worst < CHECK_MAX_JACCARD:
                good.add(t.name)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(sorted(good)))
        return good

    def _paragraph(self, lang: str, rng: random.Random) -> str:
        pool = self.pools[lang]
        if len(pool) >= BIG_POOL:
            return rng.choice(pool)
        # A small pool (a language with few pages): a paragraph of random sentences of the pool, as
        # many as a random pool paragraph has, so that two pages share few 3-shingles.
        if lang not in self._sentences:
            self._sentences[lang] = [s for p in pool for s in _SENTENCE.split(p) if s.strip()]
        n = len([s for s in _SENTENCE.split(rng.choice(pool)) if s.strip()])
        return " ".join(rng.choice(self._sentences[lang]) for _ in range(max(1, n)))

    def _render(self, t: Template, rng: random.Random, dateline: str, when: datetime) -> tuple[str, bytes]:
        n = sum(1 for s in t.slots if s == "p")
        paras = [self._paragraph(t.lang, rng) for _ in range(n)]
        paras[0] = f"{dateline} \u2014 {paras[0]}"
        title = _headline(paras[0].split("\u2014", 1)[1])
        title_html = htmlmod.escape(title)
        dates = {f"date{k}": when.strftime(fmt) for k, (_, fmt) in enumerate(_DATES)}
        out = [t.parts[0]]
        k = 0
        for slot, part in zip(t.slots, t.parts[1:]):
            if slot == "p":
                out.append(htmlmod.escape(paras[k], quote=False))
                k += 1
            elif slot == "title":
                out.append(title_html)
            else:
                out.append(dates[slot])
            out.append(part)
        return title, "".join(out).encode("utf-8")

    def article(self, feed: int, seq: int) -> tuple[str, bytes, datetime, int]:
        """(headline, page bytes, publication time, base index) of article ``seq`` of feed ``feed``."""
        rng = random.Random(f"{self.seed}:{feed}:{seq}")
        b = rng.randrange(len(self.templates))
        when = published_at(seq)
        title, body = self._render(self.templates[b], rng, f"FARM {feed:04d}-{seq:05d}", when)
        return title, body, when, b

    def page(self, feed: int, seq: int) -> bytes:
        return self.article(feed, seq)[1]


def published_at(seq: int) -> datetime:
    """Entry ``seq`` of a feed: one a minute, entry 1100 at the start of the current hour (recent,
    inside the story window; fixed within the hour, so every process renders the same page)."""
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return hour - timedelta(minutes=max(0, 1100 - seq))


def _extract_text(body: bytes) -> str:
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    doc = trafilatura.bare_extraction(body, with_metadata=True, include_comments=False, include_tables=False,
                                      deduplicate=False)
    return (doc.text or "").strip() if doc is not None else ""


# -- server ------------------------------------------------------------------------------------
@dataclass
class FarmSpec:
    hosts: int = 50
    feeds: int = 200
    entries: int = 50
    latency: float = 0.15
    gzip: bool = False
    seed: int = 20261122
    base_octet: int = 1  # hosts are 127.0.<base_octet + i // 250>.<1 + i % 250>
    first_seq: int = 1000  # a feed's first entry number (seq); entries are first_seq .. first_seq + count - 1

    def address(self, i: int) -> str:
        return f"127.0.{self.base_octet + i // 250}.{1 + i % 250}"


class _State:
    def __init__(self, spec: FarmSpec, corpus: Corpus) -> None:
        self.spec = spec
        self.corpus = corpus
        self.count = spec.entries  # entries published per feed so far
        self.generation = 0
        self.stats: dict[str, int] = {}
        self.lock = threading.Lock()

    def bump(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1

    def feed_seqs(self) -> range:
        first = self.spec.first_seq + self.count - self.spec.entries
        return range(first, self.spec.first_seq + self.count)

    def feed_xml(self, host: str, port: int, f: int) -> bytes:
        items = []
        for seq in reversed(self.feed_seqs()):
            title, body, when, _ = self.corpus.article(f, seq)
            link = f"http://{host}:{port}/a/{f}/{seq}.html"
            items.append(
                f"<item><title>{htmlmod.escape(title)}</title><link>{link}</link>"
                f"<guid isPermaLink=\"false\">farm-{f}-{seq}</guid><pubDate>{format_datetime(when)}</pubDate>"
                f"<description>{htmlmod.escape(title)}.</description></item>")
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>"
                f"<title>Farm feed {f}</title><link>http://{host}:{port}/</link>"
                f"<description>Feed {f} of the newsmon bench farm</description>"
                + "".join(items) + "</channel></rss>\n").encode("utf-8")


def _response(status: int, reason: str, headers: dict[str, str], body: bytes) -> bytes:
    head = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


_PAGE = re.compile(r"^/a/(\d+)/(\d+)\.html$")
_FEED = re.compile(r"^/feed/(\d+)\.xml$")


def _route(state: _State, host_index: int, host: str, port: int, path: str,
           headers: dict[str, str]) -> tuple[int, str, dict[str, str], bytes]:
    spec = state.spec
    path = path.split("?", 1)[0]
    m = _FEED.match(path)
    if m and int(m.group(1)) < spec.feeds and int(m.group(1)) % spec.hosts == host_index:
        f = int(m.group(1))
        etag = f'"feed-{f}-{state.count}"'
        modified = format_datetime(EPOCH + timedelta(minutes=state.count), usegmt=True)
        kind, ctype, make = "feed", "application/rss+xml; charset=utf-8", lambda: state.feed_xml(host, port, f)
    else:
        m = _PAGE.match(path)
        if not (m and int(m.group(1)) < spec.feeds and int(m.group(1)) % spec.hosts == host_index):
            return 404, "Not Found", {"Content-Type": "text/plain"}, b"not found"
        f, seq = int(m.group(1)), int(m.group(2))
        if not spec.first_seq <= seq < spec.first_seq + state.count:
            return 404, "Not Found", {"Content-Type": "text/plain"}, b"not found"
        etag = f'"a-{f}-{seq}"'
        modified = format_datetime(EPOCH, usegmt=True)
        kind, ctype, make = "page", "text/html; charset=utf-8", lambda: state.corpus.page(f, seq)
    hdrs = {"Content-Type": ctype, "ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=60"}
    inm, ims = headers.get("if-none-match"), headers.get("if-modified-since")
    if (inm is not None and inm == etag) or (inm is None and ims == modified):
        state.bump(f"{kind}_304")
        return 304, "Not Modified", hdrs, b""
    body = make()
    state.bump(f"{kind}_200")
    if spec.gzip and "gzip" in headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        hdrs["Content-Encoding"] = "gzip"
    state.stats["bytes_sent"] = state.stats.get("bytes_sent", 0) + len(body)
    return 200, "OK", hdrs, body


async def _serve_connection(state: _State, host_index: int, host: str, port: int,
                            reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            try:
                method, target, version = line.decode("latin-1").split()
            except ValueError:
                break
            headers: dict[str, str] = {}
            while True:
                h = await reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            if int(headers.get("content-length", "0") or 0):
                await reader.readexactly(int(headers["content-length"]))
            await asyncio.sleep(state.spec.latency)
            status, reason, hdrs, body = _route(state, host_index, host, port, target, headers)
            if method == "HEAD":
                body = b""
            writer.write(_response(status, reason, hdrs, body))
            await writer.drain()
            if headers.get("connection", "").lower() == "close" or version == "HTTP/1.0":
                break
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001
            pass


async def _main(spec: FarmSpec, conn: Any) -> None:
    corpus = Corpus(seed=spec.seed).load()
    state = _State(spec, corpus)
    servers = []
    addresses = []
    for i in range(spec.hosts):
        host = spec.address(i)
        holder: dict[str, int] = {}

        def handler(r, w, i=i, host=host, holder=holder):
            return _serve_connection(state, i, host, holder["port"], r, w)
        srv = await asyncio.start_server(handler, host, 0, backlog=256, reuse_address=True)
        holder["port"] = srv.sockets[0].getsockname()[1]
        servers.append(srv)
        addresses.append((host, holder["port"]))
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def commands() -> None:
        while True:
            try:
                cmd, arg = conn.recv()
            except (EOFError, OSError):
                loop.call_soon_threadsafe(stop.set)
                return
            if cmd == "advance":
                state.count += int(arg)
                state.generation += 1
                conn.send(state.count)
            elif cmd == "stats":
                ru = resource.getrusage(resource.RUSAGE_SELF)
                conn.send({**state.stats, "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
                           "maxrss_mb": round(ru.ru_maxrss / 1024, 1)})
            elif cmd == "reset_stats":
                state.stats.clear()
                conn.send(True)
            elif cmd == "stop":
                loop.call_soon_threadsafe(stop.set)
                conn.send(True)
                return
    conn.send({"addresses": addresses, "templates": len(corpus.templates), "excluded": corpus.excluded})
    threading.Thread(target=commands, daemon=True).start()
    await stop.wait()
    for srv in servers:
        srv.close()


def _farm_process(spec: FarmSpec, conn: Any) -> None:
    try:
        asyncio.run(_main(spec, conn))
    except KeyboardInterrupt:
        pass


class Farm:
    """The farm in a child process. Use as a context manager."""

    def __init__(self, spec: FarmSpec | None = None, **kwargs: Any) -> None:
        self.spec = spec or FarmSpec(**kwargs)
        self.addresses: list[tuple[str, int]] = []
        self.info: dict[str, Any] = {}
        self._proc: multiprocessing.Process | None = None
        self._conn: Any = None

    def start(self, timeout: float = 300.0) -> Farm:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_farm_process, args=(self.spec, child), name="newsmon-feed-farm", daemon=True)
        self._proc.start()
        deadline = time.monotonic() + timeout
        while not parent.poll(0.2):
            if not self._proc.is_alive() or time.monotonic() > deadline:
                self._proc.kill()
                raise RuntimeError(f"the feed farm did not start (exit code {self._proc.exitcode})")
        self.info = parent.recv()
        self.addresses = [tuple(a) for a in self.info["addresses"]]
        self._conn = parent
        return self

    @property
    def pid(self) -> int:
        return self._proc.pid if self._proc else 0

    def feed_url(self, f: int) -> str:
        host, port = self.addresses[f % self.spec.hosts]
        return f"http://{host}:{port}/feed/{f}.xml"

    def feed_urls(self, n: int | None = None) -> list[str]:
        return [self.feed_url(f) for f in range(self.spec.feeds if n is None else n)]

    def _call(self, cmd: str, arg: Any = None) -> Any:
        self._conn.send((cmd, arg))
        return self._conn.recv()

    def advance(self, n: int) -> int:
        """Publish ``n`` new entries in every feed; returns entries published per feed."""
        return self._call("advance", n)

    def stats(self) -> dict[str, Any]:
        return self._call("stats")

    def reset_stats(self) -> None:
        self._call("reset_stats")

    def stop(self) -> None:
        if self._proc is not None:
            try:
                self._call("stop")
            except (EOFError, OSError, BrokenPipeError):
                pass
            self._proc.join(10)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()
            self._proc = None

    def __enter__(self) -> Farm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def check_uniqueness(corpus: Corpus, feeds: int, entries: int, sample: int = 300) -> dict[str, Any]:
    """Extract ``sample`` farm articles; their text hashes must all differ and no two articles
    built on the same base page may be near-copies (3-shingle Jaccard >= 0.3)."""
    from pipeline.dedupe import text_hash
    from pipeline.neardup import THRESHOLD, jaccard, shingles

    rng = random.Random(7)
    keys = sorted({(rng.randrange(feeds), 1000 + rng.randrange(entries)) for _ in range(sample)})
    by_base: dict[int, list[Any]] = {}
    hashes = set()
    for f, seq in keys:
        _, body, _, b = corpus.article(f, seq)
        text = _extract_text(body)
        hashes.add(text_hash(text))
        by_base.setdefault(b, []).append(shingles(text))
    pairs = [(x, y) for group in by_base.values() for i, x in enumerate(group) for y in group[i + 1:]]
    sims = [jaccard(x, y) for x, y in pairs]
    return {"articles": len(keys), "unique_hashes": len(hashes), "same_base_pairs": len(pairs),
            "max_jaccard": round(max(sims), 4) if sims else None,
            "near_copies": sum(s >= THRESHOLD for s in sims)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.farm", description=__doc__.split("\n")[0])
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--entries", type=int, default=50)
    ap.add_argument("--latency", type=float, default=0.15)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--check", action="store_true", help="check that articles are unique, then exit")
    args = ap.parse_args(argv)
    if args.check:
        t0 = time.perf_counter()
        corpus = Corpus().load()
        print(f"{len(corpus.templates)} base pages ({len(corpus.excluded)} left out: near-copies or no text); "
              f"pools: {', '.join(f'{k} {len(v)}' for k, v in sorted(corpus.pools.items(), key=lambda x: -len(x[1])))}")
        print(check_uniqueness(corpus, args.feeds, args.entries), f"{time.perf_counter() - t0:.1f} s")
        return 0
    with Farm(hosts=args.hosts, feeds=args.feeds, entries=args.entries, latency=args.latency, gzip=args.gzip) as farm:
        print(f"{args.hosts} hosts, e.g. {farm.feed_url(0)} ... {farm.feed_url(args.feeds - 1)}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
