"""Edit feeds.toml from the command line, keeping its comments and layout.

The file is treated as a header followed by ``[[feed]]`` blocks; adding appends a block, removing
drops the block whose url matches. Every edit is validated by re-reading the whole file with the
same parser the pipeline uses, and rolled back if it would not load.
"""

from __future__ import annotations

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from pipeline.config import Feed, is_http_url, load_feeds_file
from pipeline.errors import ConfigError, NewsmonError

_BLOCK = re.compile(r"^\[\[feed\]\]\s*$", re.M)


def _blocks(text: str) -> tuple[str, list[str]]:
    starts = [m.start() for m in _BLOCK.finditer(text)]
    if not starts:
        return text, []
    return text[:starts[0]], [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]


def _block(feed: Feed) -> str:
    lines = ["[[feed]]", f"name = {json.dumps(feed.name, ensure_ascii=False)}", f"url = {json.dumps(feed.url)}"]
    if feed.tags:
        lines.append("tags = [" + ", ".join(json.dumps(t, ensure_ascii=False) for t in feed.tags) + "]")
    if not feed.enabled:
        lines.append("enabled = false")
    return "\n".join(lines) + "\n"


def _write_checked(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else None
    path.write_text(text, encoding="utf-8")
    try:
        load_feeds_file(path)
    except ConfigError:
        if old is None:
            path.unlink()
        else:
            path.write_text(old, encoding="utf-8")
        raise


def add_feeds(path: Path, feeds: Sequence[Feed]) -> list[Feed]:
    """Append feeds not yet in the file (by URL). Returns the ones added."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Feeds newsmon watches.\n"
    existing = {f.url for f in load_feeds_file(path)} if path.exists() else set()
    new = []
    for f in feeds:
        if not is_http_url(f.url):
            raise NewsmonError(f"{f.url!r} is not an http(s) URL")
        if f.url not in existing:
            existing.add(f.url)
            new.append(f)
    if new:
        body = text if text.endswith("\n") else text + "\n"
        _write_checked(path, body + "".join("\n" + _block(f) for f in new))
    return new


def remove_feed(path: Path, url: str) -> bool:
    """Drop the feed with this URL. Returns whether one was there."""
    header, blocks = _blocks(path.read_text(encoding="utf-8"))
    keep = [b for b in blocks if tomllib.loads(b).get("feed", [{}])[0].get("url", "").strip() != url.strip()]
    if len(keep) == len(blocks):
        return False
    _write_checked(path, header + "".join(keep))
    return True


def to_opml(feeds: Sequence[Feed], title: str = "newsmon feeds") -> str:
    """An OPML 2.0 document listing the feeds."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for f in feeds:
        attrs = {"type": "rss", "text": f.name, "title": f.name, "xmlUrl": f.url}
        if f.tags:
            attrs["category"] = ",".join(f.tags)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
