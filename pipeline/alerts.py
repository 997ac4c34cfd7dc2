"""Alerts: decide what to send (immediate, digest, spike), queue it in the outbox, deliver it.

Delivery is an outbox. An alert is written to the ``alert`` table first, keyed by
``(alert_key, channel)``, so it can never be queued twice; then it is sent. A channel that fails
leaves the alert ``pending`` with the error, and the next run retries it. Before each send the
row is marked ``sending`` and committed; if the process dies during the send, the next run finds
it still ``sending`` and marks it ``interrupted`` instead of sending again: one message may be
missing, but none is ever duplicated.

Channel URLs are secrets: they are never printed, logged or stored, only :func:`redact` forms.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pipeline.config import AlertSettings, Channel
from pipeline.store import Store, utcnow

# Schemes whose host part is an ordinary server address, not a token.
_HTTP_LIKE = {"json", "jsons", "form", "forms", "xml", "xmls", "http", "https"}
MAX_PASSAGE = 600

Sender = Callable[[str, str, str], tuple[bool, str | None]]  # (url, title, body) -> (ok, error)


def redact(url: str) -> str:
    """A form of an apprise URL safe to show: the scheme, and the host for plain HTTP-like schemes."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "?"
    if scheme in _HTTP_LIKE and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{scheme}://{parts.hostname}{port}/***"
    return f"{scheme}://***"


def secret_fragments(url: str) -> list[str]:
    """Every part of a URL that could be a secret (tokens, passwords, header values, paths)."""
    parts = urlsplit(url.strip())
    found = {url.strip()}
    if parts.password:
        found.add(parts.password)
    if parts.username:
        found.add(parts.username)
    if parts.scheme.lower() not in _HTTP_LIKE and parts.hostname:
        found.add(parts.netloc.split("@")[-1])
    for seg in parts.path.split("/"):
        if len(seg) >= 6:
            found.add(seg)
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if len(value) >= 4:
            found.add(value)
    return sorted((f for f in found if f), key=len, reverse=True)


class _Scrub(logging.Filter):
    """Replace secret fragments in any log record passing through (apprise logs some in clear)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        for s in self.secrets:
            msg = msg.replace(s, "***")
        record.msg, record.args = msg, None
        return True


class _Collect(logging.Handler):
    """Keep apprise's warnings and errors (already scrubbed) as the reason a send failed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def guarded_apprise_logging(url: str) -> Iterator[_Collect]:
    """Scrub secrets from apprise's log records and keep its DEBUG output off (it logs tokens)."""
    log = logging.getLogger("apprise")
    scrub = _Scrub(secret_fragments(url))
    collect = _Collect()
    old_level, old_propagate = log.level, log.propagate
    log.addFilter(scrub)
    log.addHandler(collect)
    if log.getEffectiveLevel() < logging.INFO:
        log.setLevel(logging.INFO)
    try:
        yield collect
    finally:
        log.removeFilter(scrub)
        log.removeHandler(collect)
        log.setLevel(old_level)
        log.propagate = old_propagate


def send_apprise(url: str, title: str, body: str) -> tuple[bool, str | None]:
    """Send one message with apprise; returns (ok, error). Never raises, never logs the URL."""
    import apprise

    with guarded_apprise_logging(url) as collected:
        ap = apprise.Apprise()
        if not ap.add(url):
            return False, f"not a valid apprise URL ({redact(url)})"
        try:
            ok = ap.notify(body=body, title=title, body_format=apprise.NotifyFormat.MARKDOWN)
        except Exception as exc:  # a plugin bug must not stop the run
            return False, f"{type(exc).__name__}: {exc}"
    if ok:
        return True, None
    reason = "; ".join(m for m in collected.messages if m)[-500:] or "delivery failed"
    for s in secret_fragments(url):
        reason = reason.replace(s, "***")
    return False, reason


# --------------------------------------------------------------------------------------------
# Messages


@dataclass(frozen=True)
class MatchInfo:
    """A matched article with what a message needs."""

    article_id: int
    story_id: int
    theme_id: str
    theme_name: str
    score: float
    title: str
    url: str
    site: str | None
    feed: str | None
    published_at: datetime | None
    passage: str
    baseline_passage: str
    baseline_title: str
    sources: int
    recent_7d: int
    recent_30d: int


