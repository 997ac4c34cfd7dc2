"""The one module that speaks SQL: migrations, bulk writes, lookups, named queries.

DuckDB lets one process hold a database file at a time, so newsmon opens it for short phases
(read state, write a batch) and closes it in between; :func:`open_store` waits a while for a
file another process holds. Writes go through Arrow tables (``INSERT ... SELECT FROM batch``):
row-by-row ``executemany`` manages about 1,400 rows/s here.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.errors import DatabaseBusy, StoreError

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def utcnow() -> datetime:
    """Naive UTC timestamp, the form every TIMESTAMP column holds."""
    return datetime.utcnow().replace(microsecond=(datetime.utcnow().microsecond // 1000) * 1000)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def migrations(sql_dir: Path = SQL_DIR) -> list[Migration]:
    """The migration files in order; a misnamed file is an error, not silently skipped."""
    found = []
    for path in sorted((sql_dir / "migrations").glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if not m:
            raise StoreError(f"{path}: migration files are named NNNN_lower_case_name.sql")
        found.append(Migration(int(m.group(1)), path.stem, path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"{sql_dir / 'migrations'}: two migrations share a number")
    return found


def _split_statements(sql: str) -> list[str]:
    """Split a .sql file on semicolons that end a line (our files keep one statement per block)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*(?:\n|$)", body) if s.strip()]


def fts_extension_path() -> Path | None:
    """The fts extension shipped by the duckdb-extension-fts wheel, if installed."""
    try:
        import duckdb_extension_fts
    except ImportError:
        return None
    base = Path(duckdb_extension_fts.__file__).parent / "extensions"
    hits = sorted(base.glob(f"v{duckdb.__version__}/*.duckdb_extension"))
    return hits[0] if hits else None


