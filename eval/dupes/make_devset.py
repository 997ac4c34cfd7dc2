"""Build the labelled near-duplicate dev set from the real pages in shared/eval-data/extraction.

Run from the repository root (about 15 s; the output is deterministic for a given trafilatura):

    .venv/bin/python eval/dupes/make_devset.py            # writes eval/dupes/devset.jsonl.gz

Source: ``<data>/html/<key>.html.gz`` (181 real news pages) and ``<data>/ground-truth.json`` (each
page's true article text). A page is *eligible* when its true text has >= 150 words (164 pages);
every eligible page gives one pair of every type (negatives: duplicates removed).

Positives (label 1), "the same story":
  repost_chrome     the page's own extraction vs. the true text re-published in another site's
                    template (nav, related links, inline "read also", newsletter box, footer),
                    both through ``pipeline.articles.extract_html`` - extraction noise included
  headline_changed  the original HTML vs. the same HTML with another headline (<title>, <h1>,
                    og:title), both extracted
  intro_added       true text vs. the same with a 1-3 sentence editor's intro paragraph on top
  ending_cut        true text vs. the same without its last 20-30% of paragraphs (of words,
                    when the text has fewer than 4 paragraphs)
  subst_5/10/20     true text vs. the same with 5/10/20% of its words replaced by words drawn
                    from the whole corpus (frequency-weighted)
Negatives (label 0), "different stories":
  same_topic        the page's extraction vs. the extraction of the page with the highest TF-IDF
                    cosine to it (its nearest neighbour in the corpus: same topic, other text)
  shared_quote      two different true texts that both carry the same 40-80-word quoted
                    statement (taken from a third page)
  shared_boilerplate two different true texts with the same 60-120-word block (newsletter
                    pitch, legal footer, subscription/corrections notice)
  same_site         two different pages of the same web site, both extracted (site chrome
                    that leaks into extraction is shared) - an extra type, not in the brief
  random            the page's extraction vs. a random other page's extraction
"""

from __future__ import annotations

import argparse
import gzip
import html as htmlmod
import json
import math
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.articles import extract_html  # noqa: E402
from pipeline.dedupe import normalise_text  # noqa: E402

DATA = ROOT.parent / "shared" / "eval-data" / "extraction"
OUT = Path(__file__).resolve().parent / "devset.jsonl.gz"
SEED = 20261121
MIN_WORDS = 150
POSITIVE = ["repost_chrome", "headline_changed", "intro_added", "ending_cut", "subst_5", "subst_10", "subst_20"]
NEGATIVE = ["same_topic", "shared_quote", "shared_boilerplate", "same_site", "random"]

# ---------------------------------------------------------------------------------------------
# Page templates for re-posting: three sites with their own chrome.
SITES = [
    {"name": "The Daily Ledger", "domain": "dailyledger.example",
     "nav": ["Home", "World", "Politics", "Business", "Tech", "Science", "Sport", "Culture", "Opinion", "Video"]},
    {"name": "Metro Wire", "domain": "metrowire.example",
     "nav": ["News", "Local", "Nation", "Money", "Health", "Entertainment", "Weather", "Obituaries", "Jobs"]},
    {"name": "Global Post Network", "domain": "globalpost.example",
     "nav": ["Latest", "Europe", "Americas", "Asia", "Africa", "Middle East", "Markets", "Climate", "Podcasts"]},
]

