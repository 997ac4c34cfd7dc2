"""Canonical URLs: one spelling per article, so the same page seen in another form is one key.

``canonical_url`` lower-cases scheme and host, drops default ports, ``www.``, fragments, tracking
parameters (utm_*, fbclid, gclid and the like), trailing slashes and obvious AMP variants, sorts
the query, and unwraps redirect wrappers (aggregator click URLs that carry the target in a
parameter). The canonical form is a *key*: newsmon fetches the unwrapped URL as the feed gave it,
because dropping ``www.`` or a trailing slash can break a real site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit


@dataclass(frozen=True)
class RedirectWrapper:
    """A click-tracking URL that carries its target in a query parameter."""

    host: str  # exact host or a suffix starting with "." (".facebook.com")
    path: str
    param: str

    def matches(self, host: str, path: str) -> bool:
        host_ok = host == self.host or (self.host.startswith(".") and host.endswith(self.host))
        return host_ok and path.rstrip("/") == self.path.rstrip("/")


# Wrappers seen in real feeds; each target parameter holds a full URL.
KNOWN_WRAPPERS: tuple[RedirectWrapper, ...] = (
    RedirectWrapper("www.bing.com", "/news/apiclick.aspx", "url"),
    RedirectWrapper("bing.com", "/news/apiclick.aspx", "url"),
    RedirectWrapper("www.google.com", "/url", "url"),
    RedirectWrapper("www.google.com", "/url", "q"),
    RedirectWrapper("google.com", "/url", "q"),
    RedirectWrapper("news.google.com", "/url", "url"),
    RedirectWrapper("l.facebook.com", "/l.php", "u"),
    RedirectWrapper("lm.facebook.com", "/l.php", "u"),
    RedirectWrapper("out.reddit.com", "/", "url"),
    RedirectWrapper("t.umblr.com", "/redirect", "z"),
    RedirectWrapper("www.youtube.com", "/redirect", "q"),
    RedirectWrapper("slack-redir.net", "/link", "url"),
    RedirectWrapper("href.li", "/", "url"),
)

# Parameters that identify a campaign or a click, never the article.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "hsctatracking",
    "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "rb_clickid", "s_cid",
    "cmpid", "ocid", "smid", "smtyp", "sr_share", "ns_mchannel", "ns_source", "ns_campaign",
    "ns_linkname", "ns_fee", "ito", "at_medium", "at_campaign", "at_custom1", "at_custom2",
    "at_custom3", "at_custom4", "guccounter", "guce_referrer", "guce_referrer_sig", "spm",
    "share", "ref_src", "ref_url", "feature", "amp", "outputtype", "__twitter_impression",
    "xtor", "tracking_source", "mbid", "si", "soc_src", "soc_trk", "utm",
})
# Not dropped on purpose: cid, id, src, from, p, page: some sites use them as the article's key.
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "at_", "ga_", "ns_", "trk_")

_AMP_CACHE = re.compile(r"^[a-z0-9-]+\.cdn\.ampproject\.org$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def unwrap(url: str, wrappers: tuple[RedirectWrapper, ...] = ()) -> str:
    """Return the target of a known redirect wrapper, repeatedly; other URLs come back unchanged."""
    for _ in range(4):  # wrappers inside wrappers, but never a loop
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        path = parts.path or "/"
        target = None
        for wrapper in (*wrappers, *KNOWN_WRAPPERS):
            if wrapper.matches(host, path):
                for key, value in parse_qsl(parts.query, keep_blank_values=False):
                    if key == wrapper.param and value.lower().startswith(("http://", "https://")):
                        target = value
                        break
            if target:
                break
        if _AMP_CACHE.match(host) and path.startswith("/c/"):
            # https://example-com.cdn.ampproject.org/c/s/example.com/a.html -> https://example.com/a.html
            rest = path[3:]
            scheme = "https" if rest.startswith("s/") else "http"
            rest = rest[2:] if rest.startswith("s/") else rest
            target = f"{scheme}://{rest}"
        if not target:
            return url
        url = target
    return url


def _clean_path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path or "/")
    # AMP variants: /amp/story, /story/amp, /story.amp, /story.amp.html
    path = re.sub(r"^/amp(/|$)", "/", path)
    path = re.sub(r"/amp/?$", "/", path)
    path = re.sub(r"\.amp(\.html?)?$", lambda m: m.group(1) or "", path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    # Percent-encoding: decode what need not be encoded, so /caf%C3%A9 and /café agree.
    return unquote(path).replace(" ", "%20")


def canonical_url(url: str, wrappers: tuple[RedirectWrapper, ...] = ()) -> str:
    """The canonical form of ``url`` (see module docstring). Non-http URLs are returned stripped."""
    url = unwrap(url.strip(), wrappers)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if host.startswith("amp.") and host.count(".") >= 2:
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):  # IPv6 literal
        netloc = f"[{host}]" if port in (None, _DEFAULT_PORTS.get(scheme)) else f"[{host}]:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query.sort()
    # http and https of one page are one article.
    return urlunsplit(("https", netloc, _clean_path(parts.path), urlencode(query), ""))


def fetch_url(url: str, wrappers: tuple[RedirectWrapper, ...] = ()) -> str:
    """The URL to request: wrappers unwrapped (no hop through a tracker) and the fragment dropped."""
    target = unwrap(url.strip(), wrappers)
    parts = urlsplit(target)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    """Lower-case host of a URL ('' when it has none)."""
    return (urlsplit(url).hostname or "").lower()
