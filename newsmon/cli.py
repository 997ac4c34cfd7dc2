"""The ``newsmon`` command line. Library errors become one clear message here, at one boundary."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline.errors import ConfigError, NewsmonError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
out = Console(width=None if Console().is_terminal else 120)
err = Console(stderr=True, soft_wrap=True)  # one problem, one line: greppable

app = typer.Typer(
    name="newsmon",
    help="Monitor news feeds for recurring narratives: fetch, extract, de-duplicate, store in DuckDB, "
         "match tracked themes, alert.",
    epilog="Examples:\n\n  newsmon demo\n\n  newsmon run --config config\n\n"
           "  newsmon sql \"SELECT title, site FROM articles ORDER BY fetched_at DESC LIMIT 10\"",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create, migrate and inspect the DuckDB database.", no_args_is_help=True,
                     rich_markup_mode="markdown")
app.add_typer(db_app, name="db")
themes_app = typer.Typer(help="Inspect tracked themes and re-score stored articles.", no_args_is_help=True,
                         rich_markup_mode="markdown")
app.add_typer(themes_app, name="themes")
feeds_app = typer.Typer(help="List, add, remove, import and export feeds; see their health.", no_args_is_help=True,
                        rich_markup_mode="markdown")
app.add_typer(feeds_app, name="feeds")
alerts_app = typer.Typer(help="Test alert channels and deliver pending alerts.", no_args_is_help=True,
                         rich_markup_mode="markdown")
app.add_typer(alerts_app, name="alerts")

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Config folder (settings.toml, feeds.toml, "
                      "themes.toml, alerts.toml). Default: $NEWSMON_CONFIG, else ./config, else the project's config/.",
                      show_default=False)]
DbOpt = Annotated[Path | None, typer.Option("--db", help="DuckDB file. Default: database.path in settings.toml.",
                  show_default=False)]


def default_config_dir() -> Path:
    """$NEWSMON_CONFIG, else ./config, else the checkout's config/."""
    if os.environ.get("NEWSMON_CONFIG"):
        return Path(os.environ["NEWSMON_CONFIG"])
    if Path("config/settings.toml").exists() or Path("config/feeds.toml").exists():
        return Path("config")
    return PROJECT_ROOT / "config"


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into a message and an exit code: 2 for bad config, 1 otherwise."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            err.print(f"[bold red]error:[/] the configuration has {len(exc.problems)} problem(s); nothing was fetched.",
                      highlight=False)
            for line in exc.problems:
                err.print(f"  {line}", highlight=False, markup=False)
            raise typer.Exit(2) from None
        except NewsmonError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("NEWSMON_DEBUG"):
                raise
            err.print(f"[bold red]error:[/] {type(exc).__name__}: {exc}\n"
                      "(set NEWSMON_DEBUG=1 for the traceback)", highlight=False)
            raise typer.Exit(1) from None
    return wrapper


def _load(config_dir: Path | None, feeds_file: Path | None = None) -> Any:
    from pipeline.config import load_config

    return load_config(config_dir or default_config_dir(), feeds_file=feeds_file)


def _db_path(db: Path | None, config_dir: Path | None) -> Path:
    if db is not None:
        return db
    return _load(config_dir).settings.db_path


def _print_table(columns: list[str], rows: list[tuple], title: str | None = None, max_width: int = 80) -> None:
    table = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        table.add_column(str(c), overflow="fold", max_width=max_width)
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r])
    out.print(table)


# --------------------------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------------------------
class _Progress:
    """Rich progress bars on a terminal; nothing when output is piped."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.enabled = console.is_terminal
        self.progress = Progress(TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=console, transient=True, disable=not self.enabled)
        self.tasks: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def __enter__(self) -> _Progress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def run_pipeline(config_dir: Path, db: Path | None, feeds_file: Path | None, trigger: str,
                 verbose: bool = False, progress: Callable | None = None, notify: tuple[str, ...] = ()) -> Any:
    """Validate config, set up Prefect's environment, and run the ingest flow once."""
    from pipeline.config import load_config

    # Validate before Prefect starts: bad config costs nothing and fetches nothing.
    config = load_config(config_dir, feeds_file=feeds_file, notify=notify)
    from pipeline.runlock import run_lock

    with run_lock(db or config.settings.db_path):  # fail fast, before Prefect starts; the flow holds the real lock
        pass
    from newsmon import prefect_env

    prefect_env.configure(config.settings.data_dir, verbose=verbose)
    from flows.ingest import NOTIFY, PROGRESS, flow_for

    prefect_env.quiet_task_failures(verbose)
    ingest_flow = flow_for(config)

    tokens = (PROGRESS.set(progress), NOTIFY.set(tuple(notify)))
    try:
        return ingest_flow(config_dir=str(config_dir), db_path=str(db) if db else None,
                           feeds_file=str(feeds_file) if feeds_file else None, trigger=trigger)
    finally:
        PROGRESS.reset(tokens[0])
        NOTIFY.reset(tokens[1])