TEMPLATE_A = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} | {site}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">
<meta name="author" content="{author}"><link rel="canonical" href="https://{domain}/{slug}">
</head><body>
<header><div class="logo"><a href="/">{site}</a></div>
<nav><ul>{nav}</ul></nav>
<form class="search"><input type="search" placeholder="Search {site}"></form></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By {author} | {date}</p>
{body}
</article>
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>
</main>
<footer><p>&copy; 2019 {site}. All rights reserved.</p>
<ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>
<li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li></ul></footer>
</body></html>"""

TEMPLATE_B = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} - {site}</title>
<meta name="description" content="{title}"></head><body>
<div id="top-bar"><span>{date}</span> <a href="/subscribe">Subscribe</a> <a href="/login">Sign in</a></div>
<div id="menu">{navdivs}</div>
<div id="content"><div class="story">
<div class="headline"><h1 class="story-title">{title}</h1></div>
<div class="meta">{author} &middot; {site} &middot; {date}</div>
<div class="story-body">
{body_with_readalso}
</div>
<div class="newsletter"><h3>Get the morning briefing</h3><p>The stories that matter, in your inbox every
weekday at 6 a.m.</p><form><input type="email" placeholder="Email address"><button>Sign up</button></form></div>
</div>
<div class="sidebar"><h3>Most read</h3><ol>{related}</ol></div></div>
<div id="footer">{site} is part of Example Media Group. &copy; 2019. <a href="/privacy">Privacy</a> |
<a href="/cookies">Cookie settings</a> | <a href="/advertise">Advertise with us</a></div>
</body></html>"""

