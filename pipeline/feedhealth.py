"""Feed health: soft and hard failures told apart, back-off for failing feeds, auto-disable.

Following rss-fetcher and Miniflux:

- HARD failures say the feed is gone or is not a feed: HTTP 410 Gone ("a 410 does not come
  back"), a document that is not RSS/Atom, a body over the cap. After ``disable_after`` hard
  failures in a row the feed is disabled until ``newsmon feeds enable URL``.
- SOFT failures can heal by themselves: 404 ("active feeds DO return 404 and come back"), 5xx,
  429, timeouts, refused connections, DNS errors. They never disable a feed.
- TRANSIENT failures (timeouts, connection errors, 5xx, 429) are also retried within the run
  (Prefect task retries with back-off, honouring Retry-After).
- Either kind backs off: after n failures in a row the feed is not fetched again before
  ``backoff_base_minutes * 2**(n-1)`` (capped at ``backoff_max_hours``), or later when the server
  sent Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from enum import StrEnum


class Failure(StrEnum):
    SOFT = "soft"
    HARD = "hard"


@dataclass(frozen=True)
class HealthSettings:
    backoff_base_minutes: float = 15.0
    backoff_max_hours: float = 24.0
    disable_after: int = 3  # hard failures in a row


@dataclass(frozen=True)
class FeedHealth:
    """What feed_state remembers about a feed's failures."""

    consecutive_failures: int = 0
    hard_failures: int = 0
    next_attempt_at: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    last_failure_kind: str | None = None


def classify(status: str, http_status: int | None, error: str | None, error_kind: str | None) -> Failure | None:
    """The kind of a feed fetch's failure, or None when it did not fail."""
    if status != "failed":
        return None
    if http_status == 410 or error_kind == "too_large" or (error or "").startswith("not a feed"):
        return Failure.HARD
    return Failure.SOFT


def is_transient(http_status: int | None, error_kind: str | None) -> bool:
    """Worth retrying within the run: the network or the server hiccupped."""
    return error_kind in ("timeout", "connect") or http_status == 429 or (http_status or 0) >= 500


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), if any."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return max(0.0, (when - now).total_seconds())


def update(prev: FeedHealth, kind: Failure | None, now: datetime, settings: HealthSettings,
           retry_after_s: float | None = None, error: str | None = None) -> FeedHealth:
    """The feed's health after one fetch."""
    if kind is None:
        return FeedHealth()
    failures = prev.consecutive_failures + 1
    hard = prev.hard_failures + 1 if kind is Failure.HARD else 0
    delay = min(settings.backoff_base_minutes * 60 * 2 ** (failures - 1), settings.backoff_max_hours * 3600)
    if retry_after_s:
        delay = max(delay, min(retry_after_s, settings.backoff_max_hours * 3600))
    disabled_at, reason = prev.disabled_at, prev.disabled_reason
    if disabled_at is None and kind is Failure.HARD and hard >= settings.disable_after:
        disabled_at, reason = now, f"{hard} hard failures in a row; last: {error or kind.value}"
    return FeedHealth(failures, hard, now + timedelta(seconds=delay), disabled_at, reason, kind.value)


def due(health: FeedHealth, now: datetime) -> tuple[bool, str | None]:
    """Whether a feed should be fetched now, and why not."""
    if health.disabled_at is not None:
        return False, f"disabled since {health.disabled_at:%Y-%m-%d %H:%M}: {health.disabled_reason}"
    if health.next_attempt_at is not None and health.next_attempt_at > now:
        return False, (f"backing off after {health.consecutive_failures} failure(s) until "
                       f"{health.next_attempt_at:%Y-%m-%d %H:%M} UTC")
    return True, None