def _quote(text: str, limit: int = MAX_PASSAGE) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return "> " + text


def render_immediate(m: MatchInfo) -> tuple[str, str]:
    """Title and markdown body of one alert for one matching story."""
    title = f"newsmon: {m.theme_name} recurred"
    where = " · ".join(x for x in (m.site, m.feed if m.feed != m.site else None) if x)
    when = f", published {m.published_at:%Y-%m-%d}" if m.published_at else ""
    spread = f"Seen in **{m.sources} sources**." if m.sources > 1 else "Seen in 1 source."
    body = "\n\n".join([
        f"**Theme:** {m.theme_name} (`{m.theme_id}`) · **score {m.score:.2f}**",
        f"**Article:** [{m.title}]({m.url})",
        f"**Source:** {where or 'unknown'}{when}. {spread}",
        "**Matched passage:**",
        _quote(m.passage),
        f"**Echoes the baseline** *{m.baseline_title}*:",
        _quote(m.baseline_passage),
        f"This theme recurred in {m.recent_7d} stor{'y' if m.recent_7d == 1 else 'ies'} in the last 7 days "
        f"({m.recent_30d} in 30 days).",
    ])
    return title, body


def render_digest(run_id: str, matches: Sequence[MatchInfo]) -> tuple[str, str]:
    """One message for all of a run's matches, grouped by theme."""
    title = f"newsmon digest: {len(matches)} matching stor{'y' if len(matches) == 1 else 'ies'}"
    lines = [f"Run `{run_id}`"]
    for theme_id in sorted({m.theme_id for m in matches}):
        group = sorted((m for m in matches if m.theme_id == theme_id), key=lambda m: -m.score)
        lines += ["", f"**{group[0].theme_name}** ({len(group)}; {group[0].recent_7d} in the last 7 days)", ""]
        for m in group:
            src = f", {m.sources} sources" if m.sources > 1 else ""
            lines.append(f"- [{m.title}]({m.url}) · {m.site or m.feed or ''} · score {m.score:.2f}{src}")
            lines.append("")
            lines.append("  " + _quote(m.passage, 240))
    return title, "\n".join(lines)


def render_spike(theme_name: str, theme_id: str, count: int, window_h: int, trailing: float,
                 examples: Sequence[MatchInfo]) -> tuple[str, str]:
    """An escalation: a theme matching far more often than its trailing rate."""
    title = f"newsmon: spike in {theme_name}"
    lines = [f"**{theme_name}** (`{theme_id}`) matched **{count} stories in the last {window_h} h**, against a "
             f"trailing average of {trailing:.1f} per {window_h} h.", ""]
    for m in examples[:5]:
        lines.append(f"- [{m.title}]({m.url}) · {m.site or m.feed or ''} · score {m.score:.2f}")
    return title, "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Planning


def _match_infos(store: Store, article_ids: Sequence[int], themes: dict[str, Any], now: datetime) -> list[MatchInfo]:
    if not article_ids:
        return []
    rows = store.con.execute(
        """
        WITH m AS (
            SELECT tm.article_id, tm.theme_id, tm.score, tm.passage, tm.baseline_passage,
                   a.title, a.url, a.site, a.feed, a.published_at, coalesce(a.duplicate_of, a.id) AS story_id
            FROM theme_match tm JOIN article a ON a.id = tm.article_id
            WHERE tm.matched AND tm.article_id IN (SELECT unnest(?))
        )
        SELECT m.*,
               -- distinct sources: the story's own feed, its aliases' feeds, its near-copies' feeds
               (SELECT count(DISTINCT src) FROM (
                    SELECT coalesce(a2.site, a2.feed) AS src FROM article a2
                    WHERE a2.id = m.story_id OR a2.duplicate_of = m.story_id
                    UNION
                    SELECT u.feed FROM article_url u
                    JOIN article a3 ON a3.id = u.article_id
                    WHERE (a3.id = m.story_id OR a3.duplicate_of = m.story_id) AND u.kind = 'alias'
               ) s WHERE src IS NOT NULL) AS sources,
               (SELECT count(DISTINCT coalesce(a4.duplicate_of, a4.id)) FROM theme_match t4 JOIN article a4 ON a4.id = t4.article_id
                WHERE t4.theme_id = m.theme_id AND t4.matched AND a4.fetched_at >= ?) AS recent_7d,
               (SELECT count(DISTINCT coalesce(a5.duplicate_of, a5.id)) FROM theme_match t5 JOIN article a5 ON a5.id = t5.article_id
                WHERE t5.theme_id = m.theme_id AND t5.matched AND a5.fetched_at >= ?) AS recent_30d
        FROM m
        ORDER BY m.article_id, m.theme_id
        """, [list(article_ids), now - timedelta(days=7), now - timedelta(days=30)]).fetchall()
    baseline_titles = dict(store.con.execute("SELECT file, title FROM baseline").fetchall())
    out = []
    for (aid, tid, score, passage, bpassage, title, url, site, feed, published, story, sources, r7, r30) in rows:
        theme = themes.get(tid)
        btitle = ""
        if theme is not None and theme.baselines:
            btitle = baseline_titles.get(theme.baselines[0].name, theme.baselines[0].name)
        out.append(MatchInfo(aid, story, tid, theme.name if theme else tid, score, title or url, url, site, feed,
                             published, passage or "", bpassage or "", btitle, max(1, sources or 1), r7, r30))
    return out