TEMPLATE_C = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"><meta property="article:published_time" content="{iso}">
</head><body>
<nav class="top"><a href="/">{site}</a> {navlinks}</nav>
<div class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/news">News</a></div>
<section class="main-column">
<article class="post">
<header><h1 class="entry-title">{title}</h1><time datetime="{iso}">{date}</time></header>
<div class="entry-content">
{body}
</div>
<div class="share">Share this story: <a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">Email</a></div>
<div class="tags">Tags: <a href="#">news</a> <a href="#">world</a></div>
</article>
<section class="more"><h2>More from {site}</h2><ul>{related}</ul></section>
</section>
<footer class="site-footer"><p>{site} &mdash; independent news since 1998.</p>
<p><a href="/about">About</a> &middot; <a href="/ethics">Ethics policy</a> &middot; <a href="/jobs">Careers</a></p></footer>
</body></html>"""

TEMPLATES = [TEMPLATE_A, TEMPLATE_B, TEMPLATE_C]
AUTHORS = ["Anna Keller", "James O'Neill", "Maria Santos", "Peter Novak", "Laura Chen", "David Brooks-Hale"]

INTROS = [
    "Editor's note: This article was originally published by our partner site and is republished here with permission.",
    "This story first appeared in our partner newsletter.",
    "We are republishing this report because of the strong interest from our readers.",
    "The following report has been lightly edited for length and clarity.",
    "Update: This article has been updated with new information since it was first published.",
    "Our correspondent filed this report on Tuesday evening.",
    "This article is part of our weekly series on the stories you may have missed.",
    "Readers asked us to look into this story, and here is what we found.",
    "The text below is shared under a syndication agreement with the original publisher.",
]

SPEAKERS = ["a government spokesperson", "the company", "the ministry", "the organisation's director",
            "a senior official", "the foundation"]

BOILERPLATE = {
    "newsletter": [
        "Sign up for our free daily newsletter to get the most important stories of the day delivered straight to your inbox.",
        "Every morning our editors pick the news you need to start your day, with analysis you will not find anywhere else.",
        "You can unsubscribe at any time, and we will never share your email address with third parties.",
        "By signing up you agree to our terms of service and acknowledge that you have read our privacy policy.",
        "Already a subscriber? Manage your newsletters and alerts in your account settings page.",
        "Want more? Try our weekend edition, with long reads, puzzles and recommendations from our critics.",
    ],
    "legal": [
        "Copyright 2019 Example Media Group. All rights reserved.",
        "This material may not be published, broadcast, rewritten or redistributed in whole or in part without prior written permission.",
        "The information contained in this article is provided for general informational purposes only and does not constitute legal, financial or professional advice.",
        "Opinions expressed by contributors are their own and do not necessarily reflect the views of the publisher or its affiliates.",
        "Although we make every effort to ensure the accuracy of the information, we accept no liability for any errors or omissions.",
        "Use of this site constitutes acceptance of our user agreement and privacy policy and cookie statement.",
    ],
    "corrections": [
        "We are committed to accuracy in our reporting.",
        "If you believe a factual error has been made in this article, please contact our corrections desk using the form on our contact page.",
        "All corrections are reviewed by a senior editor and published in our weekly corrections column.",
        "Our journalists follow the editorial code of practice and the standards set out by the independent press regulator.",
        "Complaints that cannot be resolved by the editors may be referred to the regulator free of charge.",
        "Read our full editorial standards and the policy on anonymous sources on our website.",
    ],
    "subscription": [
        "Thank you for reading.",
        "Quality journalism takes time, money and hard work to produce, and despite all of that we do it because we believe our perspective matters.",
        "If everyone who reads our reporting helps fund it, our future would be much more secure.",
        "Subscribe today for less than the price of a coffee a week and get unlimited access to all our stories on any device.",
        "Subscribers also get early access to events, exclusive newsletters and an ad-free reading experience.",
        "Support independent journalism and cancel at any time.",
    ],
}

_WORD = re.compile(r"\w+", re.UNICODE)


def load_pages(data: Path = DATA) -> list[dict]:
    """Every page: key, url, true text, html bytes."""
    gt = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(gt):
        raw = gzip.open(data / "html" / f"{key}.html.gz").read()
        pages.append({"key": key, "url": gt[key]["url"], "text": gt[key]["articleBody"].strip(), "html": raw})
    return pages


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def extracted(html: bytes | str, url: str | None) -> dict:
    """extract_html, with an empty result instead of None (a miss is measured, not skipped)."""
    meta = extract_html(html, url)
    return meta if meta is not None else {"title": "", "text": "", "language": None}


def render(template: str, site: dict, title: str, text: str, related: list[str], rng: random.Random,
           lang: str) -> str:
    esc = htmlmod.escape
    paras = paragraphs(text)
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paras)
    mid = max(1, len(paras) // 2)
    read_also = f'<p class="read-also"><strong>Read also:</strong> <a href="/r/1">{esc(related[0])}</a></p>'
    body_ra = "\n".join([*(f"<p>{esc(p)}</p>" for p in paras[:mid]), read_also,
                         *(f"<p>{esc(p)}</p>" for p in paras[mid:])])
    day = rng.randint(1, 28)
    slug = "-".join(normalise_text(title).split()[:8]) or "story"
    return template.format(
        lang=lang, title=esc(title), site=esc(site["name"]), domain=site["domain"], slug=slug,
        author=rng.choice(AUTHORS), date=f"November {day}, 2019", iso=f"2019-11-{day:02d}T08:00:00Z",
        nav="".join(f'<li><a href="/{n.lower().replace(" ", "-")}">{n}</a></li>' for n in site["nav"]),
        navdivs=" ".join(f'<a class="m" href="/{n.lower()}">{n}</a>' for n in site["nav"]),
        navlinks=" ".join(f'<a href="/{n.lower()}">{n}</a>' for n in site["nav"]),
        related="".join(f'<li><a href="/r/{i}">{esc(t)}</a></li>' for i, t in enumerate(related)),
        body=body, body_with_readalso=body_ra)


def change_headline(raw: bytes, old: str, new: str) -> str:
    """The page with every occurrence of its headline (raw or escaped) and its <title>/<h1> replaced."""
    doc = raw.decode("utf-8", "replace")
    if old:
        for form in {old, htmlmod.escape(old), htmlmod.escape(old, quote=False)}:
            doc = doc.replace(form, htmlmod.escape(new, quote=False))
    doc = re.sub(r"(<title[^>]*>).*?(</title>)", lambda m: m.group(1) + htmlmod.escape(new) + m.group(2), doc,
                 count=1, flags=re.S | re.I)
    doc = re.sub(r"(<h1[^>]*>).*?(</h1>)", lambda m: m.group(1) + htmlmod.escape(new) + m.group(2), doc,
                 count=1, flags=re.S | re.I)
    return doc


def substitute(text: str, frac: float, vocab: list[str], rng: random.Random) -> str:
    """Replace round(frac * words) word tokens (positions without replacement) by corpus words."""
    spans = [m.span() for m in _WORD.finditer(text)]
    n = round(frac * len(spans))
    chosen = sorted(rng.sample(range(len(spans)), n))
    out, last = [], 0
    for idx in chosen:
        s, e = spans[idx]
        old = text[s:e].casefold()
        new = rng.choice(vocab)
        while new == old:
            new = rng.choice(vocab)
        out.append(text[last:s])
        out.append(new)
        last = e
    out.append(text[last:])
    return "".join(out)


def cut_ending(text: str, rng: random.Random) -> tuple[str, str]:
    frac = rng.uniform(0.20, 0.30)
    paras = paragraphs(text)
    if len(paras) >= 4:
        keep = len(paras) - max(1, round(frac * len(paras)))
        return "\n".join(paras[:keep]), f"dropped {len(paras) - keep} of {len(paras)} paragraphs"
    words = text.split(" ")
    keep = len(words) - round(frac * len(words))
    return " ".join(words[:keep]), f"dropped last {frac:.0%} of words (only {len(paras)} paragraphs)"


def insert_middle(text: str, block: str) -> str:
    paras = paragraphs(text)
    mid = max(1, len(paras) // 2)
    return "\n".join([*paras[:mid], block, *paras[mid:]])


def quote_from(text: str, rng: random.Random) -> str:
    """A 40-80-word statement from a page: whole words from a sentence start."""
    words = text.split()
    n = rng.randint(40, 80)
    starts = [i for i in range(len(words) - n) if i == 0 or words[i - 1].endswith((".", "!", "?"))] or [0]
    s = rng.choice(starts)
    return " ".join(words[s:s + n]).strip("\"“”'")


def boilerplate(rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(sorted(BOILERPLATE))
    target = rng.randint(60, 120)
    sents = BOILERPLATE[kind]
    out: list[str] = []
    i = rng.randrange(len(sents))
    while sum(len(s.split()) for s in out) < target:
        out.append(sents[i % len(sents)])
        i += 1
    words = " ".join(out).split()[:target]
    return kind, " ".join(words)


def tfidf_neighbours(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Index of each text's most TF-IDF-cosine-similar other text, and that cosine."""
    docs = [Counter(normalise_text(t).split()) for t in texts]
    df = Counter(w for d in docs for w in d)
    vocab = {w: i for i, w in enumerate(sorted(df))}
    idf = np.array([math.log(len(docs) / df[w]) for w in sorted(df)], dtype=np.float64)
    m = np.zeros((len(docs), len(vocab)))
    for r, d in enumerate(docs):
        for w, c in d.items():
            m[r, vocab[w]] = (1 + math.log(c)) * idf[vocab[w]]
    m /= np.linalg.norm(m, axis=1, keepdims=True) + 1e-12
    cos = m @ m.T
    np.fill_diagonal(cos, -1)
    nn = cos.argmax(axis=1)
    return nn, cos[np.arange(len(docs)), nn]


