"""Near-duplicates and stories: the detection itself, and its persistence in DuckDB."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from pipeline import neardup
from pipeline.stories import StoryIndex, story_terms
from pipeline.store import open_store, utcnow
from tests.conftest import paragraphs

TEXT = "\n\n".join(paragraphs(11, 8))


def substitute(text: str, frac: float, seed: int = 1) -> str:
    rng = random.Random(seed)
    words = text.split()
    for i in rng.sample(range(len(words)), int(len(words) * frac)):
        words[i] = rng.choice(["alpha", "beta", "gamma", "delta", "omega", "sigma"])
    return " ".join(words)


def sim(a: str, b: str) -> float:
    return neardup.jaccard(neardup.shingles(a), neardup.shingles(b))


def test_copies_are_similar_and_others_are_not() -> None:
    assert sim(TEXT, TEXT) == 1.0
    assert sim(TEXT, "Editor's note: first published by our partners.\n\n" + TEXT) > 0.9
    assert sim(TEXT, "\n\n".join(TEXT.split("\n\n")[:6])) > 0.6  # ending cut
    assert sim(TEXT, substitute(TEXT, 0.05)) > 0.6
    assert sim(TEXT, substitute(TEXT, 0.20)) >= neardup.THRESHOLD
    other = "\n\n".join(paragraphs(12, 8))  # same vocabulary, different text
    assert sim(TEXT, other) < 0.05


def test_lsh_makes_copies_candidates() -> None:
    a, b = neardup.fingerprint(TEXT), neardup.fingerprint(substitute(TEXT, 0.10))
    assert len(set(a.buckets) & set(b.buckets)) > 0
    c = neardup.fingerprint("\n\n".join(paragraphs(13, 8)))
    assert len(set(a.buckets) & set(c.buckets)) == 0
    assert a.buckets.dtype == np.int64 and len(a.buckets) == neardup.BANDS


def test_signatures_are_stable_across_processes() -> None:
    code = ("from pipeline import neardup; from tests.test_neardup import TEXT; "
            "print(','.join(map(str, neardup.fingerprint(TEXT).buckets[:8])))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}, cwd=Path(__file__).parent.parent).stdout.strip()
    assert out == ",".join(map(str, neardup.fingerprint(TEXT).buckets[:8]))


def test_history_lookup_through_duckdb(tmp_path: Path) -> None:
    with open_store(tmp_path / "n.duckdb") as store:
        texts = {1: TEXT, 2: "\n\n".join(paragraphs(21, 8)), 3: "\n\n".join(paragraphs(22, 8))}
        store.insert_articles([{"id": i, "url": f"https://e.com/{i}", "canonical_url": f"https://e.com/{i}",
                                "fetched_at": utcnow(), "text": t, "text_hash": str(i), "run_id": "r"}
                               for i, t in texts.items()])
        store.insert_lsh([(int(b), i) for i, t in texts.items() for b in neardup.fingerprint(t).buckets])
        new = [neardup.fingerprint(substitute(TEXT, 0.1)), neardup.fingerprint("\n\n".join(paragraphs(30, 8)))]
        cands = store.lsh_candidates([(i, int(b)) for i, fp in enumerate(new) for b in fp.buckets])
        assert cands == {0: [1]}
        found = neardup.find_near_duplicates(cands, store.article_texts([1]), new)
        assert found[0] is not None and found[0].article_id == 1 and found[0].similarity > 0.4
        assert found[1] is None


def test_a_run_keeps_stored_shingles_across_batches_within_a_bound() -> None:
    cache = neardup.ShingleCache(size=2)
    new = [neardup.fingerprint(substitute(TEXT, 0.1))]
    texts = {7: (5, TEXT)}  # article 7, a copy in story 5
    first = neardup.find_near_duplicates({0: [7]}, texts, new, cache=cache)
    assert first[0] is not None and (first[0].article_id, first[0].root_id) == (7, 5)
    # A later batch: the text is not read again, the cached shingles give the same answer.
    again = neardup.find_near_duplicates({0: [7]}, {}, new, cache=cache)
    assert again == first
    # Without the cache (or once evicted) a candidate whose text was not read is skipped.
    assert neardup.find_near_duplicates({0: [7]}, {}, new) == [None]
    cache.put(8, 8, neardup.shingles("other words entirely"))
    cache.put(9, 9, neardup.shingles("more other words"))
    assert 7 not in cache and len(cache) == 2  # the oldest went first
    assert neardup.find_near_duplicates({0: [7]}, {}, new, cache=cache) == [None]


def test_stories_group_the_same_event_not_the_same_topic() -> None:
    t0 = datetime(2026, 3, 1, 8)
    index = StoryIndex()
    # A realistic window holds many unrelated articles; they give the words their weights.
    for i, paras in enumerate(paragraphs(40 + n, 2) for n in range(40)):
        index.add(1000 + i, 1000 + i, t0 - timedelta(hours=1), story_terms(paras[0][:60], paras[1]))
    a = story_terms("Fire destroys Halden paper mill", "A fire destroyed the Norske paper mill in Halden "
                    "early on Tuesday; 40 firefighters fought the blaze and two workers were hurt.")
    b = story_terms("Blaze guts Norske mill in Halden, two injured", "Two workers were injured when flames "
                    "tore through the Norske paper mill in Halden on Tuesday morning, firefighters said.")
    c = story_terms("Fire at Moss sawmill", "A fire broke out at a sawmill in Moss on Friday; firefighters "
                    "said nobody was hurt and the cause is unknown.")
    d = story_terms("Storm closes Bergen harbour", "Gales of 30 metres per second closed Bergen harbour on "
                    "Tuesday and ferries to Stavanger were cancelled, the port authority said.")
    assert index.assign(1, t0, a) == (1, None)
    # Same kind of event, other names: clearly less similar than the same event told in other words.
    same_event = index.best(t0 + timedelta(hours=5), b)
    other_fire = index.best(t0 + timedelta(days=2), c)
    assert same_event is not None and other_fire is not None and same_event[2] > 2 * other_fire[2]
    story, similarity = index.assign(2, t0 + timedelta(hours=5), b)
    assert story == 1 and similarity is not None and similarity >= index.threshold
    assert index.assign(3, t0 + timedelta(hours=6), d)[0] == 3  # unrelated: a story of its own
    # Outside the window, even the same words start a new story.
    assert index.assign(4, t0 + timedelta(days=30), a)[0] == 4


def test_lsh_window_bounds_the_lookup_table(tmp_path: Path) -> None:
    with open_store(tmp_path / "w.duckdb") as store:
        now = utcnow()
        rows = [{"id": i, "url": f"https://e.com/{i}", "canonical_url": f"https://e.com/{i}", "text": "t",
                 "fetched_at": now - timedelta(days=200 - i * 50), "text_hash": str(i), "run_id": "r"} for i in range(4)]
        store.insert_articles(rows)  # fetched 200, 150, 100 and 50 days ago
        store.insert_lsh([(b, i) for i in range(4) for b in range(3)])
        assert store.trim_lsh(90) == 9
        assert store.con.execute("SELECT DISTINCT article_id FROM article_lsh").fetchall() == [(3,)]
        assert store.trim_lsh(90) == 0