def _channel_wants(channel: Channel, theme_id: str) -> str:
    """The channel's policy for a theme: immediate, digest or off."""
    if channel.themes and theme_id not in channel.themes:
        return "off"
    return dict(channel.theme_policy).get(theme_id, channel.policy)


def plan_alerts(store: Store, channels: Sequence[Channel], themes: Sequence[Any], run_id: str,
                article_ids: Sequence[int], settings: AlertSettings, now: datetime | None = None) -> int:
    """Queue the alerts this run's matches call for. Returns how many rows were queued."""
    now = now or utcnow()
    channels = [c for c in channels if c.enabled and c.url]
    if not channels:
        return 0
    by_id = {t.id: t for t in themes}
    matches = _match_infos(store, article_ids, by_id, now)
    rows: list[tuple] = []
    for ch in channels:
        red = redact(ch.url)
        immediate: dict[tuple[str, int], MatchInfo] = {}
        digest: list[MatchInfo] = []
        for m in matches:
            policy = _channel_wants(ch, m.theme_id)
            if policy == "immediate":
                key = (m.theme_id, m.story_id)
                # copies of one story collapse into one alert: keep the best-scoring copy
                if key not in immediate or m.score > immediate[key].score:
                    immediate[key] = m
            elif policy == "digest":
                digest.append(m)
        for (theme_id, story), m in immediate.items():
            status = "pending"
            if ch.cooldown_minutes:
                recent = store.con.execute(
                    "SELECT count(*) FROM alert WHERE channel = ? AND theme_id = ? AND kind = 'immediate' "
                    "AND status = 'sent' AND sent_at >= ?",
                    [ch.name, theme_id, now - timedelta(minutes=ch.cooldown_minutes)]).fetchone()[0]
                if recent:
                    status = "suppressed"
            title, body = render_immediate(m)
            rows.append((f"immediate:{theme_id}:{story}", ch.name, red, "immediate", theme_id, m.article_id,
                         m.sources, title, body, status, run_id))
        if digest:
            title, body = render_digest(run_id, digest)
            rows.append((f"digest:{run_id}", ch.name, red, "digest", None, None, None, title, body, "pending", run_id))
        if ch.spike and settings.spike_enabled:
            rows.extend(_spike_rows(store, ch, red, by_id, run_id, settings, now, matches))
    return _queue(store, rows, now)


