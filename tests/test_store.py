"""The DuckDB store: real file in tmp_path, real migrations, every named query."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import DatabaseBusy, StoreError
from pipeline.store import SQL_DIR, Store, migrations, open_store


def test_migrations_apply_in_order_and_are_recorded(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    with open_store(db, migrate=False) as store:
        applied = store.migrate()
        assert applied == [m.name for m in migrations()]
        assert store.migrate() == []  # idempotent
        versions = store.con.execute("SELECT version FROM schema_migration ORDER BY 1").fetchall()
        assert [v for (v,) in versions] == [m.version for m in migrations()]
        views = {r[0] for r in store.con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        assert {"articles", "runs", "feed_status", "entries", "baselines"} <= views


def test_failing_migration_rolls_back(tmp_path: Path) -> None:
    sql = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql)
    (sql / "migrations" / "9998_good.sql").write_text("CREATE TABLE extra_good (x INTEGER);\n")
    (sql / "migrations" / "9999_bad.sql").write_text("CREATE TABLE half_done (x INTEGER);\nSELECT * FROM no_such_table;\n")
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    store = Store(con, tmp_path / "m.duckdb", sql)
    with pytest.raises(StoreError, match="9999_bad.sql failed and was rolled back"):
        store.migrate()
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "extra_good" in tables and "half_done" not in tables
    assert store.pending_migrations() == ["9999_bad"]


def test_every_named_query_runs_on_the_migrated_schema(tmp_path: Path) -> None:
    params = {"limit": 5, "run_id": "x", "phrase": "alliance", "theme": "anti_us_alliance", "article_id": 1,
              "days": 7, "query": "alliance"}
    with open_store(tmp_path / "q.duckdb") as store:
        store.build_fts_index()  # search_fts.sql needs the index
        for path in sorted((SQL_DIR / "queries").glob("*.sql")):
            text = path.read_text()
            needed = {k: v for k, v in params.items() if f"${k}" in text}
            cols, _ = store.query(path.stem, **needed)
            assert cols, path.name


def test_bulk_insert_and_lookups(tmp_path: Path) -> None:
    from pipeline.store import utcnow

    with open_store(tmp_path / "b.duckdb") as store:
        rows = [{"id": i, "url": f"https://e.com/{i}", "canonical_url": f"https://e.com/{i}", "title": f"t{i}",
                 "fetched_at": utcnow(), "text": "x" * 10, "text_hash": f"h{i % 3}", "run_id": "r"} for i in range(1, 2001)]
        assert store.insert_articles(rows) == 2000
        store.insert_urls([(r["canonical_url"], r["id"], r["url"], "canonical", None) for r in rows])
        assert store.lookup_urls(["https://e.com/5", "https://e.com/nope"]) == {"https://e.com/5": 5}
        assert store.lookup_hashes(["h1"]) == {"h1": 1}
        assert store.next_article_id() == 2001


def test_baselines_load_idempotently(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        items = [("000.txt", "Title\n\nBody", ["t1"]), ("001.txt", "Other\nBody", [])]
        assert store.load_baselines(items) == 2
        assert store.load_baselines(items) == 0
        assert store.load_baselines([("000.txt", "Title\n\nChanged", ["t1"])]) == 1
        rows = store.con.execute("SELECT file, title, theme_ids FROM baselines ORDER BY file").fetchall()
        assert rows == [("000.txt", "Title", ["t1"]), ("001.txt", "Other", [])]


def test_busy_database_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    db = tmp_path / "busy.duckdb"
    with open_store(db):
        pass
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        start = time.monotonic()
        with pytest.raises(DatabaseBusy, match="another process"):
            with open_store(db, wait_s=0.5):
                pass
        assert time.monotonic() - start < 5
    finally:
        holder.kill()
        holder.wait()


def _outcome(key: str, outcome: str, article_id: int | None = None) -> dict:
    return {"feed_url": "https://e.com/feed", "entry_key": key, "feed_name": "e", "link": key, "canonical_url": key,
            "outcome": outcome, "reason": outcome, "article_id": article_id}


def test_upserts_keep_one_row_per_key_without_unique_indexes(tmp_path: Path) -> None:
    """Migration 0008 dropped the growing tables' unique indexes; the store's upserts keep keys unique."""
    with open_store(tmp_path / "u.duckdb") as store:
        store.record_outcomes("r1", [_outcome("a", "fetch_failed"), _outcome("b", "new", 1)])
        store.record_outcomes("r2", [_outcome("a", "new", 2), _outcome("c", "new", 3), _outcome("c", "no_text")])
        rows = store.con.execute("SELECT entry_key, outcome, attempts, first_run_id, last_run_id FROM entry_outcome "
                                 "ORDER BY 1").fetchall()
        assert rows == [("a", "new", 2, "r1", "r2"), ("b", "new", 1, "r1", "r1"), ("c", "new", 1, "r2", "r2")]
        store.insert_urls([("https://e.com/x", 1, "https://e.com/x", "canonical", None),
                           ("https://e.com/x", 2, "https://e.com/x?a", "alias", None)])
        store.insert_urls([("https://e.com/x", 3, "https://e.com/x?b", "alias", None)])
        assert store.lookup_urls(["https://e.com/x"]) == {"https://e.com/x": 1}  # the first owner keeps it
        assert store.con.execute("SELECT count(*) FROM article_url").fetchone()[0] == 1

        class Score:
            def __init__(self, score: float) -> None:
                self.theme_id, self.score, self.matched = "t", score, score > 0.5
                self.passage = self.baseline_passage = "p"

        store.upsert_matches([(1, Score(0.2))])
        store.upsert_matches([(1, Score(0.9))])
        assert store.con.execute("SELECT score, matched FROM theme_match").fetchall() == [(0.9, True)]
        store.save_feed_results("r1", [{"feed_url": "https://e.com/feed", "feed_name": "e", "status": "skipped",
                                        "entries": 1}])
        store.save_feed_results("r1", [{"feed_url": "https://e.com/feed", "feed_name": "e", "status": "skipped",
                                        "entries": 5}])
        assert store.con.execute("SELECT entries FROM run_feed").fetchall() == [(5,)]


def test_migration_0008_keeps_an_older_databases_rows_and_drops_its_indexes(tmp_path: Path) -> None:
    from pipeline.store import utcnow

    old_sql = tmp_path / "sql"
    shutil.copytree(SQL_DIR, old_sql)
    for p in (old_sql / "migrations").glob("*.sql"):  # a database from before 0008 has none of the later ones
        if int(p.name.split("_")[0]) >= 8:
            p.unlink()
    view = old_sql / "views" / "theme_matches.sql"  # and its views: no column of 0009 yet
    view.write_text(view.read_text().replace(",\n    m.contested_by", ""))
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    old = Store(con, db, old_sql)
    old.migrate()
    old.insert_articles([{"id": i, "url": f"https://e.com/{i}", "canonical_url": f"https://e.com/{i}",
                          "fetched_at": utcnow(), "text": "body", "text_hash": f"h{i}", "run_id": "r"} for i in (1, 2)])
    old.record_outcomes("r", [_outcome("a", "new", 1)])
    assert con.execute("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'article'").fetchone()[0] == 1
    con.close()
    with open_store(db) as store:
        assert store.pending_migrations() == []
        assert store.con.execute("SELECT id, canonical_url FROM article ORDER BY id").fetchall() == [
            (1, "https://e.com/1"), (2, "https://e.com/2")]
        assert store.con.execute("SELECT count(*) FROM entries").fetchone()[0] == 1
        for table in ("article", "entry_outcome", "theme_match", "article_url", "run_feed"):
            n = store.con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = ? AND "
                                  "constraint_type IN ('PRIMARY KEY', 'UNIQUE')", [table]).fetchone()[0]
            assert n == 0, table
        assert store.con.execute("SELECT count(*) FROM duckdb_indexes()").fetchone()[0] == 0
        assert store.con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'alert' AND "
                                 "constraint_type = 'PRIMARY KEY'").fetchone()[0] == 1  # never sent twice


def test_an_upsert_that_fails_half_way_changes_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path / "t.duckdb") as store:
        store.record_outcomes("r1", [_outcome("a", "fetch_failed")])
        bad = _outcome("b", "new")
        bad["link"] = None  # NOT NULL: the INSERT fails after the UPDATE of "a" ran
        with pytest.raises(duckdb.Error):
            store.record_outcomes("r2", [_outcome("a", "new", 1), bad])
        assert store.con.execute("SELECT outcome, attempts, last_run_id FROM entry_outcome").fetchall() == [
            ("fetch_failed", 1, "r1")]
        with pytest.raises(RuntimeError):  # inside an outer transaction, the upsert is part of it
            with store.transaction():
                store.record_outcomes("r3", [_outcome("c", "new", 2)])
                raise RuntimeError("later step failed")
        assert store.con.execute("SELECT count(*) FROM entry_outcome").fetchone()[0] == 1


def test_a_close_without_checkpoint_keeps_the_writes_in_the_log_and_a_later_close_folds_them_in(
        tmp_path: Path) -> None:
    from pipeline.store import utcnow

    db = tmp_path / "w.duckdb"
    wal = Path(str(db) + ".wal")
    with open_store(db) as store:
        pass
    assert not wal.exists()

    def rows(lo: int, hi: int) -> list[dict]:
        return [{"id": i, "url": f"https://e.com/{i}", "canonical_url": f"https://e.com/{i}", "title": f"t{i}",
                 "fetched_at": utcnow(), "text": "x" * 500, "text_hash": f"h{i}", "run_id": "r"}
                for i in range(lo, hi)]

    for k in range(3):  # a run's batches
        with open_store(db, migrate=False, checkpoint=False) as store:
            store.insert_articles(rows(1 + 100 * k, 101 + 100 * k))
        assert wal.exists() and wal.stat().st_size > 0  # durable in the log, not yet in the file
        with open_store(db, read_only=True) as reader:  # analysts see every batch meanwhile
            assert reader.con.execute("SELECT count(*) FROM article").fetchone()[0] == 100 * (k + 1)
    with open_store(db, migrate=False) as store:  # the run's last open checkpoints
        assert store.con.execute("SELECT count(*) FROM article").fetchone()[0] == 300
    assert not wal.exists()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM article").fetchone()[0] == 300
    con.close()


def _other_process_can_open(db: Path) -> bool:
    import subprocess
    import sys

    code = f"import duckdb; duckdb.connect({str(db)!r}, read_only=True).close()"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_a_lease_keeps_the_file_open_across_close_batches_and_lets_it_go(tmp_path: Path) -> None:
    import time

    from pipeline.store import StoreLease

    db = tmp_path / "l.duckdb"
    with open_store(db):
        pass
    with StoreLease(db, hold_s=30.0, idle_s=0.5) as lease:
        for i in range(3):  # batches in quick succession: one open
            with lease.store() as store:
                store.con.execute("CREATE TABLE IF NOT EXISTS t (i INTEGER)")
                store.con.execute("INSERT INTO t VALUES (?)", [i])
        assert lease.opens == 1 and lease.held
        assert not _other_process_can_open(db)  # held: others wait (newsmon sql retries)
        deadline = time.monotonic() + 5
        while lease.held and time.monotonic() < deadline:  # idle: the timer lets go
            time.sleep(0.05)
        assert not lease.held
        assert _other_process_can_open(db)
        with lease.store() as store:  # the next batch opens again and sees everything
            assert store.con.execute("SELECT count(*) FROM t").fetchone()[0] == 3
        assert lease.opens == 2

    with StoreLease(db, hold_s=0.0, idle_s=30.0) as lease:  # held long enough: let go after the batch
        with lease.store():
            pass
        assert not lease.held and _other_process_can_open(db)

    with StoreLease(db, hold_s=30.0, idle_s=30.0) as lease:  # a failed batch lets go at once
        with pytest.raises(ZeroDivisionError):
            with lease.store():
                1 / 0
        assert not lease.held and _other_process_can_open(db)


def test_a_lease_lets_go_soon_when_another_process_waits_for_the_file(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    from pipeline.store import StoreLease

    db = tmp_path / "w.duckdb"
    with open_store(db):
        pass
    code = ("import time, sys; from pipeline.store import open_store\n"
            "t = time.monotonic()\n"
            f"with open_store({str(db)!r}, read_only=True, wait_s=20) as s:\n"
            "    print(round(time.monotonic() - t, 2))")
    root = Path(__file__).resolve().parents[1]
    with StoreLease(db, hold_s=60.0, idle_s=60.0) as lease:  # would hold the file for a minute
        with lease.store():
            pass
        assert lease.held
        t0 = time.monotonic()
        reader = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=30)
        assert reader.returncode == 0, reader.stderr
        assert not lease.held
        assert time.monotonic() - t0 < 5  # a tick (0.25 s) and the reader's retry, not the minute
        with lease.store():  # the run goes on: the next batch opens the file again
            pass
        assert lease.opens == 2


def test_theme_matches_shows_which_theme_contested_a_score(tmp_path: Path) -> None:
    """Migration 0009: theme_match.contested_by is stored, replaced on a re-score and shown by the view."""
    from pipeline.themes import ThemeScore

    with open_store(tmp_path / "c.duckdb") as store:
        store.upsert_matches([(1, ThemeScore("ally", 0.44, False, "p", "b", ("F",), contested_by="bloc")),
                              (1, ThemeScore("bloc", 1.0, True, "p", "b", ("A",)))])
        rows = store.con.execute("SELECT theme, matched, contested_by FROM theme_matches ORDER BY theme").fetchall()
        assert rows == [("ally", False, "bloc"), ("bloc", True, None)]
        store.upsert_matches([(1, ThemeScore("ally", 0.8, True, "p", "b", ("F",)))])
        assert store.con.execute("SELECT contested_by FROM theme_matches WHERE theme = 'ally'").fetchone() == (None,)
