"""Load and validate newsmon's TOML configuration before any work starts.

The config folder holds four files:

- ``settings.toml``: database path, fetch limits, concurrency, schedule;
- ``feeds.toml``: ``[[feed]]`` tables (name, url, tags, enabled);
- ``themes.toml``: tracked themes and their baseline articles (see :mod:`pipeline.themes`);
- ``alerts.toml``: ``[[channel]]`` tables; each names the environment variable that holds its
  apprise URL, so no secret lives in the repository.

Every problem in every file is collected and raised at once as :class:`ConfigError`, one line per
problem with file, key and value: ``config/feeds.toml: feed[3].url: 'htp://x' is not an http(s) URL``.
"""

from __future__ import annotations

import os
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.errors import ConfigError
from pipeline.feedhealth import HealthSettings
from pipeline.urls import RedirectWrapper

USER_AGENT = "newsmon/0.1 (+https://github.com/newsmon/newsmon; news monitoring; respects robots)"


@dataclass(frozen=True)
class FetchSettings:
    """Rules every HTTP request follows, for feeds and pages alike."""

    # Miniflux uses 20 s; slower hosts are rare for news and hold a slot for everyone else.
    timeout_s: float = 20.0
    connect_timeout_s: float = 10.0
    # Caps apply after decompression (a 1 MB gzip can inflate to 1 GB).
    max_feed_bytes: int = 15 * 1024 * 1024
    max_page_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 32
    per_host_concurrency: int = 2
    per_host_delay_s: float = 0.25
    user_agent: str = USER_AGENT
    allow_private_networks: bool = False


# DuckDB's buffer cap for the pipeline's connections: at 512 MB the cache could grow the run
# process by up to that much as history grows; 128 MB cost nothing in the bench (docs/decisions.md).
DB_MEMORY_LIMIT = "128MB"


@dataclass(frozen=True)
class Settings:
    """Everything in settings.toml, with paths resolved."""

    db_path: Path
    data_dir: Path
    fetch: FetchSettings = field(default_factory=FetchSettings)
    extract_workers: int = 2
    batch_size: int = 100
    # Below this many pages a run extracts in-process: starting worker processes costs ~1 s.
    inline_extract_below: int = 24
    schedule_cron: str | None = None
    schedule_interval_minutes: int | None = 30
    redirect_wrappers: tuple[RedirectWrapper, ...] = ()
    max_entry_attempts: int = 3
    retry_after_minutes: float = 30.0
    health: HealthSettings = field(default_factory=HealthSettings)
    fetch_retries: int = 2  # Prefect task retries for transient feed failures (timeouts, 5xx, 429)
    fetch_retry_delays_s: tuple[float, ...] = (5.0, 20.0)
    retention_days: int = 180  # `newsmon prune` default
    db_memory_limit: str | None = DB_MEMORY_LIMIT  # DuckDB buffer cap for the pipeline's connections
    near_duplicate_window_days: int = 90  # near-copies are looked for among articles this recent
    task_runner: str = "local"  # local (a process pool) | dask (prefect-dask's DaskTaskRunner)
    dask_address: str | None = None  # a running Dask scheduler; None: a LocalCluster
    dask_workers: int = 2  # LocalCluster size


@dataclass(frozen=True)
class Feed:
    """One configured feed."""

    name: str
    url: str
    tags: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class Channel:
    """One alert channel. ``url`` is read from the environment and never printed."""

    name: str
    url_env: str
    url: str = field(repr=False, default="")
    policy: str = "immediate"  # immediate | digest
    themes: tuple[str, ...] = ()  # empty: every theme
    cooldown_minutes: int = 0
    enabled: bool = True
    spike: bool = True  # also send escalations (a theme matching far above its trailing rate)
    theme_policy: tuple[tuple[str, str], ...] = ()  # per-theme override: immediate | digest | off


@dataclass(frozen=True)
class AlertSettings:
    """Escalation and retry rules (alerts.toml, [alerting])."""

    spike_enabled: bool = True
    # A spike: at least spike_min_matches stories in the last spike_window_hours, and more than
    # spike_factor times the theme's average per window over the spike_baseline_days before.
    spike_window_hours: int = 24
    spike_baseline_days: int = 14
    spike_factor: float = 3.0
    spike_min_matches: int = 3
    max_attempts: int = 10  # a pending alert is retried on later runs until this many attempts


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    config_dir: Path
    settings: Settings
    feeds: tuple[Feed, ...]
    themes: tuple[Any, ...]  # pipeline.themes.Theme
    channels: tuple[Channel, ...]
    alerting: AlertSettings = field(default_factory=AlertSettings)

    @property
    def enabled_feeds(self) -> tuple[Feed, ...]:
        return tuple(f for f in self.feeds if f.enabled)


