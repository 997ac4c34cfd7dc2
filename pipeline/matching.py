"""Scoring stored articles against the themes (``newsmon themes rescore``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.store import Store


def rescore(store: Store, matcher: Any, batch: int = 500,
            progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Score every stored article with ``matcher`` and replace its theme_match rows.

    Returns counts: articles scored, matches now, matches gained and lost.
    """
    total = int(store.con.execute("SELECT count(*) FROM article").fetchone()[0])
    before = {(a, t) for a, t in store.con.execute(
        "SELECT article_id, theme_id FROM theme_match WHERE matched").fetchall()}
    theme_ids = {t.id for t in matcher.themes}
    after: set[tuple[int, str]] = set()
    done, last_id = 0, 0
    while True:
        rows = store.con.execute(
            "SELECT id, title, text, language FROM article WHERE id > ? ORDER BY id LIMIT ?", [last_id, batch]).fetchall()
        if not rows:
            break
        pairs = []
        for aid, title, text, language in rows:
            for score in matcher.score(text or "", title=title or "", language=language).values():
                pairs.append((aid, score))
                if score.matched:
                    after.add((aid, score.theme_id))
        with store.transaction():
            store.upsert_matches(pairs)
        last_id = rows[-1][0]
        done += len(rows)
        if progress:
            progress("rescore", done, total)
    # Themes removed from the config leave stale rows: drop them.
    if theme_ids:
        store.con.execute("DELETE FROM theme_match WHERE theme_id NOT IN (SELECT unnest(?))", [sorted(theme_ids)])
    before = {p for p in before if p[1] in theme_ids}
    return {"articles": done, "matched": len(after), "gained": len(after - before), "lost": len(before - after)}