class Store:
    """A DuckDB connection with newsmon's schema operations. Use :func:`open_store`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, sql_dir: Path = SQL_DIR) -> None:
        self.con = con
        self.path = path
        self.sql_dir = sql_dir
        self._tx_depth = 0  # transaction() nests: only the outermost one begins and commits

    # -- schema -----------------------------------------------------------------------------
    def applied_migrations(self) -> dict[int, tuple[str, datetime]]:
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TIMESTAMP NOT NULL)")
        rows = self.con.execute("SELECT version, name, applied_at FROM schema_migration").fetchall()
        return {v: (n, a) for v, n, a in rows}

    def migrate(self) -> list[str]:
        """Apply pending migrations in order, each in its own transaction; then (re)create views.

        A failing migration rolls back, stays pending, and raises StoreError naming the file.
        """
        applied = self.applied_migrations()
        done = []
        for mig in migrations(self.sql_dir):
            if mig.version in applied:
                continue
            self.con.execute("BEGIN TRANSACTION")
            try:
                for stmt in _split_statements(mig.path.read_text(encoding="utf-8")):
                    self.con.execute(stmt)
                self.con.execute("INSERT INTO schema_migration VALUES (?, ?, ?)", [mig.version, mig.name, utcnow()])
                self.con.execute("COMMIT")
            except duckdb.Error as exc:
                self.con.execute("ROLLBACK")
                raise StoreError(f"migration {mig.path.name} failed and was rolled back: {exc}") from exc
            done.append(mig.name)
        self.create_views()
        return done

    def create_views(self) -> None:
        """(Re)create every view in sql/views/ (CREATE OR REPLACE; order by file name)."""
        for path in sorted((self.sql_dir / "views").glob("*.sql")):
            for stmt in _split_statements(path.read_text(encoding="utf-8")):
                try:
                    self.con.execute(stmt)
                except duckdb.Error as exc:
                    raise StoreError(f"view {path.name}: {exc}") from exc

    def pending_migrations(self) -> list[str]:
        applied = self.applied_migrations()
        return [m.name for m in migrations(self.sql_dir) if m.version not in applied]

    # -- named queries ----------------------------------------------------------------------
    def query(self, name: str, **params: Any) -> tuple[list[str], list[tuple]]:
        """Run ``sql/queries/NAME.sql`` with bound parameters; returns (columns, rows)."""
        path = self.sql_dir / "queries" / f"{name}.sql"
        if not path.exists():
            raise StoreError(f"no named query {name!r} in {path.parent}")
        cur = self.con.execute(path.read_text(encoding="utf-8"), params or None)
        return [d[0] for d in cur.description], cur.fetchall()

    def sql(self, statement: str, params: Sequence[Any] | dict | None = None) -> tuple[list[str], list[tuple]]:
        """Run one analyst statement; returns (columns, rows)."""
        cur = self.con.execute(statement, params)
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], cur.fetchall()

    # -- bulk helpers -----------------------------------------------------------------------
    def _insert_arrow(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                      types: dict[str, pa.DataType] | None = None, conflict: str = "") -> int:
        if not rows:
            return 0
        self.con.register("_newsmon_batch", _arrow_table(columns, rows, types))
        try:
            cols = ", ".join(columns)
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _newsmon_batch {conflict}")
        finally:
            self.con.unregister("_newsmon_batch")
        return len(rows)

    def _upsert_arrow(self, table: str, keys: Sequence[str], columns: Sequence[str], rows: Sequence[Sequence[Any]],
                      types: dict[str, pa.DataType] | None = None, update: str = "") -> int:
        """Insert rows whose key is new; with ``update`` (SET clause: ``t`` is the stored row, ``b``
        the new one), update the rows whose key is already stored. The first row of a key wins
        within ``rows``. The growing tables have no unique indexes (migration 0008), so this is how
        their keys stay unique; the run lock makes this process the only writer."""
        if not rows:
            return 0
        idx = [columns.index(k) for k in keys]
        seen: set[tuple[Any, ...]] = set()
        unique = []
        for r in rows:
            k = tuple(r[i] for i in idx)
            if k not in seen:
                seen.add(k)
                unique.append(r)
        self.con.register("_newsmon_batch", _arrow_table(columns, unique, types))
        try:
            on = " AND ".join(f"t.{k} = b.{k}" for k in keys)
            cols = ", ".join(columns)
            with self.transaction():  # the UPDATE and the INSERT stand or fall together
                if update:
                    self.con.execute(f"UPDATE {table} AS t SET {update} FROM _newsmon_batch AS b WHERE {on}")
                self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {', '.join('b.' + c for c in columns)} "
                                 f"FROM _newsmon_batch AS b WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {on})")
        finally:
            self.con.unregister("_newsmon_batch")
        return len(unique)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing; inside another transaction(), part of the outer one."""
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield
            finally:
                self._tx_depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._tx_depth = 1
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self._tx_depth = 0
        self.con.execute("COMMIT")

    # -- runs -------------------------------------------------------------------------------
    def begin_run(self, run_id: str, trigger: str, feeds_total: int) -> None:
        """Record a new run. Runs still 'running' died without finishing (the caller holds the
        run lock, so none is alive): they are marked 'interrupted'."""
        self.con.execute("UPDATE run_log SET status = 'interrupted', error = 'the process stopped before the run "
                         "finished' WHERE status = 'running'")
        self.con.execute("INSERT INTO run_log (run_id, started_at, status, trigger, feeds_total) VALUES (?, ?, 'running', ?, ?)",
                         [run_id, utcnow(), trigger, feeds_total])

    def finish_run(self, run_id: str, status: str, error: str | None = None) -> None:
        """Close a run and snapshot its outcome counts."""
        with self.transaction():
            self.con.execute("DELETE FROM run_outcome_count WHERE run_id = ?", [run_id])
            self.con.execute(
                "INSERT INTO run_outcome_count SELECT last_run_id, outcome, count(*) FROM entry_outcome "
                "WHERE last_run_id = ? GROUP BY ALL", [run_id])
            self.con.execute("UPDATE run_log SET finished_at = ?, status = ?, error = ? WHERE run_id = ?",
                             [utcnow(), status, error, run_id])

    def articles_awaiting_alerts(self, run_id: str) -> list[int]:
        """Articles of this run and of earlier runs that died before planning their alerts."""
        rows = self.con.execute(
            "SELECT a.id FROM article a JOIN run_log r USING (run_id) "
            "WHERE r.run_id = ? OR (NOT coalesce(r.alerts_planned, false) AND r.status = 'interrupted') ORDER BY a.id",
            [run_id]).fetchall()
        return [r[0] for r in rows]

    def mark_alerts_planned(self, run_id: str) -> None:
        self.con.execute("UPDATE run_log SET alerts_planned = true WHERE run_id = ? OR "
                         "(NOT coalesce(alerts_planned, false) AND status = 'interrupted')", [run_id])

    def run_counts(self, run_id: str) -> dict[str, int]:
        rows = self.con.execute("SELECT outcome, count(*) FROM entry_outcome WHERE last_run_id = ? GROUP BY ALL",
                                [run_id]).fetchall()
        return dict(rows)

    # -- feeds ------------------------------------------------------------------------------
    def feed_validators(self, feed_urls: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        """ETag and Last-Modified kept per feed for conditional GET."""
        urls = list(feed_urls)
        if not urls:
            return {}
        rows = self.con.execute("SELECT feed_url, etag, last_modified FROM feed_state WHERE feed_url IN (SELECT unnest(?))",
                                [urls]).fetchall()
        return {u: (e, m) for u, e, m in rows}

    def save_feed_results(self, run_id: str, results: Sequence[dict[str, Any]]) -> None:
        """Record each feed's fetch in run_feed and its status in feed_state (validators: see
        save_validators)."""
        now = utcnow()
        with self.transaction():
            self._upsert_arrow(
                "run_feed", ["run_id", "feed_url"],
                ["run_id", "feed_url", "feed_name", "status", "http_status", "error", "entries", "new_entries", "elapsed_s"],
                [(run_id, r["feed_url"], r["feed_name"], r["status"], r.get("http_status"), r.get("error"),
                  r.get("entries", 0), r.get("new_entries", 0), r.get("elapsed_s")) for r in results],
                types={"http_status": pa.int32(), "error": pa.string(), "elapsed_s": pa.float64()},
                update="status = b.status, http_status = b.http_status, error = b.error, entries = b.entries, "
                       "new_entries = b.new_entries, elapsed_s = b.elapsed_s")
            states = [r for r in results if r["status"] != "skipped"]
            self._insert_arrow(
                "feed_state",
                ["feed_url", "feed_name", "last_status", "last_http_status", "last_error", "last_fetched_at",
                 "last_ok_at", "consecutive_failures", "hard_failures", "last_failure_kind", "next_attempt_at",
                 "disabled_at", "disabled_reason"],
                [(r["feed_url"], r["feed_name"], r["status"], r.get("http_status"), r.get("error"), now,
                  None if r["status"] == "failed" else now, h.consecutive_failures, h.hard_failures,
                  h.last_failure_kind, h.next_attempt_at, h.disabled_at, h.disabled_reason)
                 for r in states for h in [r["health"]]],
                types={"last_http_status": pa.int32(), "last_error": pa.string(), "last_ok_at": pa.timestamp("us"),
                       "last_failure_kind": pa.string(), "next_attempt_at": pa.timestamp("us"),
                       "disabled_at": pa.timestamp("us"), "disabled_reason": pa.string()},
                conflict="ON CONFLICT DO UPDATE SET feed_name = excluded.feed_name, "
                         "last_status = excluded.last_status, last_http_status = excluded.last_http_status, "
                         "last_error = excluded.last_error, last_fetched_at = excluded.last_fetched_at, "
                         "last_ok_at = coalesce(excluded.last_ok_at, feed_state.last_ok_at), "
                         "consecutive_failures = excluded.consecutive_failures, hard_failures = excluded.hard_failures, "
                         "last_failure_kind = excluded.last_failure_kind, next_attempt_at = excluded.next_attempt_at, "
                         "disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason")

    def feed_health(self, feed_urls: Iterable[str]) -> dict[str, Any]:
        """feed URL -> pipeline.feedhealth.FeedHealth, for feeds fetched before."""
        from pipeline.feedhealth import FeedHealth

        urls = list(feed_urls)
        if not urls:
            return {}
        rows = self.con.execute(
            "SELECT feed_url, consecutive_failures, coalesce(hard_failures, 0), next_attempt_at, disabled_at, "
            "disabled_reason, last_failure_kind FROM feed_state WHERE feed_url IN (SELECT unnest(?))", [urls]).fetchall()
        return {u: FeedHealth(c, h, n, d, r, k) for u, c, h, n, d, r, k in rows}

    def enable_feed(self, feed_url: str) -> bool:
        """Clear a feed's auto-disable and back-off. Returns whether the feed was known."""
        n = self.con.execute("SELECT count(*) FROM feed_state WHERE feed_url = ?", [feed_url]).fetchone()[0]
        self.con.execute("UPDATE feed_state SET disabled_at = NULL, disabled_reason = NULL, next_attempt_at = NULL, "
                         "hard_failures = 0, consecutive_failures = 0 WHERE feed_url = ?", [feed_url])
        return bool(n)

    def save_validators(self, results: Sequence[dict[str, Any]]) -> None:
        """Keep each fetched feed's ETag / Last-Modified for the next conditional GET.

        Called only once every entry of the run is stored: if the run dies halfway, the next run
        gets the full feed again (no 304) and picks up the entries this one never reached.
        """
        rows = [(r["feed_url"], r.get("etag"), r.get("last_modified")) for r in results if r["status"] == "ok"]
        if not rows:
            return
        self.con.register("_validators", pa.table({"feed_url": [r[0] for r in rows],
                                                   "etag": pa.array([r[1] for r in rows], pa.string()),
                                                   "last_modified": pa.array([r[2] for r in rows], pa.string())}))
        try:
            self.con.execute("UPDATE feed_state SET etag = v.etag, last_modified = v.last_modified "
                             "FROM _validators v WHERE feed_state.feed_url = v.feed_url")
        finally:
            self.con.unregister("_validators")

    # -- entries ----------------------------------------------------------------------------
    def known_entries(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, int]]:
        """(feed_url, entry_key) -> (outcome, attempts) for entries already decided."""
        if not pairs:
            return {}
        tbl = pa.table({"feed_url": [p[0] for p in pairs], "entry_key": [p[1] for p in pairs]})
        self.con.register("_keys", tbl)
        try:
            rows = self.con.execute(
                "SELECT e.feed_url, e.entry_key, e.outcome, e.attempts FROM entry_outcome e "
                "JOIN _keys k USING (feed_url, entry_key)").fetchall()
        finally:
            self.con.unregister("_keys")
        return {(f, k): (o, a) for f, k, o, a in rows}

    def retryable_entries(self, outcomes: Iterable[str], max_attempts: int, retry_after_minutes: float,
                          max_age_days: int = 7) -> list[tuple]:
        """Entries due for another try: a retryable outcome, attempts left, and the back-off passed.

        The back-off doubles with each attempt (retry_after_minutes, then twice that, ...). HTTP 410
        Gone is final: unlike a 404, it does not come back.
        """
        now = utcnow()
        return self.con.execute(
            "SELECT feed_name, feed_url, title, link, canonical_url, guid, published_at FROM entry_outcome "
            "WHERE outcome IN (SELECT unnest(?)) AND attempts < ? AND coalesce(http_status, 0) <> 410 "
            "AND last_seen_at >= ?::TIMESTAMP - to_days(?) "
            "AND last_seen_at <= ?::TIMESTAMP - to_microseconds(CAST(? * pow(2, attempts - 1) * 60e6 AS BIGINT))",
            [sorted(outcomes), max_attempts, now, max_age_days, now, retry_after_minutes]).fetchall()

    def lookup_urls(self, canonical_urls: Iterable[str]) -> dict[str, int]:
        """canonical URL -> article id, for URLs already stored (as article or alias)."""
        urls = list(set(canonical_urls))
        if not urls:
            return {}
        self.con.register("_urls", pa.table({"canonical_url": urls}))
        try:
            rows = self.con.execute("SELECT u.canonical_url, u.article_id FROM article_url u JOIN _urls USING (canonical_url)").fetchall()
        finally:
            self.con.unregister("_urls")
        return dict(rows)

    def lookup_hashes(self, hashes: Iterable[str]) -> dict[str, int]:
        """text hash -> id of the earliest article with that text."""
        hs = list(set(hashes))
        if not hs:
            return {}
        self.con.register("_hashes", pa.table({"text_hash": hs}))
        try:
            rows = self.con.execute("SELECT a.text_hash, min(a.id) FROM article a JOIN _hashes USING (text_hash) GROUP BY ALL").fetchall()
        finally:
            self.con.unregister("_hashes")
        return dict(rows)

    def lsh_candidates(self, probes: Sequence[tuple[int, int]]) -> dict[int, list[int]]:
        """(probe index, bucket) pairs -> probe index -> stored article ids sharing a bucket."""
        if not probes:
            return {}
        self.con.register("_probe", pa.table({"i": pa.array([p[0] for p in probes], pa.int32()),
                                             "bucket": pa.array([p[1] for p in probes], pa.int64())}))
        try:
            rows = self.con.execute("SELECT DISTINCT p.i, l.article_id FROM _probe p JOIN article_lsh l USING (bucket)").fetchall()
        finally:
            self.con.unregister("_probe")
        out: dict[int, list[int]] = {}
        for i, aid in rows:
            out.setdefault(i, []).append(aid)
        return out

    def article_texts(self, ids: Iterable[int]) -> dict[int, tuple[int, str]]:
        """article id -> (story root id, text)."""
        ids = list(set(ids))
        if not ids:
            return {}
        rows = self.con.execute("SELECT id, coalesce(duplicate_of, id), text FROM article WHERE id IN (SELECT unnest(?))",
                                [ids]).fetchall()
        return {i: (root, text) for i, root, text in rows}

    def insert_lsh(self, rows: Sequence[tuple[int, int]]) -> int:
        """(bucket, article_id) rows."""
        return self._insert_arrow("article_lsh", ["bucket", "article_id"], rows,
                                  {"bucket": pa.int64(), "article_id": pa.int64()})

    def story_window(self, since: datetime) -> list[tuple[int, int, datetime, list[str]]]:
        """(id, story_id, time, story terms) of articles since ``since``: the story index's window."""
        return self.con.execute(
            "SELECT id, story_id, coalesce(published_at, fetched_at) AS at, story_terms FROM article "
            "WHERE story_id IS NOT NULL AND coalesce(published_at, fetched_at) >= ? ORDER BY id", [since]).fetchall()

    def trim_lsh(self, window_days: int) -> int:
        """Drop near-duplicate buckets of articles fetched more than ``window_days`` ago.

        Lookups then cost what the window holds, not what history holds. Ids grow with time, so
        one range delete does it.
        """
        cutoff = utcnow() - timedelta(days=window_days)
        first = self.con.execute("SELECT min(id) FROM article WHERE fetched_at >= ?", [cutoff]).fetchone()[0]
        if first is None:
            first = self.next_article_id()
        n = self.con.execute("SELECT count(*) FROM article_lsh WHERE article_id < ?", [first]).fetchone()[0]
        if n:
            self.con.execute("DELETE FROM article_lsh WHERE article_id < ?", [first])
        return int(n)

    def next_article_id(self) -> int:
        return int(self.con.execute("SELECT coalesce(max(id), 0) + 1 FROM article").fetchone()[0])

    def record_outcomes(self, run_id: str, rows: Sequence[dict[str, Any]]) -> None:
        """Upsert entry outcomes; a re-decided entry keeps its first run and counts an attempt."""
        if not rows:
            return
        now = utcnow()
        cols = ["feed_url", "entry_key", "feed_name", "guid", "link", "canonical_url", "title", "published_at",
                "outcome", "reason", "http_status", "final_url", "article_id", "attempts", "first_run_id",
                "last_run_id", "first_seen_at", "last_seen_at"]
        data = [(r["feed_url"], r["entry_key"], r["feed_name"], r.get("guid"), r["link"], r["canonical_url"],
                 r.get("title"), r.get("published_at"), r["outcome"], r.get("reason"), r.get("http_status"),
                 r.get("final_url"), r.get("article_id"), 1, run_id, run_id, now, now) for r in rows]
        self._upsert_arrow(
            "entry_outcome", ["feed_url", "entry_key"], cols, data,
            types={"guid": pa.string(), "title": pa.string(), "published_at": pa.timestamp("us"),
                   "reason": pa.string(), "http_status": pa.int32(), "final_url": pa.string(), "article_id": pa.int64()},
            update="outcome = b.outcome, reason = b.reason, http_status = b.http_status, final_url = b.final_url, "
                   "article_id = b.article_id, attempts = t.attempts + 1, last_run_id = b.last_run_id, "
                   "last_seen_at = b.last_seen_at")

    # -- articles ---------------------------------------------------------------------------
    ARTICLE_COLUMNS = ["id", "url", "canonical_url", "final_url", "guid", "title", "author", "published_at",
                       "fetched_at", "language", "site", "feed", "feed_url", "description", "text", "text_hash",
                       "duplicate_of", "similarity", "run_id", "story_id", "story_terms", "story_similarity"]
    _ARTICLE_TYPES = {"final_url": pa.string(), "guid": pa.string(), "title": pa.string(), "author": pa.string(),
                      "published_at": pa.timestamp("us"), "fetched_at": pa.timestamp("us"), "language": pa.string(),
                      "site": pa.string(), "description": pa.string(), "duplicate_of": pa.int64(),
                      "similarity": pa.float64(), "id": pa.int64(), "story_id": pa.int64(),
                      "story_terms": pa.list_(pa.string()), "story_similarity": pa.float64()}

    def insert_articles(self, rows: Sequence[dict[str, Any]]) -> int:
        """Bulk-insert articles (dicts with ARTICLE_COLUMNS keys)."""
        return self._insert_arrow("article", self.ARTICLE_COLUMNS,
                                  [tuple(r.get(c) for c in self.ARTICLE_COLUMNS) for r in rows], self._ARTICLE_TYPES)

    def insert_urls(self, rows: Sequence[tuple[str, int, str, str, str | None]]) -> int:
        """Record (canonical_url, article_id, url, kind, feed); a URL already known keeps its first owner."""
        now = utcnow()
        return self._upsert_arrow("article_url", ["canonical_url"],
                                  ["canonical_url", "article_id", "url", "kind", "feed", "first_seen_at"],
                                  [(*r, now) for r in rows], {"feed": pa.string(), "article_id": pa.int64()})

    # -- theme matches ----------------------------------------------------------------------
    def upsert_matches(self, rows: Sequence[tuple[int, Any]]) -> int:
        """Store (article_id, ThemeScore) pairs; a re-score replaces the earlier row."""
        now = utcnow()
        data = [(aid, s.theme_id, float(s.score), bool(s.matched), s.passage or None, s.baseline_passage or None,
                 list(getattr(s, "concepts", ()) or ()), getattr(s, "contested_by", "") or None, now)
                for aid, s in rows]
        return self._upsert_arrow(
            "theme_match", ["article_id", "theme_id"],
            ["article_id", "theme_id", "score", "matched", "passage", "baseline_passage", "concepts", "contested_by",
             "scored_at"], data,
            {"passage": pa.string(), "baseline_passage": pa.string(), "concepts": pa.list_(pa.string()),
             "contested_by": pa.string()},
            update="score = b.score, matched = b.matched, passage = b.passage, baseline_passage = b.baseline_passage, "
                   "concepts = b.concepts, contested_by = b.contested_by, scored_at = b.scored_at")

    # -- baselines --------------------------------------------------------------------------
    def load_baselines(self, items: Sequence[tuple[str, str, list[str]]]) -> int:
        """Upsert (file name, text, theme ids); unchanged files are left alone. Returns rows written."""
        existing = dict(self.con.execute("SELECT file, sha256 FROM baseline").fetchall())
        now = utcnow()
        rows = []
        for name, text, theme_ids in items:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if existing.get(name) == digest:
                continue
            title = next((ln.strip() for ln in text.splitlines() if ln.strip()), name)
            rows.append((name, digest, title, text, sorted(theme_ids), now))
        if rows:
            with self.transaction():
                self._insert_arrow("baseline", ["file", "sha256", "title", "text", "theme_ids", "loaded_at"], rows,
                                   {"theme_ids": pa.list_(pa.string())},
                                   conflict="ON CONFLICT DO UPDATE SET sha256 = excluded.sha256, title = excluded.title, "
                                            "text = excluded.text, theme_ids = excluded.theme_ids, loaded_at = excluded.loaded_at")
        return len(rows)

    # -- full-text search -------------------------------------------------------------------
    def load_fts(self) -> bool:
        """Load DuckDB's fts extension from the duckdb-extension-fts wheel (never downloaded)."""
        path = fts_extension_path()
        if path is None:
            return False
        self.con.execute(f"LOAD '{path}'")
        return True

    def build_fts_index(self) -> int:
        """(Re)build the BM25 index over article titles and texts; returns the articles indexed.

        DuckDB's fts index is a snapshot: articles stored later are not in it until it is rebuilt
        (newsmon search rebuilds it when the article count changed).
        """
        if not self.load_fts():
            raise StoreError("the fts extension is not installed (pip install duckdb-extension-fts==1.5.5)")
        self.con.execute("PRAGMA create_fts_index('article', 'id', 'title', 'text', overwrite=1)")
        n = int(self.con.execute("SELECT count(*) FROM article").fetchone()[0])
        self.con.execute("CREATE TABLE IF NOT EXISTS fts_state (indexed_articles BIGINT, built_at TIMESTAMP)")
        self.con.execute("DELETE FROM fts_state")
        self.con.execute("INSERT INTO fts_state VALUES (?, ?)", [n, utcnow()])
        return n

    def fts_stale(self) -> bool:
        try:
            indexed = self.con.execute("SELECT indexed_articles FROM fts_state").fetchone()
        except duckdb.CatalogException:
            return True
        n = int(self.con.execute("SELECT count(*) FROM article").fetchone()[0])
        return indexed is None or indexed[0] != n

    # -- retention --------------------------------------------------------------------------
    def prune(self, cutoff: datetime) -> dict[str, int]:
        """Empty the text and near-duplicate data of articles fetched before ``cutoff``.

        Rows stay (id, URLs, title, dates), and so do their theme matches and alerts.
        """
        with self.transaction():
            ids = [r[0] for r in self.con.execute(
                "SELECT id FROM article WHERE fetched_at < ? AND pruned_at IS NULL", [cutoff]).fetchall()]
            if ids:
                self.con.execute("DELETE FROM article_lsh WHERE article_id IN (SELECT unnest(?))", [ids])
                self.con.execute("UPDATE article SET text = '', description = NULL, story_terms = NULL, pruned_at = ? "
                                 "WHERE id IN (SELECT unnest(?))", [utcnow(), ids])
        self.con.execute("CHECKPOINT")
        return {"articles": len(ids)}

    # -- status -----------------------------------------------------------------------------
    def table_counts(self) -> dict[str, int]:
        names = [r[0] for r in self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1").fetchall()]
        return {n: int(self.con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}


def _arrow_table(columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 types: dict[str, pa.DataType] | None = None) -> pa.Table:
    """Rows (tuples in ``columns`` order) as an Arrow table; ``types`` for columns that may be all None."""
    arrays = {}
    for i, col in enumerate(columns):
        typ = (types or {}).get(col)
        values = [r[i] for r in rows]
        arrays[col] = pa.array(values, type=typ) if typ is not None else pa.array(values)
    return pa.table(arrays)


def _connect(path: Path, read_only: bool, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    config = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    if memory_limit:
        config["memory_limit"] = memory_limit
    return duckdb.connect(str(path), read_only=read_only, config=config)


def _wanted_path(path: Path) -> Path:
    return Path(str(path) + ".wanted")


def want_file(path: Path) -> None:
    """Tell a newsmon run that holds ``path`` that another process is waiting for it (the run's
    StoreLease lets go within a quarter of a second when idle, or right after the batch in hand)."""
    try:
        _wanted_path(path).touch()
    except OSError:  # a read-only folder: the waiter still gets in when the lease times out
        pass


def file_wanted(path: Path, within_s: float = 2.0) -> bool:
    try:
        return time.time() - _wanted_path(path).stat().st_mtime <= within_s
    except OSError:
        return False


@contextlib.contextmanager
def open_store(path: Path | str, read_only: bool = False, wait_s: float = 30.0,
               migrate: bool = True, memory_limit: str | None = None, checkpoint: bool = True) -> Iterator[Store]:
    """Open (creating and migrating if needed) the database at ``path``; close it on exit.

    Waits up to ``wait_s`` seconds while another process holds the file, then raises DatabaseBusy.
    ``memory_limit`` (e.g. "128MB") caps DuckDB's buffer memory: the pipeline's lookups scan the
    near-duplicate buckets of all history, and without a cap DuckDB keeps what it read cached,
    so the process would grow with history (docs/neardup-method.md).
    ``checkpoint=False`` leaves this connection's writes in the write-ahead log when it closes: a
    checkpoint costs about 0.1 s of CPU whatever was written, and a run opens the file once per
    batch of 100. The log is durable; the next open replays it (30-60 ms up to DuckDB's 16 MB
    auto-checkpoint), and a run's last open checkpoints it.
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise StoreError(f"{path}: no such database (run `newsmon db migrate` or `newsmon run` first)")
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            con = _connect(path, read_only, memory_limit)
            break
        except duckdb.IOException as exc:
            msg = str(exc)
            if "lock" not in msg.lower():
                raise StoreError(f"{path}: cannot open database: {msg}") from exc
            want_file(path)  # a run holding the file lets go at its next check
            if time.monotonic() >= deadline:
                raise DatabaseBusy(f"{path}: another process is using the database (waited {wait_s:.0f} s)") from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        except duckdb.Error as exc:
            raise StoreError(f"{path}: cannot open database: {exc}") from exc
    store = Store(con, path)
    try:
        if not checkpoint and not read_only:
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
        if migrate and not read_only:
            store.migrate()
        yield store
    finally:
        con.close()


class StoreLease:
    """One connection kept open across a run's consecutive batches, and let go often enough for
    other processes (``newsmon sql``, notebooks) to get the file in between.

    Opening the file costs a replay of the write-ahead log (30-60 ms, growing until DuckDB's 16 MB
    auto-checkpoint) and every open/close pair cost the run process about 0.1 s of CPU per batch of
    100 articles (py-spy, docs/performance.md). A lease opens once, serves every batch that comes
    within ``idle_s`` of the previous one, and closes once it has been held ``hold_s`` seconds
    (after the batch in hand) or has been idle ``idle_s`` seconds (from a timer thread). A process
    that finds the file locked says so (``want_file``: ``open_store`` does it while it waits); the
    lease then lets go after the batch in hand, or within 0.25 s if idle. So ``newsmon sql`` waits
    about one batch, and other tools at most about ``hold_s`` plus one batch.
    """

    TICK_S = 0.25

    def __init__(self, path: Path | str, memory_limit: str | None = None, hold_s: float = 5.0,
                 idle_s: float = 2.0) -> None:
        import threading

        self.path = Path(path)
        self.memory_limit = memory_limit
        self.hold_s = hold_s
        self.idle_s = idle_s
        self.opens = 0  # how many times the file was opened (for tests and the bench)
        self._lock = threading.RLock()
        self._cm: contextlib.AbstractContextManager[Store] | None = None
        self._store: Store | None = None
        self._opened = 0.0
        self._last_use = 0.0
        self._timer: Any = None

    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        """The leased Store for one batch (opened if the lease is not holding it)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._store is None:
                cm = open_store(self.path, memory_limit=self.memory_limit, migrate=False, checkpoint=False)
                self._store = cm.__enter__()
                self._cm = cm
                self._opened = time.monotonic()
                self.opens += 1
            try:
                yield self._store
            except BaseException:
                self._release()  # a failed batch never leaves the file held
                raise
            self._last_use = time.monotonic()
            if self._last_use - self._opened >= self.hold_s or file_wanted(self.path):
                self._release()
            else:
                self._arm()

    def _arm(self) -> None:
        import threading

        self._timer = threading.Timer(min(self.TICK_S, self.idle_s), self._tick)
        self._timer.daemon = True
        self._timer.start()

    def _tick(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # a batch is being stored: it checks when it is done
        try:
            if self._store is None:
                return
            if time.monotonic() - self._last_use >= self.idle_s * 0.99 or file_wanted(self.path):
                self._release()
            else:
                self._arm()
        finally:
            self._lock.release()

    def _release(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        cm, self._cm, self._store = self._cm, None, None
        if cm is not None:
            cm.__exit__(None, None, None)

    @property
    def held(self) -> bool:
        return self._store is not None

    def close(self) -> None:
        with self._lock:
            self._release()

    def __enter__(self) -> StoreLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