def print_summary(summary: Any) -> None:
    """The end-of-run table: feeds, then outcomes."""
    from pipeline.ingest import summary_counts

    feeds = Table(title=f"Run {summary.run_id}: feeds", header_style="bold")
    for c in ("feed", "status", "http", "entries", "new", "error"):
        feeds.add_column(c, overflow="fold", max_width=60)
    style = {"ok": "green", "not_modified": "cyan", "failed": "red"}
    for f in sorted(summary.feeds, key=lambda f: (f["status"] != "failed", f["feed_name"])):
        feeds.add_row(f["feed_name"], f"[{style.get(f['status'], '')}]{f['status']}[/]", str(f["http_status"] or ""),
                      str(f["entries"]), str(f.get("new_entries") or ""), f["error"] or "")
    out.print(feeds)
    outcomes = Table(title="Entries by outcome", header_style="bold")
    outcomes.add_column("outcome")
    outcomes.add_column("entries", justify="right")
    for name, n in summary_counts(summary.counts):
        if n:
            outcomes.add_row(name, str(n))
    if outcomes.row_count:
        out.print(outcomes)
    else:
        out.print("No new entries in this run.")
    failed = sum(1 for f in summary.feeds if f["status"] == "failed")
    a = summary.alerts or {}
    alert_note = ""
    if a:
        alert_note = f"; alerts: {a.get('queued', 0)} queued, {a.get('sent', 0)} sent"
        if a.get("failed"):
            alert_note += f", [yellow]{a['failed']} failed (kept pending, retried next run)[/]"
    out.print(f"[bold]{summary.counts.get('new', 0)}[/] new article(s), {summary.matched} theme match(es){alert_note}; "
              f"{len(summary.feeds)} feed(s) ({failed} failed) in {summary.seconds:.1f} s  ->  {summary.db_path}",
              highlight=False)


@app.command(epilog="Examples:\n\n  newsmon run\n\n  newsmon run --config ~/newsmon/config --db /data/news.duckdb\n\n"
                    "  newsmon run --feeds subscriptions.opml   # this run only, instead of feeds.toml\n\n"
                    "  newsmon run --notify 'json://127.0.0.1:8080/'   # one more alert channel, this run only")
@guarded
def run(config: ConfigOpt = None, db: DbOpt = None,
        feeds: Annotated[Path | None, typer.Option("--feeds", help="A TOML [[feed]] list or an OPML file that "
                                                   "replaces the configured feeds for this run.")] = None,
        notify: Annotated[list[str] | None, typer.Option("--notify", help="An apprise URL to alert for this run "
                          "too (repeatable). Prefer a channel in alerts.toml for secrets.")] = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False) -> None:
    """Run the pipeline once: fetch feeds, store new articles, score themes, send alerts.

    Exits 0 when the run completed, even if some feeds failed (see the table and the
    `feed_status` view); non-zero only when the run could not proceed, with the reason.
    """
    config_dir = config or default_config_dir()
    with _Progress(err) as progress:
        summary = run_pipeline(config_dir, db, feeds, "cli", verbose, progress, tuple(notify or ()))
    print_summary(summary)


@app.command(epilog="Examples:\n\n  newsmon serve                       # the schedule in settings.toml\n\n"
                    "  newsmon serve --interval-minutes 15\n\n  newsmon serve --cron '*/30 * * * *'\n\n"
                    "  PREFECT_API_URL=http://prefect.internal:4200/api newsmon serve   # your own Prefect server")
