"""Every feed entry ends in exactly one named outcome, stored with its reason and counted per run."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """The one outcome of an entry. The value is what the database and the run summary show."""

    NEW = "new"  # stored as a new article
    DUPLICATE_URL = "duplicate_url"  # canonical URL (or guid) already stored: no page fetched
    DUPLICATE_TEXT = "duplicate_text"  # fetched; same normalised text as a stored article: alias recorded
    NEAR_DUPLICATE = "near_duplicate"  # fetched; a near-copy of a stored article
    FETCH_FAILED = "fetch_failed"  # network error or non-2xx status; retried on a later run
    NOT_HTML = "not_html"  # PDF, image, binary: nothing to extract
    TOO_LARGE = "too_large"  # body over the cap after decompression
    NO_TEXT = "no_text"  # extraction found no article text (video page, stub, error page)
    INVALID_LINK = "invalid_link"  # no link, or not http(s)
    BLOCKED = "blocked"  # the link leads to a private address (SSRF guard): never requested


# Outcomes worth another try when the entry shows up again: servers come back
# ("active feeds DO return 404 and come back" - rss-fetcher).
RETRYABLE = frozenset({Outcome.FETCH_FAILED})

ORDER = tuple(Outcome)
