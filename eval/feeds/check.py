"""Opt-in check: the 117 real and malformed feeds of shared/eval-data through newsmon's feed stage.

Run: .venv/bin/python eval/feeds/check.py [FOLDER]
Every file is served by a local server and fetched and parsed by the pipeline's own code
(pipeline.ingest.fetch_feeds), so transport, decoding and parsing are all exercised. Passes when
nothing raises, and every feed that feedparser itself parses cleanly (bozo == 0) yields the same
number of entries (stored entries plus entries reported as unusable).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from newsmon.localserver import CorpusServer  # noqa: E402
from pipeline.config import Feed, FetchSettings, Settings  # noqa: E402
from pipeline.ingest import fetch_feeds  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "eval-data" / "feeds"


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if not files:
        print(f"no feed files under {folder}")
        return 1
    settings = Settings(db_path=Path("/dev/null"), data_dir=Path("/tmp"),
                        fetch=FetchSettings(per_host_delay_s=0, per_host_concurrency=16, allow_private_networks=True))
    with CorpusServer(folder) as server:
        feeds = [Feed(name=str(p.relative_to(folder)), url=server.url("/" + str(p.relative_to(folder)))) for p in files]
        start = time.monotonic()
        results = fetch_feeds(feeds, {}, settings)
        seconds = time.monotonic() - start
    valid = mismatched = failed_valid = 0
    for path, res in zip(files, results):
        ref = feedparser.parse(path.read_bytes())
        if ref.get("bozo"):
            continue
        valid += 1
        ours = len(res.entries) + len(res.skipped)
        if res.status != "ok":
            failed_valid += 1
            print(f"FAILED  {path.name}: {res.error}")
        elif ours != len(ref.entries):
            mismatched += 1
            print(f"COUNT   {path.name}: newsmon {ours} vs feedparser {len(ref.entries)}")
    statuses = {s: sum(1 for r in results if r.status == s) for s in ("ok", "failed")}
    entries = sum(len(r.entries) for r in results)
    print(f"{len(files)} feeds in {seconds:.2f} s: {statuses['ok']} parsed, {statuses['failed']} recorded as failed "
          f"(none raised); {entries} entries. {valid} are valid for feedparser: {valid - mismatched - failed_valid} "
          f"give the same entry count, {mismatched} differ, {failed_valid} failed.")
    return 1 if mismatched or failed_valid else 0


if __name__ == "__main__":
    raise SystemExit(main())
