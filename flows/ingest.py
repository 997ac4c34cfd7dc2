"""The ingest flow: one pass over every enabled feed. Wiring only; see pipeline.ingest.

Tasks run per stage and per batch, never one per article: fetch-feeds, select-entries, then one
store-batch task per batch of extracted pages, then send-alerts. Pages are fetched (a thread) and
extracted (a process pool, or Dask tasks) as one stream, pipeline.ingest.PageStream, feeding the
batches; the DuckDB writer stays in the flow's thread. Large task arguments are passed in
``quote()``: Prefect would otherwise walk them, item by item, on every task call.
"""

from __future__ import annotations

import contextvars
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.utilities.annotations import quote

from pipeline import alerts
from pipeline import ingest as lib
from pipeline.articles import Extractor, FetchedPage, extract_pages
from pipeline.config import Config, load_config
from pipeline.runlock import RunInProgress, run_lock
from pipeline.store import StoreLease, open_store, utcnow
from pipeline.themes import ThemeMatcher

# The CLI sets a progress callback and the --notify URLs here. Flow parameters stay plain values,
# and secrets stay out of them: Prefect stores and shows every flow parameter.
PROGRESS: contextvars.ContextVar[Any] = contextvars.ContextVar("newsmon_progress", default=None)
NOTIFY: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("newsmon_notify", default=())
RUN_LOCK_WAIT: contextvars.ContextVar[float] = contextvars.ContextVar("newsmon_run_lock_wait", default=0.0)


def run_options() -> tuple[Any, tuple[str, ...], float]:
    """(progress callback, --notify URLs, seconds to wait for the run lock) set by the caller.

    Read through this function, not the variables: Prefect's runner pickles the flow function by
    value for scheduled runs, and a context variable cannot be pickled; a function is referenced.
    """
    return PROGRESS.get(), NOTIFY.get(), RUN_LOCK_WAIT.get()

fetch_feeds_task = task(lib.fetch_feeds, name="fetch-feeds", cache_policy=NONE)
# Transient feed failures (timeouts, 5xx, 429) are retried here, and only here; delays are set per run.
retry_feeds_task = task(lib.retry_transient, name="retry-transient-feeds", cache_policy=NONE)

# With the Dask task runner, extraction fans out as one task per chunk of pages on the cluster.
extract_chunk_task = task(extract_pages, name="extract-chunk", cache_policy=NONE)
DASK_CHUNK = 20  # pages per Dask task: ~0.2-0.3 s of CPU, well above Dask's per-task overhead
PAGE_CHUNK = 8   # pages per job for the local process pool (~0.15 s of CPU)


class _DaskChunk:
    """A Dask-run extraction task, as the handle PageStream expects (done() without blocking)."""

    def __init__(self, future: Any) -> None:
        self.future = future

    def done(self) -> bool:
        return bool(self.future.wrapped_future.done())

    def result(self) -> list[Any]:
        return self.future.result()


@task(name="select-entries", cache_policy=NONE)
def select_task(db_path: Path, results: list[lib.FeedResult], state: lib.RunState, config: Config) -> list[Any]:
    with open_store(db_path, memory_limit=config.settings.db_memory_limit, migrate=False,
                    checkpoint=False) as store:
        return lib.select_entries(store, results, state, config.settings)


@task(name="store-batch", cache_policy=NONE)
def store_task(lease: StoreLease, state: lib.RunState, results: list[Any], config: Config) -> list[int]:
    with lease.store() as store:  # the file stays open across batches that come close together
        return lib.store_batch(store, state, results, config.settings.redirect_wrappers)


@task(name="send-alerts", cache_policy=NONE)
def alerts_task(db_path: Path, state: lib.RunState, config: Config) -> dict[str, int]:
    """Queue the alerts this run's matches call for, then deliver everything pending."""
    with open_store(db_path, memory_limit=config.settings.db_memory_limit, migrate=False,
                    checkpoint=False) as store:
        with store.transaction():
            queued = alerts.plan_alerts(store, config.channels, config.themes, state.run_id,
                                        store.articles_awaiting_alerts(state.run_id), config.alerting)
            store.mark_alerts_planned(state.run_id)
        report = alerts.deliver_pending(store, config.channels, config.alerting)
    return {"queued": queued, "sent": report.sent, "failed": report.failed, "interrupted": report.interrupted}


@dataclass
class RunSummary:
    """What a run did, for the CLI's table (the same figures are in the ``runs`` view)."""

    run_id: str
    db_path: str
    status: str
    seconds: float
    counts: dict[str, int]
    feeds: list[dict[str, Any]] = field(default_factory=list)
    new_article_ids: list[int] = field(default_factory=list)
    matched: int = 0
    alerts: dict[str, int] = field(default_factory=dict)
    error: str | None = None