def _spike_rows(store: Store, ch: Channel, red: str, themes: dict[str, Any], run_id: str,
                settings: AlertSettings, now: datetime, matches: Sequence[MatchInfo]) -> list[tuple]:
    rows = []
    window = timedelta(hours=settings.spike_window_hours)
    for theme_id, theme in themes.items():
        if _channel_wants(ch, theme_id) == "off":
            continue
        count, trailing = store.con.execute(
            """
            WITH s AS (
                SELECT coalesce(a.duplicate_of, a.id) AS story, min(a.fetched_at) AS first_at
                FROM theme_match t JOIN article a ON a.id = t.article_id
                WHERE t.theme_id = ? AND t.matched AND a.fetched_at >= ?
                GROUP BY ALL
            )
            SELECT count(*) FILTER (WHERE first_at >= ?),
                   count(*) FILTER (WHERE first_at < ?) / ?
            FROM s
            """, [theme_id, now - window - timedelta(days=settings.spike_baseline_days), now - window, now - window,
                  settings.spike_baseline_days * 24 / settings.spike_window_hours]).fetchone()
        trailing = float(trailing or 0.0)
        if count >= settings.spike_min_matches and count > settings.spike_factor * max(trailing, 0.5):
            bucket = int(now.timestamp() // window.total_seconds())
            examples = [m for m in matches if m.theme_id == theme_id]
            title, body = render_spike(theme.name, theme_id, count, settings.spike_window_hours, trailing, examples)
            rows.append((f"spike:{theme_id}:{bucket}", ch.name, red, "spike", theme_id, None, count, title, body,
                         "pending", run_id))
    return rows


def _queue(store: Store, rows: Sequence[tuple], now: datetime) -> int:
    if not rows:
        return 0
    before = store.con.execute("SELECT count(*) FROM alert").fetchone()[0]
    store._insert_arrow(
        "alert", ["alert_key", "channel", "channel_redacted", "kind", "theme_id", "article_id", "sources", "title",
                  "body", "status", "run_id", "attempts", "created_at"],
        [(*r, 0, now) for r in rows],
        types=_alert_types(), conflict="ON CONFLICT DO NOTHING")
    return store.con.execute("SELECT count(*) FROM alert").fetchone()[0] - before


def _alert_types() -> dict[str, Any]:
    import pyarrow as pa

    return {"theme_id": pa.string(), "article_id": pa.int64(), "sources": pa.int32(), "run_id": pa.string()}


def queue_test_alerts(store: Store, channels: Sequence[Channel], now: datetime | None = None) -> int:
    """Queue one test message per enabled channel (``newsmon alerts test``)."""
    now = now or utcnow()
    rows = [(f"test:{now.isoformat()}", c.name, redact(c.url), "test", None, None, None, "newsmon test message",
             f"This is a test message from newsmon to channel **{c.name}**. If you can read it, alerts will arrive.",
             "pending", None) for c in channels if c.enabled and c.url]
    return _queue(store, rows, now)


# --------------------------------------------------------------------------------------------
# Delivery


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    interrupted: int


def recover_interrupted(store: Store) -> int:
    """Alerts left ``sending`` by a crash: their fate is unknown, so they are never sent again."""
    n = store.con.execute("SELECT count(*) FROM alert WHERE status = 'sending'").fetchone()[0]
    if n:
        store.con.execute("UPDATE alert SET status = 'interrupted', last_error = "
                          "'process stopped during the send; not retried, to never send twice' WHERE status = 'sending'")
    return int(n)


def deliver_pending(store: Store, channels: Sequence[Channel], settings: AlertSettings,
                    sender: Sender = send_apprise, now: Callable[[], datetime] = utcnow) -> DeliveryReport:
    """Send every pending alert of every configured channel, oldest first."""
    interrupted = recover_interrupted(store)
    by_name = {c.name: c for c in channels if c.enabled and c.url}
    sent = failed = 0
    pending = store.con.execute(
        "SELECT alert_key, channel, title, body FROM alert WHERE status = 'pending' AND attempts < ? "
        "ORDER BY created_at, alert_key", [settings.max_attempts]).fetchall()
    for key, channel, title, body in pending:
        ch = by_name.get(channel)
        if ch is None:
            continue  # channel not configured in this run: stays pending
        # Commit "sending" before the send: a crash now leaves evidence, not a duplicate.
        store.con.execute("UPDATE alert SET status = 'sending', attempts = attempts + 1 WHERE alert_key = ? AND channel = ?",
                          [key, channel])
        ok, error = sender(ch.url, title, body)
        if ok:
            store.con.execute("UPDATE alert SET status = 'sent', sent_at = ?, last_error = NULL "
                              "WHERE alert_key = ? AND channel = ?", [now(), key, channel])
            sent += 1
        else:
            store.con.execute("UPDATE alert SET status = 'pending', last_error = ? WHERE alert_key = ? AND channel = ?",
                              [(error or "delivery failed")[:1000], key, channel])
            failed += 1
    return DeliveryReport(sent, failed, interrupted)