def _rel(path: Path) -> str:
    """Path as shown in error messages: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _Errors:
    """Collects problems as ``file: key: message`` lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, source: str, key: str, message: str) -> None:
        self.lines.append(f"{source}: {key}: {message}" if key else f"{source}: {message}")


def _read_toml(path: Path, errors: _Errors, required: bool = True) -> dict[str, Any]:
    if not path.exists():
        if required:
            errors.add(_rel(path), "", "file not found")
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        errors.add(_rel(path), "", f"invalid TOML: {exc}")
        return {}


def is_http_url(value: Any) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_keys(table: dict, allowed: set[str], source: str, prefix: str, errors: _Errors) -> None:
    for key in table:
        if key not in allowed:
            errors.add(source, f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _number(table: dict, key: str, default: Any, kind: type, source: str, prefix: str,
            errors: _Errors, minimum: float | None = None) -> Any:
    if key not in table:
        return default
    value = table[key]
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        errors.add(source, f"{prefix}{key}", f"{value!r} is not a {kind.__name__}")
        return default
    if minimum is not None and value < minimum:
        errors.add(source, f"{prefix}{key}", f"{value!r} must be >= {minimum}")
        return default
    return value


def _parse_settings(data: dict, path: Path, root: Path, errors: _Errors) -> Settings:
    src = _rel(path)
    _check_keys(data, {"database", "fetch", "extract", "schedule", "urls", "entries", "feeds", "retries",
                       "retention", "dedupe"}, src, "", errors)
    db = data.get("database", {})
    _check_keys(db, {"path", "data_dir", "memory_limit"}, src, "database.", errors)
    memory_limit = db.get("memory_limit", DB_MEMORY_LIMIT)
    if memory_limit is not None and not (isinstance(memory_limit, str) and re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", memory_limit.strip())):
        errors.add(src, "database.memory_limit", f"{memory_limit!r} is not a size like '512MB' or '2GB'")
        memory_limit = DB_MEMORY_LIMIT
    db_path = Path(db.get("path", "data/newsmon.duckdb"))
    data_dir = Path(db.get("data_dir", "data"))
    if not db_path.is_absolute():
        db_path = root / db_path
    if not data_dir.is_absolute():
        data_dir = root / data_dir

    f = data.get("fetch", {})
    _check_keys(f, set(FetchSettings.__dataclass_fields__), src, "fetch.", errors)
    d = FetchSettings()
    fetch = FetchSettings(
        timeout_s=_number(f, "timeout_s", d.timeout_s, float, src, "fetch.", errors, 0.1),
        connect_timeout_s=_number(f, "connect_timeout_s", d.connect_timeout_s, float, src, "fetch.", errors, 0.1),
        max_feed_bytes=_number(f, "max_feed_bytes", d.max_feed_bytes, int, src, "fetch.", errors, 1024),
        max_page_bytes=_number(f, "max_page_bytes", d.max_page_bytes, int, src, "fetch.", errors, 1024),
        max_redirects=_number(f, "max_redirects", d.max_redirects, int, src, "fetch.", errors, 0),
        concurrency=_number(f, "concurrency", d.concurrency, int, src, "fetch.", errors, 1),
        per_host_concurrency=_number(f, "per_host_concurrency", d.per_host_concurrency, int, src, "fetch.", errors, 1),
        per_host_delay_s=_number(f, "per_host_delay_s", d.per_host_delay_s, float, src, "fetch.", errors, 0),
        user_agent=str(f.get("user_agent", d.user_agent)),
        allow_private_networks=bool(f.get("allow_private_networks", d.allow_private_networks)),
    )
    if "user_agent" in f and not str(f["user_agent"]).strip():
        errors.add(src, "fetch.user_agent", "must not be empty: say who is fetching")

    ex = data.get("extract", {})
    _check_keys(ex, {"workers", "batch_size", "inline_below", "task_runner", "dask_address", "dask_workers"}, src,
                "extract.", errors)
    runner = ex.get("task_runner", "local")
    if runner not in ("local", "dask"):
        errors.add(src, "extract.task_runner", f"{runner!r} is not 'local' or 'dask'")
        runner = "local"
    dask_address = ex.get("dask_address") or None
    dask_workers = _number(ex, "dask_workers", 2, int, src, "extract.", errors, 1)
    workers = _number(ex, "workers", max(1, min(2, os.cpu_count() or 1)), int, src, "extract.", errors, 1)
    batch_size = _number(ex, "batch_size", 100, int, src, "extract.", errors, 1)
    inline_below = _number(ex, "inline_below", 24, int, src, "extract.", errors, 0)

    sch = data.get("schedule", {})
    _check_keys(sch, {"cron", "interval_minutes"}, src, "schedule.", errors)
    cron = sch.get("cron")
    if cron is not None and (not isinstance(cron, str) or len(cron.split()) != 5):
        errors.add(src, "schedule.cron", f"{cron!r} is not a five-field cron expression")
        cron = None
    interval = _number(sch, "interval_minutes", None if cron else 30, int, src, "schedule.", errors, 1)

    urls = data.get("urls", {})
    _check_keys(urls, {"redirect_wrappers"}, src, "urls.", errors)
    wrappers = []
    for i, w in enumerate(urls.get("redirect_wrappers", [])):
        key = f"urls.redirect_wrappers[{i}]"
        if not isinstance(w, dict) or not all(isinstance(w.get(k), str) and w.get(k) for k in ("host", "path", "param")):
            errors.add(src, key, f"{w!r} needs host, path and param strings")
            continue
        wrappers.append(RedirectWrapper(w["host"].lower(), w["path"], w["param"]))

    ent = data.get("entries", {})
    _check_keys(ent, {"max_attempts", "retry_after_minutes"}, src, "entries.", errors)
    attempts = _number(ent, "max_attempts", 3, int, src, "entries.", errors, 1)
    retry_after = _number(ent, "retry_after_minutes", 30.0, float, src, "entries.", errors, 0)

    fh = data.get("feeds", {})
    _check_keys(fh, {"backoff_base_minutes", "backoff_max_hours", "disable_after_hard_failures"}, src, "feeds.", errors)
    dh = HealthSettings()
    health = HealthSettings(
        backoff_base_minutes=_number(fh, "backoff_base_minutes", dh.backoff_base_minutes, float, src, "feeds.", errors, 0),
        backoff_max_hours=_number(fh, "backoff_max_hours", dh.backoff_max_hours, float, src, "feeds.", errors, 0),
        disable_after=_number(fh, "disable_after_hard_failures", dh.disable_after, int, src, "feeds.", errors, 1))
    rt = data.get("retries", {})
    _check_keys(rt, {"feed_retries", "delays_s"}, src, "retries.", errors)
    retries = _number(rt, "feed_retries", 2, int, src, "retries.", errors, 0)
    delays = rt.get("delays_s", [5.0, 20.0])
    if not isinstance(delays, list) or not all(isinstance(d, (int, float)) and d >= 0 for d in delays) or not delays:
        errors.add(src, "retries.delays_s", f"{delays!r} is not a list of seconds")
        delays = [5.0, 20.0]
    ret = data.get("retention", {})
    _check_keys(ret, {"older_than_days"}, src, "retention.", errors)
    retention = _number(ret, "older_than_days", 180, int, src, "retention.", errors, 1)
    dd = data.get("dedupe", {})
    _check_keys(dd, {"near_duplicate_window_days"}, src, "dedupe.", errors)
    nd_window = _number(dd, "near_duplicate_window_days", 90, int, src, "dedupe.", errors, 1)
    return Settings(
        db_memory_limit=memory_limit, near_duplicate_window_days=nd_window,
        task_runner=runner, dask_address=dask_address, dask_workers=dask_workers,
        retention_days=retention, health=health, fetch_retries=retries, fetch_retry_delays_s=tuple(float(d) for d in delays),
        db_path=db_path, data_dir=data_dir, fetch=fetch, extract_workers=workers,
        batch_size=batch_size, inline_extract_below=inline_below, schedule_cron=cron,
        schedule_interval_minutes=interval, redirect_wrappers=tuple(wrappers),
        max_entry_attempts=attempts, retry_after_minutes=retry_after,
    )


def parse_feeds(data: dict, source: str, errors: _Errors | None = None) -> tuple[Feed, ...]:
    """Validate a parsed feeds TOML document (``[[feed]]`` tables)."""
    own = errors is None
    errors = errors or _Errors()
    _check_keys(data, {"feed"}, source, "", errors)
    raw = data.get("feed", [])
    if not isinstance(raw, list):
        errors.add(source, "feed", "must be an array of tables: [[feed]]")
        raw = []
    feeds: list[Feed] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        key = f"feed[{i}]"
        if not isinstance(item, dict):
            errors.add(source, key, "must be a table")
            continue
        _check_keys(item, {"name", "url", "tags", "enabled"}, source, f"{key}.", errors)
        url = item.get("url")
        if not is_http_url(url):
            errors.add(source, f"{key}.url", f"{url!r} is not an http(s) URL")
            continue
        url = url.strip()
        if url in seen:
            errors.add(source, f"{key}.url", f"{url!r} is already feed[{seen[url]}]")
            continue
        seen[url] = i
        name = item.get("name", urlsplit(url).hostname or url)
        if not isinstance(name, str) or not name.strip():
            errors.add(source, f"{key}.name", f"{name!r} is not a non-empty string")
            continue
        tags = item.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            errors.add(source, f"{key}.tags", f"{tags!r} is not a list of strings")
            tags = []
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            errors.add(source, f"{key}.enabled", f"{enabled!r} is not true or false")
            enabled = True
        feeds.append(Feed(name=name.strip(), url=url, tags=tuple(tags), enabled=enabled))
    if own and errors.lines:
        raise ConfigError(errors.lines)
    return tuple(feeds)


def parse_opml(path: Path) -> tuple[Feed, ...]:
    """Read feeds from an OPML file (every outline with an xmlUrl)."""
    try:
        tree = ET.parse(path)
    except (ET.ParseError, OSError) as exc:
        raise ConfigError([f"{_rel(path)}: not a readable OPML file: {exc}"]) from exc
    feeds, errors = [], []
    for i, node in enumerate(tree.iter("outline")):
        url = node.get("xmlUrl")
        if url is None:
            continue
        if not is_http_url(url):
            errors.append(f"{_rel(path)}: outline[{i}].xmlUrl: {url!r} is not an http(s) URL")
            continue
        name = node.get("title") or node.get("text") or urlsplit(url).hostname or url
        feeds.append(Feed(name=name, url=url.strip()))
    if errors:
        raise ConfigError(errors)
    if not feeds:
        raise ConfigError([f"{_rel(path)}: no <outline xmlUrl=...> entries found"])
    return tuple(feeds)


def load_feeds_file(path: Path) -> tuple[Feed, ...]:
    """Load a feed list from a TOML ``[[feed]]`` file or an OPML file."""
    if not path.exists():
        raise ConfigError([f"{_rel(path)}: file not found"])
    if path.suffix.lower() in (".opml", ".xml"):
        return parse_opml(path)
    errors = _Errors()
    data = _read_toml(path, errors)
    feeds = parse_feeds(data, _rel(path), errors)
    if errors.lines:
        raise ConfigError(errors.lines)
    return feeds


def _parse_alerting(data: dict, path: Path, errors: _Errors) -> AlertSettings:
    src = _rel(path)
    a = data.get("alerting", {})
    _check_keys(a, set(AlertSettings.__dataclass_fields__), src, "alerting.", errors)
    d = AlertSettings()
    return AlertSettings(
        spike_enabled=bool(a.get("spike_enabled", d.spike_enabled)),
        spike_window_hours=_number(a, "spike_window_hours", d.spike_window_hours, int, src, "alerting.", errors, 1),
        spike_baseline_days=_number(a, "spike_baseline_days", d.spike_baseline_days, int, src, "alerting.", errors, 1),
        spike_factor=_number(a, "spike_factor", d.spike_factor, float, src, "alerting.", errors, 1.0),
        spike_min_matches=_number(a, "spike_min_matches", d.spike_min_matches, int, src, "alerting.", errors, 1),
        max_attempts=_number(a, "max_attempts", d.max_attempts, int, src, "alerting.", errors, 1),
    )


def _parse_channels(data: dict, path: Path, env: dict[str, str], theme_ids: set[str],
                    errors: _Errors) -> tuple[Channel, ...]:
    src = _rel(path)
    _check_keys(data, {"channel", "alerting"}, src, "", errors)
    channels = []
    names: set[str] = set()
    for i, item in enumerate(data.get("channel", [])):
        key = f"channel[{i}]"
        _check_keys(item, {"name", "url_env", "policy", "themes", "cooldown_minutes", "enabled", "spike",
                           "theme_policy"}, src, f"{key}.", errors)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            errors.add(src, f"{key}.name", f"{name!r} is not a non-empty string")
            continue
        if name in names:
            errors.add(src, f"{key}.name", f"{name!r} is used twice")
        names.add(name)
        enabled = item.get("enabled", True)
        url_env = item.get("url_env")
        if not isinstance(url_env, str) or not url_env:
            errors.add(src, f"{key}.url_env", f"{url_env!r}: name the environment variable that holds the apprise URL")
            continue
        url = env.get(url_env, "")
        if enabled and not url:
            errors.add(src, f"{key}.url_env", f"environment variable {url_env} is not set (channel {name!r} is enabled)")
        policy = item.get("policy", "immediate")
        if policy not in ("immediate", "digest"):
            errors.add(src, f"{key}.policy", f"{policy!r} is not 'immediate' or 'digest'")
        themes = item.get("themes", [])
        for t in themes:
            if theme_ids and t not in theme_ids:
                errors.add(src, f"{key}.themes", f"{t!r} is not a configured theme ({', '.join(sorted(theme_ids))})")
        cooldown = _number(item, "cooldown_minutes", 0, int, src, f"{key}.", errors, 0)
        theme_policy = item.get("theme_policy", {})
        if not isinstance(theme_policy, dict):
            errors.add(src, f"{key}.theme_policy", f"{theme_policy!r} is not a table of theme = policy")
            theme_policy = {}
        for t, p in theme_policy.items():
            if theme_ids and t not in theme_ids:
                errors.add(src, f"{key}.theme_policy.{t}", f"{t!r} is not a configured theme")
            if p not in ("immediate", "digest", "off"):
                errors.add(src, f"{key}.theme_policy.{t}", f"{p!r} is not 'immediate', 'digest' or 'off'")
        channels.append(Channel(name=name, url_env=url_env, url=url, policy=policy,
                                themes=tuple(themes), cooldown_minutes=cooldown, enabled=bool(enabled),
                                spike=bool(item.get("spike", True)),
                                theme_policy=tuple(sorted(theme_policy.items()))))
    return tuple(channels)


def load_config(config_dir: Path, env: dict[str, str] | None = None, root: Path | None = None,
                feeds_file: Path | None = None, notify: Sequence[str] = ()) -> Config:
    """Load, validate and return the configuration in ``config_dir``.

    Args:
        config_dir: the folder holding settings.toml, feeds.toml, themes.toml, alerts.toml.
        env: environment used for channel secrets (default: ``os.environ``).
        root: folder that relative paths in settings.toml resolve against (default: the parent of
            ``config_dir``).
        feeds_file: a TOML or OPML feed list that replaces feeds.toml for this run.
        notify: apprise URLs of extra channels for this run (``newsmon run --notify``).

    Raises:
        ConfigError: listing every problem found.
    """
    from pipeline.themes import parse_themes  # the matcher module owns the themes schema

    config_dir = Path(config_dir)
    env = dict(os.environ) if env is None else env
    errors = _Errors()
    if not config_dir.is_dir():
        raise ConfigError([f"{_rel(config_dir)}: config folder not found"])
    root = root or config_dir.resolve().parent
    settings = _parse_settings(_read_toml(config_dir / "settings.toml", errors, required=False),
                               config_dir / "settings.toml", root, errors)
    if feeds_file is not None:
        try:
            feeds = load_feeds_file(Path(feeds_file))
        except ConfigError as exc:
            errors.lines.extend(exc.problems)
            feeds = ()
    else:
        feeds = parse_feeds(_read_toml(config_dir / "feeds.toml", errors), _rel(config_dir / "feeds.toml"), errors)
    themes_path = config_dir / "themes.toml"
    themes, theme_errors = parse_themes(_read_toml(themes_path, errors, required=False), config_dir,
                                        _rel(themes_path))
    errors.lines.extend(theme_errors)
    alerts_data = _read_toml(config_dir / "alerts.toml", errors, required=False)
    channels = _parse_channels(alerts_data, config_dir / "alerts.toml", env, {t.id for t in themes}, errors)
    alerting = _parse_alerting(alerts_data, config_dir / "alerts.toml", errors)
    for i, url in enumerate(notify):
        if "://" not in url:
            errors.add("--notify", f"[{i}]", "is not an apprise URL (scheme://...)")
            continue
        channels += (Channel(name=f"notify-{i + 1}" if len(notify) > 1 else "notify", url_env="--notify", url=url),)
    if errors.lines:
        raise ConfigError(errors.lines)
    return Config(config_dir=config_dir, settings=settings, feeds=feeds, themes=tuple(themes),
                  channels=channels, alerting=alerting)
