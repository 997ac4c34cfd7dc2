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
