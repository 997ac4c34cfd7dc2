"""The script a user would write instead of newsmon: feedparser + httpx + trafilatura + DuckDB.

    .venv/bin/python -m bench.naive --db /tmp/naive.duckdb --limit 300 FEED_URL [FEED_URL ...]

Sequential: for each feed, fetch and parse it; for each entry not stored yet, fetch the page,
extract it with trafilatura (newsmon's options: pipeline.articles.trafilatura_options()) and insert
one row into DuckDB. One keep-alive client, no politeness delay, no retries, no de-duplication
beyond the URL. The throughput bench runs it on a sample of the farm's articles; it prints one
JSON line with the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import datetime


def run_naive(feed_urls: list[str], db_path: str, limit: int | None = None) -> dict[str, float | int]:
    import duckdb
    import feedparser
    import httpx
    import trafilatura

    from pipeline.articles import trafilatura_options

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    options = trafilatura_options()
    t0 = time.perf_counter()
    c0 = time.process_time()
    con = duckdb.connect(db_path)
    con.execute("CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, feed TEXT, title TEXT, author TEXT, "
                "published TEXT, text TEXT, fetched_at TIMESTAMP)")
    stored = skipped = failed = 0
    with httpx.Client(timeout=20.0, follow_redirects=True, headers={"User-Agent": "my-news-script/0.1"}) as client:
        for feed_url in feed_urls:
            try:
                feed = feedparser.parse(client.get(feed_url).content)
            except httpx.HTTPError:
                failed += 1
                continue
            for entry in feed.entries:
                if limit is not None and stored + skipped + failed >= limit:
                    break
                link = entry.get("link")
                if not link or con.execute("SELECT 1 FROM articles WHERE url = ?", [link]).fetchone():
                    skipped += 1
                    continue
                try:
                    resp = client.get(link)
                    resp.raise_for_status()
                except httpx.HTTPError:
                    failed += 1
                    continue
                doc = trafilatura.bare_extraction(resp.content, url=link, **options)
                if doc is None or not (doc.text or "").strip():
                    failed += 1
                    continue
                con.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            [link, feed_url, doc.title or entry.get("title"), doc.author, doc.date, doc.text,
                             datetime.utcnow()])
                stored += 1
            if limit is not None and stored + skipped + failed >= limit:
                break
    con.close()
    wall = time.perf_counter() - t0
    return {"stored": stored, "skipped": skipped, "failed": failed, "wall_s": round(wall, 3),
            "cpu_s": round(time.process_time() - c0, 3), "articles_per_s": round(stored / wall, 3) if wall else 0.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.naive", description=__doc__.split("\n")[0])
    ap.add_argument("feeds", nargs="+")
    ap.add_argument("--db", required=True)
    ap.add_argument("--limit", type=int, default=None, help="stop after this many entries")
    args = ap.parse_args(argv)
    print(json.dumps(run_naive(args.feeds, args.db, args.limit)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
