"""``newsmon demo``: the whole pipeline, offline, against the sample corpus in demo/.

It serves demo/corpus/ on 127.0.0.1, writes a demo config (the project's themes and baselines,
the demo's feeds, a local alert receiver), runs the pipeline twice into a fresh database, and
prints what was stored, what every entry became, and the alerts that fired.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from rich.console import Console

from newsmon.localserver import CorpusServer
from newsmon.receiver import Receiver

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = PROJECT_ROOT / "demo"
ALERT_ENV = "NEWSMON_DEMO_CHAT_URL"
DEMO_ALERTS = f"""# Written by `newsmon demo`: alerts go to a local receiver standing in for a chat service.
[[channel]]
name = "demo-chat"
url_env = "{ALERT_ENV}"
policy = "immediate"
"""


def write_demo_config(target: Path, base_url: str, db_path: Path, extra_alerts: str = "") -> Path:
    """Write a complete config folder for the demo and return it."""
    cfg = target / "config"
    if cfg.exists():
        shutil.rmtree(cfg)
    cfg.mkdir(parents=True)
    src = PROJECT_ROOT / "config"
    shutil.copytree(src / "baselines", cfg / "baselines")
    shutil.copy(src / "themes.toml", cfg / "themes.toml")
    feeds = (DEMO_DIR / "feeds.toml").read_text(encoding="utf-8").replace("{{BASE}}", base_url)
    (cfg / "feeds.toml").write_text(feeds, encoding="utf-8")
    (cfg / "settings.toml").write_text(
        "# Written by `newsmon demo`; see config/settings.toml for the documented defaults.\n"
        "[database]\n"
        f"path = '{db_path.resolve()}'\n"
        f"data_dir = '{target.resolve()}'\n\n"
        "[fetch]\n"
        "# The demo corpus lives on 127.0.0.1; real feeds may not link there.\n"
        "allow_private_networks = true\n"
        "per_host_delay_s = 0.0\n"
        "per_host_concurrency = 8\n\n"
        "[retries]\n"
        "# The sample corpus has a feed that is broken on purpose: retry it once, quickly.\n"
        "feed_retries = 1\n"
        "delays_s = [0.5]\n\n"
        "[urls]\n"
        "# The sample corpus's click-tracking wrapper, unwrapped like the known aggregators'.\n"
        "redirect_wrappers = [{ host = '127.0.0.1', path = '/click', param = 'url' }]\n",
        encoding="utf-8")
    (cfg / "alerts.toml").write_text(extra_alerts or "# No alert channels in this demo.\n", encoding="utf-8")
    return cfg


def run_demo(data_dir: Path, serve: bool = False, verbose: bool = False, console: Console | None = None) -> None:
    """Serve the corpus, run twice, print the stored articles and outcomes."""
    from newsmon.cli import print_summary, run_pipeline
    from pipeline.store import open_store

    import os

    console = console or Console()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / "newsmon.duckdb"
    for stale in (db_path, db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    with CorpusServer(DEMO_DIR / "corpus") as server, Receiver() as receiver:
        os.environ[ALERT_ENV] = receiver.apprise_url
        cfg = write_demo_config(data_dir, server.base_url, db_path, DEMO_ALERTS)
        console.rule("[bold]newsmon demo")
        console.print(f"Sample corpus served at {server.base_url}  (config: {cfg})", highlight=False)
        t0 = time.monotonic()
        first = run_pipeline(cfg, None, None, "demo", verbose)
        first_s = time.monotonic() - t0
        print_summary(first)
        pages_first = len([p for p in server.requests if not p.startswith("/feeds/")])

        with open_store(db_path, read_only=True) as store:
            cols, rows = store.sql(
                "SELECT id, site, language, left(title, 70) AS title, aliases, length(text) AS chars "
                "FROM articles ORDER BY id")
            _table(console, "Stored articles (SELECT ... FROM articles)", cols, rows)
            cols, rows = store.sql(
                "SELECT feed, left(title, 48) AS title, outcome, left(reason, 60) AS reason FROM entries "
                "ORDER BY outcome = 'new' DESC, outcome, feed, title")
            _table(console, "Every entry and its one outcome (SELECT ... FROM entries)", cols, rows)
            cols, rows = store.sql(
                "SELECT story_id, articles, near_duplicates, sources, source_list, left(title, 60) AS title "
                "FROM stories WHERE articles > 1 ORDER BY first_seen")
            _table(console, "Stories with more than one article: copies collapsed (SELECT ... FROM stories)", cols, rows)
            cols, rows = store.sql(
                "SELECT article_id, theme, score, left(title, 50) AS title, left(passage, 90) AS passage "
                "FROM theme_matches WHERE matched ORDER BY theme, score DESC")
            _table(console, "Theme matches with their evidence (SELECT ... FROM theme_matches WHERE matched)", cols, rows)
            cols, rows = store.sql("SELECT kind, theme, article_id, sources, status, attempts, channel FROM alerts "
                                   "ORDER BY kind, theme, article_id")
            _table(console, "The alert outbox (SELECT ... FROM alerts)", cols, rows)
        _show_alerts(console, receiver.messages)
        sent_first = len(receiver.messages)

        with open_store(db_path, read_only=True) as store:
            copy_id = store.sql("SELECT min(id) FROM article WHERE duplicate_of IS NOT NULL")[1][0][0]
        console.rule("[bold]second run, feeds unchanged")
        before = len(server.requests)
        second = run_pipeline(cfg, None, None, "demo", verbose)
        new_requests = server.requests[before:]
        pages_second = [p for p in new_requests if not p.startswith("/feeds/")]
        console.print(
            f"second run: {second.counts.get('new', 0)} new article(s), {len(pages_second)} page(s) fetched, "
            f"{sum(1 for f in second.feeds if f['status'] == 'not_modified')} feed(s) answered 304 Not Modified, "
            f"{len(receiver.messages) - sent_first} alert(s) sent (nothing is sent twice)",
            highlight=False)
        console.print(
            f"\nfirst run: {first.counts.get('new', 0)} new articles and {first.counts.get('near_duplicate', 0)} near-copies "
            f"stored, {pages_first} pages fetched, "
            f"{first_s:.1f} s (Prefect start-up included).\nQuery it yourself:\n"
            f"  newsmon sql --db {db_path} \"SELECT id, site, title FROM articles\"\n"
            + (f"  newsmon dupes {copy_id} --db {db_path}   # a story seen in two outlets" if copy_id else ""),
            highlight=False)
        if serve:
            console.print(f"\nServing {server.base_url} until Ctrl-C ...")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass


def _show_alerts(console: Console, messages: list[dict]) -> None:
    """What the local chat receiver got: a list, then the first immediate alert in full."""
    from rich.markdown import Markdown
    from rich.panel import Panel

    console.rule(f"[bold]{len(messages)} alert(s) received by the local chat receiver")
    for m in messages:
        first = next((ln for ln in m.get("message", "").splitlines() if ln.startswith("**Article")), "")
        console.print(f"- {m.get('title')}  {first[:100]}", highlight=False, markup=False)
    example = next((m for m in messages if "Matched passage" in m.get("message", "")), None)
    if example:
        console.print(Panel(Markdown(example["message"]), title=example["title"], width=min(console.width, 110)))


def _table(console: Console, title: str, cols: list[str], rows: list[tuple]) -> None:
    from rich.table import Table

    t = Table(title=title, header_style="bold")
    for c in cols:
        t.add_column(c, overflow="fold", max_width=70)
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    console.print(t)
