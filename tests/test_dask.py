"""The extraction fan-out on Dask (prefect-dask, a LocalCluster of two workers): same result."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import page_html, paragraphs, rss, write_config

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]


def _snapshot(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        articles = con.execute("SELECT canonical_url, title, text_hash, duplicate_of IS NULL, language FROM article "
                               "ORDER BY canonical_url").fetchall()
        outcomes = con.execute("SELECT feed_url, entry_key, outcome FROM entry_outcome ORDER BY ALL").fetchall()
        matches = con.execute("SELECT a.canonical_url, m.theme_id, m.score FROM theme_match m JOIN article a "
                              "ON a.id = m.article_id ORDER BY ALL").fetchall()
        return articles, outcomes, matches
    finally:
        con.close()


def test_dask_runner_stores_the_same_result(site, tmp_path: Path) -> None:
    from flows.ingest import flow_for
    from pipeline.config import load_config

    items = []
    for i in range(50):
        (site.root / "bulk").mkdir(exist_ok=True)
        (site.root / "bulk" / f"{i}.html").write_text(page_html(f"Bulk story {i}", paragraphs(900 + i)))
        items.append((f"Bulk story {i}", f"{{{{BASE}}}}/bulk/{i}.html", f"bulk-{i}"))
    (site.root / "feeds" / "bulk.xml").write_text(rss("Bulk", items))
    feeds = [("Alpha News", "{{BASE}}/feeds/alpha.xml"), ("Beta Post", "{{BASE}}/feeds/beta.xml"),
             ("Bulk", "{{BASE}}/feeds/bulk.xml")]
    results = {}
    for runner in ("local", "dask"):
        db = tmp_path / runner / "news.duckdb"
        cfg = write_config(tmp_path / runner, site.base_url, feeds, db)
        settings = cfg / "settings.toml"
        settings.write_text(settings.read_text() + f"[extract]\ntask_runner = '{runner}'\ndask_workers = 2\n"
                                                   "batch_size = 40\ninline_below = 10\n")
        config = load_config(cfg)
        summary = flow_for(config)(config_dir=str(cfg), trigger="test")
        assert summary.status == "completed" and summary.counts["new"] == 54
        results[runner] = _snapshot(db)
    assert results["dask"] == results["local"]