def build(data: Path = DATA, log=print) -> list[dict]:
    pages = load_pages(data)
    elig = [p for p in pages if len(p["text"].split()) >= MIN_WORDS]
    log(f"{len(pages)} pages, {len(elig)} eligible (true text >= {MIN_WORDS} words)")
    for p in pages:
        meta = extracted(p["html"], p["url"])
        p["ext_title"], p["ext_text"] = meta["title"], meta["text"]
        p["lang"] = meta.get("language") or "en"
    vocab = [w for p in pages for w in normalise_text(p["text"]).split()]
    titles = [p["ext_title"] or p["text"].split("\n")[0][:80] for p in pages]
    pairs: list[dict] = []

    def add(typ: str, label: int, a: dict, b: dict | None, ta: str, tb: str, note: str = "") -> None:
        pairs.append({"id": f"{typ}:{a['key'][:12]}" + (f":{b['key'][:12]}" if b else ""), "type": typ,
                      "label": label, "a_key": a["key"], "b_key": (b or a)["key"], "a": ta, "b": tb, "note": note})

    for n, p in enumerate(elig):
        rng = random.Random(f"{SEED}:{p['key']}")
        # repost_chrome: true text in another site's template; extraction on both sides
        t = n % len(TEMPLATES)
        related = [titles[i] for i in rng.sample(range(len(pages)), 5)]
        title = p["ext_title"] or "Untitled"
        page = render(TEMPLATES[t], SITES[t], title, p["text"], related, rng, p["lang"])
        add("repost_chrome", 1, p, None, p["ext_text"], extracted(page, f"https://{SITES[t]['domain']}/x")["text"],
            f"template {'ABC'[t]}")
        # headline_changed: same html, another page's headline
        other = elig[(n + 1) % len(elig)]
        new_title = other["ext_title"] or "A different headline about this story"
        changed = change_headline(p["html"], p["ext_title"], new_title)
        meta_b = extracted(changed, p["url"])
        add("headline_changed", 1, p, None, p["ext_text"], meta_b["text"],
            "title changed" if meta_b["title"] != p["ext_title"] else "title NOT changed in extraction")
        # intro_added
        intro = " ".join(rng.sample(INTROS, rng.randint(1, 3)))
        add("intro_added", 1, p, None, p["text"], intro + "\n" + p["text"], f"{len(intro.split())}-word intro")
        # ending_cut
        cut, note = cut_ending(p["text"], rng)
        add("ending_cut", 1, p, None, p["text"], cut, note)
        for pct in (5, 10, 20):
            add(f"subst_{pct}", 1, p, None, p["text"], substitute(p["text"], pct / 100, vocab, rng), f"{pct}% of words")

    # negatives -------------------------------------------------------------------------------
    nn, cos = tfidf_neighbours([p["text"] for p in elig])
    seen: set[tuple[str, str]] = set()

    def new_pair(a: dict, b: dict) -> bool:
        k = tuple(sorted((a["key"], b["key"])))
        if k in seen:
            return False
        seen.add(k)
        return True

    for n, p in enumerate(elig):
        q = elig[int(nn[n])]
        if new_pair(p, q):
            add("same_topic", 0, p, q, p["ext_text"], q["ext_text"], f"tf-idf cosine {cos[n]:.3f}")
    for n, p in enumerate(elig):
        rng = random.Random(f"{SEED}:quote:{p['key']}")
        j, k = rng.sample([i for i in range(len(elig)) if i != n], 2)
        q, src = elig[j], elig[k]
        quote = quote_from(src["text"], rng)
        line = f"“{quote},” {rng.choice(SPEAKERS)} said in a statement."
        add("shared_quote", 0, p, q, insert_middle(p["text"], line), insert_middle(q["text"], line),
            f"{len(quote.split())}-word quote from {src['key'][:12]}")
    for n, p in enumerate(elig):
        rng = random.Random(f"{SEED}:boiler:{p['key']}")
        q = elig[rng.choice([i for i in range(len(elig)) if i != n])]
        kind, block = boilerplate(rng)
        if kind == "newsletter":
            ta, tb = insert_middle(p["text"], block), insert_middle(q["text"], block)
        else:
            ta, tb = p["text"] + "\n" + block, q["text"] + "\n" + block
        add("shared_boilerplate", 0, p, q, ta, tb, f"{len(block.split())}-word {kind} block")
    by_site: dict[str, list[dict]] = defaultdict(list)
    for p in elig:
        by_site[urlparse(p["url"]).netloc].append(p)
    for site, ps in sorted(by_site.items()):
        for i in range(len(ps)):
            for j in range(i + 1, len(ps)):
                if new_pair(ps[i], ps[j]):
                    add("same_site", 0, ps[i], ps[j], ps[i]["ext_text"], ps[j]["ext_text"], site)
    rng = random.Random(f"{SEED}:random")
    for n, p in enumerate(elig):
        while True:
            q = elig[rng.randrange(len(elig))]
            if q is not p and urlparse(q["url"]).netloc != urlparse(p["url"]).netloc and new_pair(p, q):
                break
        add("random", 0, p, q, p["ext_text"], q["ext_text"])
    return pairs


def load(path: Path = OUT) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    pairs = build(args.data)
    # mtime=0: the same input gives byte-identical output
    with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        for pr in pairs:
            gz.write((json.dumps(pr, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    counts = Counter(p["type"] for p in pairs)
    print(f"{len(pairs)} pairs -> {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    for typ in POSITIVE + NEGATIVE:
        print(f"  {typ:<20} {counts[typ]:4d}")


if __name__ == "__main__":
    main()