@flow(name="newsmon-ingest", log_prints=False, validate_parameters=False)
def ingest_flow(config_dir: str = "config", db_path: str | None = None, feeds_file: str | None = None,
                trigger: str = "cli") -> RunSummary:
    """Fetch every enabled feed, store new articles, and record every entry's outcome."""
    progress, notify, lock_wait = run_options()
    config = load_config(Path(config_dir), feeds_file=Path(feeds_file) if feeds_file else None, notify=notify)
    db = Path(db_path) if db_path else config.settings.db_path
    try:
        with run_lock(db, wait_s=lock_wait):
            return _ingest(config, db, trigger, progress)
    except RunInProgress as exc:
        if trigger != "schedule":
            raise
        # A scheduled run that would overlap another is skipped, never stacked.
        return RunSummary(run_id="", db_path=str(db), status="skipped", seconds=0.0, counts={}, error=str(exc))


def _ingest(config: Config, db: Path, trigger: str, progress: Any) -> RunSummary:
    settings = config.settings
    feeds = config.enabled_feeds
    state = lib.RunState(lib.new_run_id())
    started = utcnow()
    # The run's first open migrates the schema; later opens (one per batch) skip the check, which
    # re-creates the views, a catalog write that every close would then have to checkpoint.
    with open_store(db, memory_limit=config.settings.db_memory_limit, checkpoint=False) as store:
        lib.load_baselines(store, config.themes, config.config_dir / "baselines")
        store.begin_run(state.run_id, trigger, len(feeds))
        validators = store.feed_validators(f.url for f in feeds)
        due, skipped = lib.plan_feeds(feeds, store.feed_health(f.url for f in feeds), started)
    try:
        results = fetch_feeds_task(quote(due), quote(validators), settings, progress)
        if any(r.transient for r in results) and settings.fetch_retries:
            try:
                delays = list(settings.fetch_retry_delays_s)
                results = retry_feeds_task.with_options(retries=settings.fetch_retries - 1,
                                                        retry_delay_seconds=delays[1:] or delays)(
                    quote(results), quote(validators), settings, wait_s=delays[0])
            except lib.TransientFeedFailures as exc:
                results = exc.results  # still failing after the retries: recorded as failed
        results = results + skipped
        to_fetch = select_task(db, quote(results), quote(state), quote(config))
        matcher = ThemeMatcher(config.themes) if config.themes else None
        with Extractor(settings.extract_workers, matcher) as extractor:
            if settings.task_runner == "dask":
                def submit(chunk: list[FetchedPage]) -> Any:
                    return _DaskChunk(extract_chunk_task.submit(chunk, matcher))  # small; quote() does not survive Dask
                stream = lib.PageStream(to_fetch, settings, submit, progress, chunk=DASK_CHUNK,
                                        workers=settings.dask_workers)
            else:
                # A run with a handful of new pages extracts them here: starting workers costs ~1 s.
                inline = len(to_fetch) < settings.inline_extract_below
                stream = lib.PageStream(to_fetch, settings, partial(extractor.submit_chunk, inline=inline),
                                        progress, chunk=PAGE_CHUNK, workers=settings.extract_workers)
            lease = StoreLease(db, memory_limit=settings.db_memory_limit)
            with lease, closing(stream.batches(settings.batch_size)) as batches:  # a failed store stops the fetching
                for batch in batches:
                    store_task(quote(lease), quote(state), quote(batch), quote(config))
                    if progress:
                        progress("stored", len(state.new_article_ids), len(to_fetch))
        with open_store(db, memory_limit=config.settings.db_memory_limit, migrate=False,
                        checkpoint=False) as store:
            lib.settle_orphans(store, state)
            store.save_validators([r.as_row() for r in results])
            store.trim_lsh(config.settings.near_duplicate_window_days)
        alert_report = alerts_task(db, quote(state), quote(config))
        with open_store(db, memory_limit=config.settings.db_memory_limit, migrate=False) as store:
            store.finish_run(state.run_id, "completed")
    except BaseException as exc:
        with open_store(db, memory_limit=config.settings.db_memory_limit, migrate=False) as store:
            store.finish_run(state.run_id, "failed", f"{type(exc).__name__}: {exc}"[:1000])
        raise
    summary = RunSummary(
        run_id=state.run_id, db_path=str(db), status="completed",
        seconds=round((utcnow() - started).total_seconds(), 3), counts=dict(state.counts),
        feeds=[r.as_row() for r in results], new_article_ids=list(state.new_article_ids),
        matched=state.matched, alerts=alert_report,
    )
    publish_report(summary)
    return summary


def publish_report(summary: RunSummary) -> None:
    """A markdown artifact, so the Prefect UI shows what each run did (the `runs` view has the same)."""
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(key="newsmon-run", markdown=lib.run_report_markdown(summary),
                             description=f"newsmon run {summary.run_id}")


def flow_for(config: Config) -> Any:
    """The ingest flow with the task runner the config asks for (prefect-dask for ``dask``)."""
    if config.settings.task_runner != "dask":
        return ingest_flow
    from prefect_dask import DaskTaskRunner

    s = config.settings
    runner = (DaskTaskRunner(address=s.dask_address) if s.dask_address else
              DaskTaskRunner(cluster_kwargs={"n_workers": s.dask_workers, "threads_per_worker": 1,
                                             "processes": True, "dashboard_address": None}))
    return ingest_flow.with_options(task_runner=runner)