@guarded
def serve(config: ConfigOpt = None, db: DbOpt = None,
          cron: Annotated[str | None, typer.Option(help="A cron schedule (overrides settings.toml).")] = None,
          interval_minutes: Annotated[float | None, typer.Option(help="Run every N minutes (overrides settings.toml).")] = None,
          verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False) -> None:
    """Run the pipeline on a schedule, as a Prefect deployment, until Ctrl-C or SIGTERM.

    Without PREFECT_API_URL it starts (and stops) a local Prefect server on 127.0.0.1; with it,
    it uses that server. One run at a time: a run that would overlap waits or is skipped.
    """
    from newsmon.serve import serve as _serve

    _serve(config or default_config_dir(), db, cron, interval_minutes, out, verbose)


# --------------------------------------------------------------------------------------------
# extract
# --------------------------------------------------------------------------------------------
@app.command(epilog="Examples:\n\n  newsmon extract page.html --url https://example.com/story --json\n\n"
                    "  curl -s https://example.com/story | newsmon extract - --json")
@guarded
def extract(page: Annotated[Path, typer.Argument(help="An HTML file, or - for standard input.")],
            url: Annotated[str | None, typer.Option(help="The page's URL (helps resolve metadata).")] = None,
            as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """Extract one page with the pipeline's own extraction (trafilatura) and print the article."""
    from pipeline.articles import extract_html
    from pipeline.dedupe import text_hash

    if str(page) == "-":
        html = sys.stdin.buffer.read()
    else:
        if not page.is_file():
            raise NewsmonError(f"{page}: no such file")
        html = page.read_bytes()
    meta = extract_html(html, url)
    if meta is None:
        raise NewsmonError(f"{page}: no article text found")
    meta["text_hash"] = text_hash(meta["text"])
    meta["url"] = url
    if as_json:
        out.print_json(json.dumps(meta, ensure_ascii=False, default=str))
        return
    out.print(f"[bold]{meta['title']}[/]", highlight=False)
    out.print(f"{meta['site'] or ''}  {meta['author'] or ''}  {meta['date'] or ''}  [{meta['language'] or '?'}]",
              highlight=False)
    out.print()
    out.print(meta["text"], highlight=False, markup=False)


# --------------------------------------------------------------------------------------------
# sql
# --------------------------------------------------------------------------------------------
@app.command(epilog="Examples:\n\n  newsmon sql \"SELECT * FROM runs ORDER BY started_at DESC LIMIT 5\"\n\n"
                    "  newsmon sql \"SELECT feed, last_status, last_error FROM feed_status\" --format csv\n\n"
                    "  newsmon sql --db data/demo/newsmon.duckdb \"SELECT count(*) FROM articles\"")
@guarded
def sql(query: Annotated[str, typer.Argument(help="One SQL statement (DuckDB dialect).")],
        config: ConfigOpt = None, db: DbOpt = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
        wait: Annotated[float, typer.Option(help="Seconds to wait while a run holds the database.")] = 60.0) -> None:
    """Run one SQL query against the database (read-only) and print the result."""
    from pipeline.store import open_store

    path = _db_path(db, config)
    with open_store(path, read_only=True, wait_s=wait) as store:
        store.load_fts()  # so fts_main_article.match_bm25(...) works in analysts' queries
        try:
            cols, rows = store.sql(query)
        except Exception as exc:  # duckdb.Error: the analyst's SQL, shown as is
            raise NewsmonError(f"query failed: {exc}") from None
    _emit(cols, rows, fmt)


def _emit(cols: list[str], rows: list[tuple], fmt: str) -> None:
    """Print query results as a table, CSV or JSON lines."""
    if fmt == "json":
        for r in rows:
            sys.stdout.write(json.dumps(dict(zip(cols, r)), ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(cols)
        w.writerows(rows)
    elif fmt == "table":
        _print_table(cols, rows)
    else:
        raise NewsmonError(f"--format {fmt!r}: use table, csv or json")


# --------------------------------------------------------------------------------------------
# db
# --------------------------------------------------------------------------------------------
@db_app.command("migrate", epilog="Example:\n\n  newsmon db migrate --db data/newsmon.duckdb")
@guarded
def db_migrate(config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Create the database if needed and apply pending migrations (each in a transaction)."""
    from pipeline.store import open_store

    path = _db_path(db, config)
    with open_store(path, migrate=False) as store:
        applied = store.migrate()
    out.print(f"{path}: applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else
              " (already up to date)"), highlight=False)


@db_app.command("status", epilog="Example:\n\n  newsmon db status --db data/newsmon.duckdb")
@guarded
def db_status(config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Show applied and pending migrations, row counts and the file size."""
    from pipeline.store import open_store

    path = _db_path(db, config)
    if not path.exists():
        raise NewsmonError(f"{path}: no database yet (run `newsmon db migrate` or `newsmon run`)")
    with open_store(path, migrate=False) as store:
        applied = store.applied_migrations()
        pending = store.pending_migrations()
        counts = store.table_counts()
    out.print(f"[bold]{path}[/]  {path.stat().st_size / 1e6:.1f} MB", highlight=False)
    _print_table(["version", "name", "applied_at"], [(v, n, a) for v, (n, a) in sorted(applied.items())], "migrations")
    if pending:
        out.print(f"[yellow]pending:[/] {', '.join(pending)}  (run `newsmon db migrate`)")
    _print_table(["table", "rows"], sorted(counts.items()), "tables")


# --------------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------------
@app.command(epilog="Examples:\n\n  newsmon demo\n\n  newsmon demo --serve   # keep the sample site up afterwards")
@guarded
def demo(data_dir: Annotated[Path, typer.Option(help="Where the demo writes its config and database.")] = Path("data/demo"),
         serve: Annotated[bool, typer.Option("--serve", help="Keep serving the sample corpus until Ctrl-C.")] = False,
         verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False) -> None:
    """Serve the bundled sample corpus on 127.0.0.1, run the pipeline on it twice, and show the result.

    Offline and self-contained: the second run shows that unchanged feeds store nothing new and
    fetch no page.
    """
    from newsmon.demo import run_demo

    run_demo(data_dir, serve=serve, verbose=verbose, console=out)


@app.command(epilog="Examples:\n\n  newsmon search 'military alliance'\n\n"
                    "  newsmon search 'Eurasian security' --limit 50 --format csv")
@guarded
def search(query: Annotated[str, typer.Argument(help="Words to look for (BM25 ranking over titles and texts).")],
           limit: Annotated[int, typer.Option(help="How many articles.")] = 20,
           fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
           config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Full-text search over stored articles (DuckDB fts, BM25); rebuilds the index when stale."""
    from pipeline.store import open_store

    path = _db_path(db, config)
    if not path.exists():
        raise NewsmonError(f"{path}: no database yet (run `newsmon run` first)")
    with open_store(path) as store:
        if store.fts_stale():
            store.build_fts_index()
        cols, rows = store.query("search_fts", query=query, limit=limit)
    _emit(cols, rows, fmt)


@app.command(epilog="Examples:\n\n  newsmon dupes 42\n\n  newsmon dupes 42 --db data/demo/newsmon.duckdb")
@guarded
def dupes(article_id: Annotated[int, typer.Argument(help="An article id (see the articles view).")],
          config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Show an article's duplicate group (original, near-copies, other URLs) and its story."""
    from pipeline.store import open_store

    with open_store(_db_path(db, config), read_only=True) as store:
        found = store.sql("SELECT title FROM article WHERE id = ?", [article_id])[1]
        if not found:
            raise NewsmonError(f"no article with id {article_id}")
        cols, rows = store.query("duplicate_group", article_id=article_id)
        _print_table(cols, rows, f"Duplicate group of article {article_id}")
        cols, rows = store.query("story_members", article_id=article_id)
        _print_table(cols, rows, f"Story of article {article_id} ({len(rows)} article(s))")


# --------------------------------------------------------------------------------------------
# themes, match
# --------------------------------------------------------------------------------------------
def _read_for_matching(path: Path) -> tuple[str, str, str | None]:
    """(title, text, language) of a plain-text or HTML file."""
    from pipeline.articles import detect_language, extract_html

    raw = path.read_bytes()
    head = raw[:2048].lstrip().lower()
    if path.suffix.lower() in (".html", ".htm") or head.startswith((b"<!doctype html", b"<html")):
        meta = extract_html(raw)
        if meta is None:
            raise NewsmonError(f"{path}: no article text found in this HTML")
        return meta["title"], meta["text"], meta["language"]
    text = raw.decode("utf-8", errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    title = lines[0].strip() if lines else ""
    return title, text, detect_language(text)


@app.command(epilog="Examples:\n\n  newsmon match article.txt --json\n\n"
                    "  newsmon match eval/themes/anti_us_alliance/*.txt\n\n"
                    "  newsmon match page.html --config ~/newsmon/config --json | jq '.themes'")
@guarded
def match(files: Annotated[list[Path], typer.Argument(help="Plain-text or HTML files.")],
          config: ConfigOpt = None,
          as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file, one per line.")] = False) -> None:
    """Score files against the configured themes, with no database: score, match, and the evidence."""
    from pipeline.themes import ThemeMatcher, load_themes

    themes = load_themes(config or default_config_dir())
    matcher = ThemeMatcher(themes)
    results = []
    for path in files:
        if not path.is_file():
            raise NewsmonError(f"{path}: no such file")
        title, text, language = _read_for_matching(path)
        scores = matcher.score(text, title=title, language=language)
        results.append({"file": str(path), "themes": {
            tid: {"score": s.score, "match": s.matched, "passage": s.passage, "baseline_passage": s.baseline_passage,
                  **({"contested_by": s.contested_by} if s.contested_by else {})}
            for tid, s in scores.items()}})
    if as_json:
        for r in results:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    table = Table(header_style="bold")
    table.add_column("file", overflow="fold")
    for t in themes:
        table.add_column(t.id, justify="right")
    for r in results:
        table.add_row(r["file"], *[("[bold green]" if v["match"] else "") + f"{v['score']:.2f}" +
                                   (" match[/]" if v["match"] else "") +
                                   (f" (contested by {v['contested_by']})" if v.get("contested_by") else "")
                                   for v in r["themes"].values()])
    out.print(table)


@themes_app.command("list", epilog="Example:\n\n  newsmon themes list --config config")
@guarded
def themes_list(config: ConfigOpt = None) -> None:
    """Show the configured themes, their thresholds and baselines."""
    from pipeline.themes import load_themes

    themes = load_themes(config or default_config_dir())
    _print_table(["id", "name", "threshold", "baselines", "key phrases", "contested"],
                 [(t.id, t.name, t.threshold, ", ".join(p.name for p in t.baselines), len(t.key_phrases),
                   f"x{1 - t.contested_penalty:.2f} under a stronger theme >= {t.contested_above:g}"
                   if t.contested_above is not None else "never")
                  for t in themes])


@themes_app.command("rescore", epilog="Examples:\n\n  newsmon themes rescore\n\n"
                                      "  newsmon themes rescore --db data/newsmon.duckdb --batch 1000")
@guarded
def themes_rescore(config: ConfigOpt = None, db: DbOpt = None,
                   batch: Annotated[int, typer.Option(help="Articles scored per database round trip.")] = 500) -> None:
    """Re-score every stored article after a theme changed. Sends no alerts for old articles."""
    import time

    from pipeline.matching import rescore
    from pipeline.store import open_store
    from pipeline.themes import ThemeMatcher

    cfg = _load(config)
    matcher = ThemeMatcher(cfg.themes)
    path = db or cfg.settings.db_path
    start = time.monotonic()
    with _Progress(err) as progress, open_store(path) as store:
        report = rescore(store, matcher, batch, progress)
    out.print(f"re-scored {report['articles']} article(s) against {len(cfg.themes)} theme(s) in "
              f"{time.monotonic() - start:.1f} s: {report['matched']} match(es) "
              f"({report['gained']} new, {report['lost']} no longer matching)", highlight=False)


@app.command(epilog="Examples:\n\n  newsmon prune                    # the configured default (180 days)\n\n"
                    "  newsmon prune --older-than 90d\n\n  newsmon prune --older-than 26w --dry-run")
@guarded
def prune(older_than: Annotated[str | None, typer.Option("--older-than", help="Age like 180d, 26w or 12h "
                                                          "(default: retention.older_than_days).")] = None,
          dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be pruned.")] = False,
          config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Empty the text of old articles (and their near-duplicate data); keep rows, matches and alerts."""
    import re as _re
    from datetime import timedelta

    from pipeline.store import open_store, utcnow

    cfg = _load(config)
    if older_than is None:
        age = timedelta(days=cfg.settings.retention_days)
    else:
        m = _re.fullmatch(r"(\d+)([dwh])", older_than.strip())
        if not m:
            raise NewsmonError(f"--older-than {older_than!r}: use a number and d, w or h, e.g. 180d")
        n, unit = int(m.group(1)), m.group(2)
        age = {"d": timedelta(days=n), "w": timedelta(weeks=n), "h": timedelta(hours=n)}[unit]
    cutoff = utcnow() - age
    path = db or cfg.settings.db_path
    with open_store(path) as store:
        n = store.sql("SELECT count(*) FROM article WHERE fetched_at < ? AND pruned_at IS NULL", [cutoff])[1][0][0]
        if dry_run:
            out.print(f"{n} article(s) fetched before {cutoff:%Y-%m-%d %H:%M} would be pruned", highlight=False)
            return
        size_before = path.stat().st_size
        store.prune(cutoff)
    out.print(f"pruned {n} article(s) fetched before {cutoff:%Y-%m-%d %H:%M}; theme matches and alerts kept "
              f"({size_before / 1e6:.1f} MB -> {path.stat().st_size / 1e6:.1f} MB)", highlight=False)


# --------------------------------------------------------------------------------------------
# feeds
# --------------------------------------------------------------------------------------------
def _feeds_file(config: Path | None) -> Path:
    return (config or default_config_dir()) / "feeds.toml"


@feeds_app.command("status", epilog="Examples:\n\n  newsmon feeds status\n\n  newsmon feeds status --failing")
@guarded
def feeds_status(config: ConfigOpt = None, db: DbOpt = None,
                 failing: Annotated[bool, typer.Option("--failing", help="Only feeds that are failing, "
                                                        "backing off or disabled.")] = False) -> None:
    """Health of every feed: last status, failures in a row (soft/hard), back-off, auto-disable."""
    from pipeline.store import open_store

    path = _db_path(db, config)
    if not path.exists():
        raise NewsmonError(f"{path}: no database yet (run `newsmon run` first)")
    where = "WHERE status <> 'ok' AND status <> 'not_modified'" if failing else ""
    with open_store(path, read_only=True) as store:
        cols, rows = store.sql(
            f"SELECT feed, status, last_http_status AS http, consecutive_failures AS fails, hard_failures AS hard, "
            f"strftime(next_attempt_at, '%Y-%m-%d %H:%M') AS next_try, articles, "
            f"coalesce(disabled_reason, last_error) AS problem, feed_url FROM feed_status {where} "
            f"ORDER BY status = 'ok', feed")
    _print_table(cols, rows, "Feed health (SELECT ... FROM feed_status)", max_width=50)


@feeds_app.command("enable", epilog="Example:\n\n  newsmon feeds enable https://example.com/feed.xml")
@guarded
def feeds_enable(url: Annotated[str, typer.Argument(help="The feed's URL, as in feeds.toml.")],
                 config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Re-enable a feed that was auto-disabled, and clear its back-off."""
    from pipeline.store import open_store

    with open_store(_db_path(db, config)) as store:
        known = store.enable_feed(url)
    if not known:
        raise NewsmonError(f"{url}: no such feed in the database (see `newsmon feeds status`)")
    out.print(f"enabled {url}: it is fetched again on the next run", highlight=False)


@feeds_app.command("add", epilog="Examples:\n\n  newsmon feeds add https://example.com/feed.xml --name 'Example' --tag world")
@guarded
def feeds_add(url: Annotated[str, typer.Argument(help="The feed's URL.")],
              name: Annotated[str | None, typer.Option(help="A name (default: the host).")] = None,
              tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
              config: ConfigOpt = None) -> None:
    """Add a feed to feeds.toml (comments and layout are kept)."""
    from urllib.parse import urlsplit

    from pipeline.config import Feed
    from pipeline.feedlist import add_feeds

    added = add_feeds(_feeds_file(config), [Feed(name or urlsplit(url).hostname or url, url, tuple(tag or ()))])
    out.print(f"added {url}" if added else f"{url} is already in {_feeds_file(config)}", highlight=False)


@feeds_app.command("remove", epilog="Example:\n\n  newsmon feeds remove https://example.com/feed.xml")
@guarded
def feeds_remove(url: Annotated[str, typer.Argument(help="The feed's URL, as in feeds.toml.")],
                 config: ConfigOpt = None) -> None:
    """Remove a feed from feeds.toml. Its stored articles stay."""
    from pipeline.feedlist import remove_feed

    if not remove_feed(_feeds_file(config), url):
        raise NewsmonError(f"{url} is not in {_feeds_file(config)}")
    out.print(f"removed {url}", highlight=False)


@feeds_app.command("import", epilog="Example:\n\n  newsmon feeds import subscriptions.opml")
@guarded
def feeds_import(file: Annotated[Path, typer.Argument(help="An OPML file (or a TOML [[feed]] list).")],
                 config: ConfigOpt = None) -> None:
    """Add every feed of an OPML file to feeds.toml (feeds already there are skipped)."""
    from pipeline.config import load_feeds_file
    from pipeline.feedlist import add_feeds

    feeds = load_feeds_file(file)
    added = add_feeds(_feeds_file(config), feeds)
    out.print(f"imported {len(added)} feed(s) of {len(feeds)} from {file} ({len(feeds) - len(added)} already there)",
              highlight=False)


@feeds_app.command("export", epilog="Examples:\n\n  newsmon feeds export > feeds.opml\n\n  newsmon feeds export --format toml")
@guarded
def feeds_export(config: ConfigOpt = None,
                 fmt: Annotated[str, typer.Option("--format", help="opml or toml.")] = "opml") -> None:
    """Print the configured feeds as OPML (or TOML)."""
    from pipeline.config import load_feeds_file
    from pipeline.feedlist import _block, to_opml

    feeds = load_feeds_file(_feeds_file(config))
    if fmt == "toml":
        sys.stdout.write("\n".join(_block(f) for f in feeds))
    elif fmt == "opml":
        sys.stdout.write(to_opml(feeds))
    else:
        raise NewsmonError(f"--format {fmt!r}: use opml or toml")


# --------------------------------------------------------------------------------------------
# alerts
# --------------------------------------------------------------------------------------------
@alerts_app.command("test", epilog="Examples:\n\n  NEWSMON_CHAT_URL='tgram://TOKEN/CHAT' newsmon alerts test\n\n"
                                   "  newsmon alerts test --notify 'json://127.0.0.1:8080/'")
@guarded
def alerts_test(config: ConfigOpt = None,
                notify: Annotated[list[str] | None, typer.Option("--notify", help="Also test this apprise URL.")] = None) -> None:
    """Send a test message to each enabled channel; exit 1 if any channel failed."""
    from pipeline.alerts import redact, send_apprise
    from pipeline.config import load_config

    cfg = load_config(config or default_config_dir(), notify=tuple(notify or ()))
    channels = [c for c in cfg.channels if c.enabled and c.url]
    if not channels:
        raise NewsmonError("no enabled alert channel: enable one in alerts.toml (and set its url_env), "
                           "or pass --notify URL")
    failures = 0
    for ch in channels:
        ok, error = send_apprise(ch.url, "newsmon test message",
                                 f"This is a test message from newsmon to channel **{ch.name}**.")
        mark = "[green]sent[/]" if ok else f"[red]failed[/]: {error}"
        out.print(f"{ch.name} <{redact(ch.url)}>: {mark}", highlight=False)
        failures += 0 if ok else 1
    if failures:
        raise typer.Exit(1)


@alerts_app.command("send", epilog="Example:\n\n  newsmon alerts send   # e.g. after a chat outage")
@guarded
def alerts_send(config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Deliver pending alerts now, without a run (they are otherwise retried at the next run)."""
    from pipeline.alerts import deliver_pending
    from pipeline.store import open_store

    cfg = _load(config)
    with open_store(db or cfg.settings.db_path) as store:
        report = deliver_pending(store, cfg.channels, cfg.alerting)
    out.print(f"sent {report.sent}, failed {report.failed} (kept pending), interrupted {report.interrupted}",
              highlight=False)
    if report.failed:
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
