#!/usr/bin/env python3
"""Build the newsmon demo corpus.

Reads the article sources in demo/src/articles/*.toml (and, for the three baseline pages, the
text of config/baselines/*.txt) and writes:

  demo/corpus/...        the static site served by `newsmon demo` (HTML pages, feeds, a PDF)
  demo/expected.toml     what the pipeline should do with every feed entry

demo/corpus/routes.toml and demo/feeds.toml are hand-written and not touched here.
Every served file keeps the placeholders {{BASE}} / {{BASE_Q}}; the demo server fills them in.

Run from anywhere:  .venv/bin/python demo/build_corpus.py
The output is deterministic, so re-running it on an unchanged tree changes nothing.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import shutil
import tomllib
from pathlib import Path

DEMO = Path(__file__).resolve().parent
REPO = DEMO.parent
SRC = DEMO / "src" / "articles"
CORPUS = DEMO / "corpus"
BASE = "{{BASE}}"
BASE_Q = "{{BASE_Q}}"

THEMES = ("anti_us_alliance", "eurasian_security_architecture", "russia_unreliable_ally")
OUTCOMES = ("new", "duplicate_url", "duplicate_text", "near_duplicate", "fetch_failed", "not_html", "no_text")

OUTLETS = {
    "meridian": {
        "name": "Meridian Wire",
        "lang": "en",
        "feed": "/feeds/meridian-world.xml",
        "feed_type": "application/rss+xml",
        "home": "/meridian/",
    },
    "eastern": {
        "name": "Eastern Review",
        "lang": "en-GB",
        "feed": "/feeds/eastern-review.xml",
        "feed_type": "application/atom+xml",
        "home": "/eastern/",
    },
    "policy": {
        "name": "Policy Digest",
        "lang": "en-US",
        "feed": "/feeds/policy-digest.xml",
        "feed_type": "application/rss+xml",
        "home": "/policy/",
    },
    "baltic": {
        "name": "Baltic Ledger",
        "lang": "en",
        "feed": "/feeds/baltic-ledger.xml",
        "feed_type": "application/rss+xml",
        "home": "/baltic/",
    },
}

# Chrome-only "related" links that point at stories the corpus does not contain (like any real
# site's sidebar). They are never in a feed.
FILLER_RELATED = {
    "meridian": [
        ("Dockworkers in Rotterdam vote on new contract", "/meridian/business/2026/01/rotterdam-dockworkers-vote.html"),
        ("Chile's copper output falls for a third month", "/meridian/markets/2026/01/chile-copper-output.html"),
    ],
    "eastern": [
        ("The quiet revival of Georgia's wine trade", "/eastern/economy/2026/01/georgia-wine-trade.html"),
        ("Letter from Chisinau: a city between two maps", "/eastern/politics/2026/01/letter-from-chisinau.html"),
    ],
    "policy": [
        ("Five charts on European defence budgets", "/policy/briefs/2026/01/five-charts-defence-budgets.html"),
        ("Reading list: the new geography of sanctions", "/policy/briefs/2026/01/reading-list-sanctions.html"),
    ],
    "baltic": [
        ("Riga port volumes recover in fourth quarter", "/baltic/business/2026/01/riga-port-volumes.html"),
        ("Vilnius opens new tram line consultation", "/baltic/city/2026/02/vilnius-tram-consultation.html"),
        ("Ferry timetable changes for the spring season", "/baltic/travel/2026/02/ferry-timetable-spring.html"),
    ],
}


# --------------------------------------------------------------------------------------------
# Articles
# --------------------------------------------------------------------------------------------

def esc(text: str) -> str:
    return html.escape(text, quote=True)


def paragraphs_from_body(body: str) -> list[str]:
    """Blank-line separated paragraphs; lines inside a paragraph are joined with a space."""
    paras = []
    for block in body.strip().split("\n\n"):
        text = " ".join(line.strip() for line in block.strip().splitlines() if line.strip())
        if text:
            paras.append(text)
    return paras


def baseline_text(rel: str) -> tuple[str, list[str]]:
    """(headline, paragraphs) of a baseline file: first line is the headline, every other
    non-blank line is one paragraph, text unchanged apart from the line break."""
    lines = (REPO / rel).read_text(encoding="utf-8").splitlines()
    headline = lines[0].strip()
    paras = [line.strip() for line in lines[1:] if line.strip()]
    return headline, paras


def load_articles() -> dict[str, dict]:
    arts: dict[str, dict] = {}
    for f in sorted(SRC.glob("*.toml")):
        a = tomllib.loads(f.read_text(encoding="utf-8"))
        a.setdefault("id", f.stem)
        a.setdefault("kind", "article")
        if a["id"] in arts:
            raise SystemExit(f"duplicate article id {a['id']}")
        if a["outlet"] not in OUTLETS:
            raise SystemExit(f"{f}: unknown outlet {a['outlet']}")
        if "baseline" in a:
            headline, paras = baseline_text(a["baseline"])
            a.setdefault("title", headline)
            a["paragraphs"] = paras
        elif "body" in a:
            a["paragraphs"] = paragraphs_from_body(a["body"])
        arts[a["id"]] = a
    for a in arts.values():  # mirrors reuse another article's paragraphs verbatim
        if "same_text_as" in a:
            a["paragraphs"] = list(arts[a["same_text_as"]]["paragraphs"])
    for a in arts.values():
        if "paragraphs" not in a and a["kind"] == "article":
            raise SystemExit(f"article {a['id']} has no body")
        a["published_dt"] = dt.datetime.fromisoformat(a["published"])
    return arts


def human_date(d: dt.datetime) -> str:
    return f"{d.day} {d.strftime('%B %Y')}, {d.strftime('%H:%M')} UTC"


def related_for(a: dict, arts: dict[str, dict], n: int = 4) -> list[tuple[str, str]]:
    same = [x for x in arts.values() if x["outlet"] == a["outlet"] and x["id"] != a["id"]
            and x["kind"] == "article" and not x.get("hide_from_related")]
    same.sort(key=lambda x: x["published_dt"], reverse=True)
    items = [(x["title"], x["path"]) for x in same[: n - 1]]
    items += FILLER_RELATED[a["outlet"]][: max(1, n - len(items))]
    return items[:n]


# --------------------------------------------------------------------------------------------
# Page templates (one per outlet)
# --------------------------------------------------------------------------------------------

def head(a: dict, css: str, jsonld: bool) -> str:
    o = OUTLETS[a["outlet"]]
    canonical = BASE + a["path"]
    iso = a["published_dt"].isoformat()
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{o["lang"]}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<title>{esc(a["title"])} | {esc(o["name"])}</title>',
        f'<meta name="description" content="{esc(a["description"])}">',
        f'<meta name="author" content="{esc(a["author"])}">',
        f'<meta property="og:site_name" content="{esc(o["name"])}">',
        f'<meta property="og:type" content="{"video.other" if a["kind"] == "video" else "article"}">',
        f'<meta property="og:title" content="{esc(a["title"])}">',
        f'<meta property="og:description" content="{esc(a["description"])}">',
        f'<meta property="og:url" content="{canonical}">',
        f'<meta property="og:image" content="{BASE}{o["home"]}static/share-card.png">',
        f'<meta property="article:published_time" content="{iso}">',
        f'<meta property="article:modified_time" content="{iso}">',
        f'<meta property="article:section" content="{esc(a["section"])}">',
        f'<meta name="twitter:card" content="summary_large_image">',
        f'<link rel="canonical" href="{canonical}">',
        f'<link rel="alternate" type="{o["feed_type"]}" title="{esc(o["name"])}" href="{BASE}{o["feed"]}">',
        f'<link rel="icon" href="{BASE}{o["home"]}static/favicon.ico">',
    ]
    if jsonld:
        parts.append(
            '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
            f'"headline":{json_str(a["title"])},"datePublished":"{iso}","dateModified":"{iso}",'
            f'"author":{{"@type":"Person","name":{json_str(a["author"])}}},'
            f'"publisher":{{"@type":"Organization","name":{json_str(o["name"])}}},'
            f'"mainEntityOfPage":"{canonical}"}}</script>'
        )
    parts += [f"<style>{css}</style>", "</head>"]
    return "\n".join(parts)


def json_str(s: str) -> str:
    import json
    return json.dumps(s, ensure_ascii=False).replace("</", "<\\/")


def body_paras(a: dict, indent: str = "      ") -> str:
    return "\n".join(f"{indent}<p>{esc(p)}</p>" for p in a["paragraphs"])


def related_html(a, arts, heading, cls):
    items = "\n".join(f'        <li><a href="{BASE}{p}">{esc(t)}</a></li>' for t, p in related_for(a, arts))
    return (f'    <aside class="{cls}" aria-label="{esc(heading)}">\n      <h2>{esc(heading)}</h2>\n'
            f"      <ul>\n{items}\n      </ul>\n    </aside>")


MERIDIAN_CSS = ("body{font-family:Georgia,serif;margin:0;color:#1b1b1b}.topbar{background:#0b2545;color:#fff;padding:8px 16px}"
                ".topbar a{color:#fff;margin-right:14px;text-decoration:none}.cookie-banner{position:fixed;bottom:0;left:0;right:0;"
                "background:#f4f4f4;border-top:1px solid #ccc;padding:12px}main{max-width:760px;margin:24px auto;padding:0 16px}"
                ".byline{color:#555;font-size:.9em}.related,.newsletter,.comments-teaser{border-top:2px solid #0b2545;margin-top:28px;padding-top:10px}"
                "footer{background:#eee;padding:16px;font-size:.85em}")


def page_meridian(a: dict, arts: dict) -> str:
    o = OUTLETS["meridian"]
    if a["kind"] == "video":
        content = f"""    <article class="video-story">
      <h1>{esc(a["title"])}</h1>
      <p class="byline">{esc(a["author"])} &middot; <time datetime="{a["published_dt"].isoformat()}">{human_date(a["published_dt"])}</time></p>
      <figure class="video-player">
        <video controls preload="none" poster="{BASE}/meridian/static/video/{a["video_slug"]}.jpg" width="720" height="405">
          <source src="{BASE}/meridian/static/video/{a["video_slug"]}.mp4" type="video/mp4">
        </video>
        <figcaption>{esc(a["caption"])}</figcaption>
      </figure>
    </article>"""
    else:
        dateline = f'<span class="dateline">{esc(a["dateline"])}</span> ' if a.get("dateline") else ""
        content = f"""    <article class="story" itemscope itemtype="https://schema.org/NewsArticle">
      <header>
        <p class="kicker"><a href="{BASE}/meridian/{a["section"].lower()}/">{esc(a["section"])}</a></p>
        <h1 itemprop="headline">{esc(a["title"])}</h1>
        <p class="byline">By <span itemprop="author">{esc(a["author"])}</span>, Meridian Wire &middot; {dateline}<time datetime="{a["published_dt"].isoformat()}" itemprop="datePublished">{human_date(a["published_dt"])}</time></p>
      </header>
      <div class="story-body" itemprop="articleBody">
{body_paras(a)}
      </div>
    </article>"""
    return f"""{head(a, MERIDIAN_CSS, jsonld=True)}
<body>
  <div id="cookie-consent" class="cookie-banner" role="dialog" aria-label="Cookie consent">
    <p>Meridian Wire uses cookies to measure audiences and personalise advertising. You can change your choice at any time under Privacy settings.</p>
    <button type="button">Accept all</button> <button type="button">Reject non-essential</button> <a href="{BASE}/meridian/privacy/">Manage preferences</a>
  </div>
  <header class="site-header">
    <div class="topbar">
      <a class="logo" href="{BASE}/meridian/">Meridian Wire</a>
      <nav class="main-nav" aria-label="Sections">
        <a href="{BASE}/meridian/world/">World</a> <a href="{BASE}/meridian/business/">Business</a>
        <a href="{BASE}/meridian/markets/">Markets</a> <a href="{BASE}/meridian/video/">Video</a>
        <a href="{BASE}/meridian/opinion/">Opinion</a> <a href="{BASE}/meridian/search/">Search</a>
        <a class="subscribe" href="{BASE}/meridian/subscribe/">Subscribe</a>
      </nav>
    </div>
    <nav class="breadcrumb" aria-label="Breadcrumb"><a href="{BASE}/meridian/">Home</a> &rsaquo; <a href="{BASE}/meridian/{a["section"].lower()}/">{esc(a["section"])}</a></nav>
  </header>
  <main id="main-content">
{content}
    <div class="share-tools" aria-label="Share"><a href="#">Share on X</a> <a href="#">Share on Facebook</a> <a href="#">Email this story</a> <a href="#">Print</a></div>
{related_html(a, arts, "Related stories", "related")}
    <section class="newsletter" aria-label="Newsletter">
      <h2>The Morning Wire</h2>
      <p>The day's essential world news in five minutes, every weekday at 6am.</p>
      <form action="{BASE}/meridian/newsletter/subscribe" method="post"><input type="email" name="email" placeholder="Your email address"> <button type="submit">Sign up</button></form>
    </section>
    <section id="comments" class="comments-teaser" aria-label="Comments">
      <h2>Comments ({a.get("comments", 12)})</h2>
      <p><a href="{BASE}{a["path"]}#comments">Join the conversation</a> &mdash; comments are moderated and open for 48 hours.</p>
    </section>
  </main>
  <footer class="site-footer">
    <nav aria-label="Footer"><a href="{BASE}/meridian/about/">About us</a> | <a href="{BASE}/meridian/contact/">Contact</a> | <a href="{BASE}/meridian/corrections/">Corrections</a> | <a href="{BASE}/meridian/privacy/">Privacy</a> | <a href="{BASE}/meridian/terms/">Terms of use</a> | <a href="{BASE}{o["feed"]}">RSS</a></nav>
    <p>&copy; 2026 Meridian Wire Ltd. All rights reserved. Meridian Wire is an invented news service used in the newsmon demo.</p>
  </footer>
</body>
</html>
"""


EASTERN_CSS = ("body{font-family:'Source Serif',serif;margin:0;background:#fbfaf7}.masthead{text-align:center;padding:18px;border-bottom:3px double #7a1f1f}"
               ".masthead .wordmark{font-size:2em;color:#7a1f1f;text-decoration:none}.primary-nav a{margin:0 10px;color:#333}"
               "#gdpr-overlay{position:fixed;inset:auto 0 0 0;background:#222;color:#eee;padding:14px}.story{max-width:700px;margin:30px auto}"
               ".story__meta{font-variant:small-caps;color:#666}.read-more,.signup-box,.discussion{max-width:700px;margin:24px auto;border-top:1px solid #ddd}"
               ".site-foot{background:#7a1f1f;color:#fff;padding:20px}")


def page_eastern(a: dict, arts: dict) -> str:
    o = OUTLETS["eastern"]
    standfirst = a.get("standfirst", "")
    standfirst_html = f'\n        <p class="story__standfirst">{esc(standfirst)}</p>' if standfirst else ""
    return f"""{head(a, EASTERN_CSS, jsonld=True)}
<body class="layout-article">
  <div id="gdpr-overlay" class="consent-overlay" role="dialog" aria-label="Privacy choices">
    <p>We and our partners store and access information on your device to analyse traffic and show relevant content. By clicking &ldquo;I agree&rdquo; you consent to this. <a href="{BASE}/eastern/cookie-policy/">Cookie policy</a></p>
    <button type="button">I agree</button> <button type="button">Settings</button>
  </div>
  <div class="masthead">
    <a class="wordmark" href="{BASE}/eastern/">Eastern Review</a>
    <p class="tagline">Analysis from Central Europe to the Pacific since 1998</p>
    <nav class="primary-nav" aria-label="Main">
      <a href="{BASE}/eastern/politics/">Politics</a> <a href="{BASE}/eastern/analysis/">Analysis</a> <a href="{BASE}/eastern/economy/">Economy</a>
      <a href="{BASE}/eastern/world/">World</a> <a href="{BASE}/eastern/tech/">Tech</a> <a href="{BASE}/eastern/podcasts/">Podcasts</a>
      <a href="{BASE}/eastern/login/">Log in</a>
    </nav>
  </div>
  <div class="wrap">
    <article class="story">
      <header class="story__header">
        <a class="story__section" href="{BASE}/eastern/{a["section"].lower()}/">{esc(a["section"])}</a>
        <h1 class="story__headline">{esc(a["title"])}</h1>{standfirst_html}
        <div class="story__meta"><span class="author">{esc(a["author"])}</span> &mdash; <time datetime="{a["published_dt"].isoformat()}">{a["published_dt"].strftime("%d %B %Y")}</time> &mdash; <span class="reading-time">{max(2, len(" ".join(a["paragraphs"]).split()) // 220)} min read</span></div>
      </header>
      <div class="story__body article__body">
{body_paras(a)}
      </div>
      <div class="story__tags">Topics: <a href="{BASE}/eastern/topics/{a.get("topic_slug", "world")}/">{esc(a.get("topic", a["section"]))}</a></div>
    </article>
{related_html(a, arts, "Read more from Eastern Review", "read-more")}
    <section class="signup-box" aria-label="Newsletter">
      <h2>The Eastern Brief</h2>
      <p>Our editors' pick of the week's analysis, delivered every Friday. Free, and you can unsubscribe at any time.</p>
      <form action="{BASE}/eastern/newsletter" method="post"><input type="email" name="address" placeholder="name@example.com"><button type="submit">Subscribe</button></form>
    </section>
    <section class="discussion" id="comments" aria-label="Reader comments">
      <h2>Discussion</h2>
      <p>{a.get("comments", 7)} readers have commented on this article. <a href="{BASE}/eastern/login/">Log in</a> to read and reply.</p>
    </section>
  </div>
  <footer class="site-foot">
    <ul class="foot-links">
      <li><a href="{BASE}/eastern/about/">About the Review</a></li><li><a href="{BASE}/eastern/masthead/">Masthead</a></li>
      <li><a href="{BASE}/eastern/advertise/">Advertise</a></li><li><a href="{BASE}/eastern/privacy/">Privacy notice</a></li>
      <li><a href="{BASE}{o["feed"]}">Atom feed</a></li>
    </ul>
    <p>Eastern Review is published by Eastern Review Media. &copy; 2026. An invented publication for the newsmon demo.</p>
  </footer>
</body>
</html>
"""


POLICY_CSS = ("body{font-family:Helvetica,Arial,sans-serif;margin:0;color:#222}.pd-header{display:flex;gap:20px;align-items:center;padding:12px 24px;background:#123d2a;color:#fff}"
              ".pd-header a{color:#fff}.consent{background:#fffbe6;padding:10px 24px;border-bottom:1px solid #e0d9a8}.pd-main{display:grid;grid-template-columns:1fr 260px;gap:32px;max-width:1060px;margin:24px auto}"
              ".pd-sidebar{font-size:.9em}.pd-article h1{font-size:2.1em}.author-line{color:#666}.pd-footer{border-top:4px solid #123d2a;padding:18px 24px}")


def page_policy(a: dict, arts: dict) -> str:
    o = OUTLETS["policy"]
    note = ""
    if a.get("republished_from"):
        note = f"""
      <aside class="republish-note" aria-label="Republishing note"><p>Republished from {esc(a["republished_from"])} with permission.</p></aside>"""
    return f"""{head(a, POLICY_CSS, jsonld=False)}
<body>
  <div class="consent" id="consent-bar" role="region" aria-label="Cookie notice">
    <p>This site uses cookies for analytics. <a href="{BASE}/policy/privacy/">Learn more</a>. <button type="button">OK</button> <button type="button">Decline</button></p>
  </div>
  <header class="pd-header" role="banner">
    <a class="brand" href="{BASE}/policy/">Policy Digest</a>
    <nav aria-label="Primary">
      <a href="{BASE}/policy/briefs/">Briefs</a> &middot; <a href="{BASE}/policy/commentary/">Commentary</a> &middot; <a href="{BASE}/policy/digest/">The Weekly Digest</a> &middot; <a href="{BASE}/policy/events/">Events</a> &middot; <a href="{BASE}/policy/about/">About</a>
    </nav>
    <a class="donate" href="{BASE}/policy/support/">Support our work</a>
  </header>
  <div class="pd-main">
    <main>
      <article class="pd-article">
        <p class="pd-section">{esc(a["section"])}</p>
        <h1>{esc(a["title"])}</h1>
        <p class="author-line">By <a rel="author" href="{BASE}/policy/authors/{a["author"].lower().replace(" ", "-")}/">{esc(a["author"])}</a> | <time datetime="{a["published_dt"].isoformat()}">{a["published_dt"].strftime("%B %d, %Y")}</time></p>
        <div class="pd-body entry-content">
{body_paras(a, "          ")}
        </div>
      </article>{note}
      <section class="pd-comments" id="comments" aria-label="Comments">
        <h2>Comments</h2>
        <p>{a.get("comments", 3)} comments. <a href="{BASE}/policy/login/">Sign in</a> to join the discussion.</p>
      </section>
    </main>
    <div class="pd-sidebar">
{related_html(a, arts, "Further reading", "further-reading")}
      <section class="newsletter-signup" aria-label="Newsletter">
        <h2>Get the Weekly Digest</h2>
        <p>Our best analysis on security, trade and diplomacy, every Saturday morning.</p>
        <form action="{BASE}/policy/digest/subscribe" method="post"><input type="email" name="email" placeholder="Email"><button type="submit">Subscribe</button></form>
      </section>
      <section class="most-read" aria-label="Most read">
        <h2>Most read</h2>
        <ol><li><a href="{BASE}/policy/briefs/2026/01/five-charts-defence-budgets.html">Five charts on European defence budgets</a></li><li><a href="{BASE}/policy/briefs/2026/01/reading-list-sanctions.html">Reading list: the new geography of sanctions</a></li></ol>
      </section>
    </div>
  </div>
  <footer class="pd-footer">
    <p><a href="{BASE}/policy/about/">About Policy Digest</a> &middot; <a href="{BASE}/policy/editorial-standards/">Editorial standards</a> &middot; <a href="{BASE}/policy/privacy/">Privacy</a> &middot; <a href="{BASE}{o["feed"]}">RSS</a></p>
    <p>Policy Digest is an invented, non-profit publication used in the newsmon demo. &copy; 2026 Policy Digest.</p>
  </footer>
</body>
</html>
"""


BALTIC_CSS = ("body{font-family:'Noto Sans',sans-serif;margin:0}.bl-top{background:#00577a;color:#fff;padding:10px 20px}.bl-top a{color:#fff;margin-right:12px}"
              ".lang-switch{float:right}.cookiebar{background:#e8f4f8;padding:12px 20px}.bl-content{max-width:720px;margin:20px auto}"
              ".meta{color:#667}.more-news,.bl-newsletter,.bl-comments{margin-top:26px;padding-top:8px;border-top:1px solid #00577a}"
              ".bl-footer{background:#0d2633;color:#cfe3ea;padding:18px 20px}")


def page_baltic(a: dict, arts: dict) -> str:
    o = OUTLETS["baltic"]
    return f"""{head(a, BALTIC_CSS, jsonld=False)}
<body>
  <div class="cookiebar" id="cookiebar" role="dialog" aria-label="Cookies">
    <p>We use cookies to keep the site working and to count visits. Read our <a href="{BASE}/baltic/cookies/">cookie statement</a>.</p>
    <button type="button">Allow cookies</button> <button type="button">Only necessary</button>
  </div>
  <div class="bl-top">
    <span class="lang-switch"><a href="{BASE}/baltic/lt/" hreflang="lt">LT</a> <a href="{BASE}/baltic/lv/" hreflang="lv">LV</a> <a href="{BASE}/baltic/et/" hreflang="et">ET</a> <a href="{BASE}/baltic/" hreflang="en">EN</a></span>
    <a class="site-name" href="{BASE}/baltic/">Baltic Ledger</a>
    <nav aria-label="Menu">
      <a href="{BASE}/baltic/news/">News</a> <a href="{BASE}/baltic/business/">Business</a> <a href="{BASE}/baltic/security/">Security</a>
      <a href="{BASE}/baltic/weather/">Weather</a> <a href="{BASE}/baltic/city/">City</a> <a href="{BASE}/baltic/travel/">Travel</a>
    </nav>
  </div>
  <div class="bl-content">
    <article>
      <h1>{esc(a["title"])}</h1>
      <div class="meta">{esc(a["author"])} | <time datetime="{a["published_dt"].isoformat()}">{a["published_dt"].strftime("%Y-%m-%d %H:%M")}</time> | {esc(a["section"])}</div>
      <div class="article-text">
{body_paras(a, "        ")}
      </div>
    </article>
{related_html(a, arts, "More news", "more-news")}
    <div class="bl-newsletter" aria-label="Newsletter">
      <h2>Ledger Daily</h2>
      <p>Morning headlines from Tallinn, Riga and Vilnius in your inbox.</p>
      <form action="{BASE}/baltic/newsletter" method="post"><input type="email" name="email"><button type="submit">Join</button></form>
    </div>
    <div class="bl-comments" id="comments">
      <h2>Reader comments</h2>
      <p>Be the first to comment. <a href="{BASE}/baltic/account/">Create an account</a></p>
    </div>
  </div>
  <footer class="bl-footer">
    <p><a href="{BASE}/baltic/about/">About</a> &middot; <a href="{BASE}/baltic/contact/">Contact the newsroom</a> &middot; <a href="{BASE}/baltic/privacy/">Privacy</a></p>
    <p>&copy; 2026 Baltic Ledger. An invented regional outlet used in the newsmon demo.</p>
  </footer>
</body>
</html>
"""


TEMPLATES = {"meridian": page_meridian, "eastern": page_eastern, "policy": page_policy, "baltic": page_baltic}


# --------------------------------------------------------------------------------------------
# Feeds: every entry, with the outcome the pipeline should reach for it
# --------------------------------------------------------------------------------------------
# link: path (gets {{BASE}} in front) or a full value with placeholders; default is the article
# path. "duplicate_of" names the entry (feed key, article id) whose copy this is.

FEEDS = [
    {
        "key": "meridian-world", "name": "Meridian Wire — World", "format": "rss",
        "path": "/feeds/meridian-world.xml", "site": "/meridian/", "status": "ok",
        "description": "World, business and markets news from Meridian Wire.",
        "entries": [
            {"article": "meridian-kremlin-defence-pact", "outcome": "new", "themes": ["anti_us_alliance"],
             "note": "theme echo in new words: a different (invented) Russian official proposes a formal bloc against the US"},
            {"article": "meridian-medvedev-baseline", "outcome": "new", "themes": ["anti_us_alliance"],
             "note": "baseline 000 verbatim in Meridian chrome; should score as the best match for its theme"},
            {"article": "meridian-kazakhstan-rail-grain", "outcome": "new", "themes": ["eurasian_security_architecture"],
             "note": "mostly a rail/grain trade story; the theme is in ONE paragraph (paragraph 6)"},
            {"article": "meridian-nato-ministers", "outcome": "new", "themes": [],
             "note": "hard negative: NATO, Russia, 'Euro-Atlantic', alliance vocabulary, but none of the themes; original of the utm/fragment duplicate in policy-digest"},
            {"link": "/meridian/old/2026/03/front-line-thaw.html", "article": "meridian-ukraine-front", "outcome": "new", "themes": [],
             "note": "old URL; the server answers 301 to the new location. Hard negative: Ukraine front line"},
            {"article": "meridian-markets", "outcome": "new", "themes": [], "note": "unrelated: markets"},
            {"link": "/meridian/world/2026/03/ministers-meet-on-baltic-fisheries-quotas.html", "outcome": "fetch_failed", "themes": [],
             "title": "Ministers meet on Baltic fisheries quotas",
             "description": "EU fisheries ministers begin two days of talks on cod and herring quotas for the Baltic Sea.",
             "published": "2026-03-13T07:10:00+00:00",
             "note": "the page is gone: 404"},
            {"article": "meridian-video-icebreaker", "outcome": "no_text", "themes": [],
             "note": "video page; the only text is one caption line"},
        ],
    },
    {
        "key": "eastern-review", "name": "Eastern Review", "format": "atom",
        "path": "/feeds/eastern-review.xml", "site": "/eastern/", "status": "ok",
        "description": "Analysis from Central Europe to the Pacific.",
        "entries": [
            {"article": "eastern-allies-complain-baseline", "outcome": "new", "themes": ["russia_unreliable_ally"],
             "note": "baseline 001 verbatim in Eastern Review chrome"},
            {"article": "eastern-armenia-break", "outcome": "new", "themes": ["russia_unreliable_ally"],
             "note": "theme echo: Armenian voices, CSTO freeze; original of the policy-digest mirror"},
            {"article": "eastern-military-bloc-analysis", "outcome": "new", "themes": ["anti_us_alliance"],
             "note": "theme echo: Iranian, North Korean and Chinese voices, joint drills; other outlet's voice"},
            {"article": "eastern-brics-trade", "outcome": "new", "themes": [],
             "note": "hard negative: BRICS trade, local currencies, no security bloc"},
            {"article": "eastern-iran-talks", "outcome": "new", "themes": [],
             "note": "hard negative: Iran nuclear talks with European powers"},
            {"article": "eastern-tallinn-chip-startup", "outcome": "new", "themes": [], "note": "unrelated: tech"},
            {"link": "/eastern/files/2026/central-asia-transport-corridors.pdf", "outcome": "not_html", "themes": [],
             "title": "Report: Central Asian transport corridors 2026 (PDF)",
             "description": "Our 12-page research note on rail, road and Caspian shipping routes, as a PDF download.",
             "published": "2026-02-20T09:00:00+00:00",
             "note": "links to a PDF (served as application/pdf)"},
        ],
    },
    {
        "key": "policy-digest", "name": "Policy Digest", "format": "rss",
        "path": "/feeds/policy-digest.xml", "site": "/policy/", "status": "ok",
        "description": "Briefs, commentary and the best of the week's reading on security, trade and diplomacy.",
        "entries": [
            {"article": "policy-eurasia-baseline", "outcome": "new", "themes": ["eurasian_security_architecture"],
             "note": "baseline 002 verbatim in Policy Digest chrome"},
            {"article": "policy-minsk-charter", "outcome": "new", "themes": ["eurasian_security_architecture"],
             "note": "theme echo: Minsk conference drafts an indivisible Eurasian security charter"},
            {"article": "policy-after-damascus", "outcome": "new", "themes": ["russia_unreliable_ally"],
             "note": "theme echo: Syria, Iran, Mali; partners weigh Russia's worth as a protector"},
            {"article": "meridian-nato-ministers",
             "link_suffix": "?utm_source=policydigest&utm_medium=rss&utm_campaign=weekly#comments",
             "title": "Worth reading: NATO ministers haggle over spending timelines",
             "published": "2026-03-14T08:00:00+00:00",
             "outcome": "duplicate_url", "themes": [], "duplicate_of": ["meridian-world", "meridian-nato-ministers"],
             "note": "same URL as the meridian-world entry once utm_* params and the #fragment are dropped"},
            {"link": "{{BASE}}/click?url={{BASE_Q}}/baltic/weather/2026/03/late-winter-storm-heavy-snow-baltic-coast.html",
             "article": "baltic-storm", "outcome": "new", "themes": [],
             "published": "2026-03-14T08:05:00+00:00",
             "note": "redirect wrapper: /click answers 302 to the Baltic Ledger page. Unrelated: weather"},
            {"article": "baltic-defence-pact-syndicated", "outcome": "near_duplicate", "themes": ["anti_us_alliance"],
             "duplicate_of": ["meridian-world", "meridian-kremlin-defence-pact"],
             "note": "syndicated near-copy in a third outlet: two-sentence intro added, ~5% of words changed"},
            {"article": "policy-armenia-mirror", "outcome": "duplicate_text", "themes": ["russia_unreliable_ally"],
             "duplicate_of": ["eastern-review", "eastern-armenia-break"],
             "note": "mirror: the same article text at another URL, in Policy Digest chrome, canonical = its own URL"},
        ],
    },
    {
        "key": "baltic-ledger", "name": "Baltic Ledger", "format": "rss",
        "path": "/feeds/baltic-ledger.xml", "site": "/baltic/", "status": "failed",
        "description": "", "entries": [],
        "note": "the server answers 500 (routes.toml); no file is served for it",
    },
]


def entry_link(e: dict, arts: dict) -> str:
    if "link" in e:
        return e["link"] if e["link"].startswith("{{") else BASE + e["link"]
    return BASE + arts[e["article"]]["path"] + e.get("link_suffix", "")


def entry_fields(e: dict, arts: dict) -> dict:
    a = arts.get(e.get("article", ""), {})
    published = dt.datetime.fromisoformat(e["published"]) if "published" in e else a["published_dt"] + dt.timedelta(minutes=5)
    return {
        "title": e.get("title", a.get("title")),
        "description": e.get("description", a.get("description")),
        "author": e.get("author", a.get("author")),
        "link": entry_link(e, arts),
        "published": published,
    }


def x(text: str) -> str:
    return html.escape(text, quote=False)


def newest_first(f: dict, arts: dict) -> list[dict]:
    return sorted(f["entries"], key=lambda e: entry_fields(e, arts)["published"], reverse=True)


def rss_feed(f: dict, arts: dict) -> str:
    items = []
    for e in newest_first(f, arts):
        v = entry_fields(e, arts)
        guid_path = e.get("article") or e["link"]
        creator = f"\n      <dc:creator>{x(v['author'])}</dc:creator>" if v["author"] else ""
        items.append(f"""    <item>
      <title>{x(v["title"])}</title>
      <link>{x(v["link"])}</link>
      <guid isPermaLink="false">{f["key"]}:{x(guid_path)}</guid>
      <pubDate>{email.utils.format_datetime(v["published"])}</pubDate>{creator}
      <description>{x(v["description"])}</description>
    </item>""")
    last = max(entry_fields(e, arts)["published"] for e in f["entries"])
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{x(f["name"])}</title>
    <link>{BASE}{f["site"]}</link>
    <description>{x(f["description"])}</description>
    <language>en</language>
    <lastBuildDate>{email.utils.format_datetime(last)}</lastBuildDate>
    <atom:link href="{BASE}{f["path"]}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
  </channel>
</rss>
"""


def atom_feed(f: dict, arts: dict) -> str:
    entries = []
    for e in newest_first(f, arts):
        v = entry_fields(e, arts)
        ident = e.get("article") or e["link"].rsplit("/", 1)[-1]
        author = f"\n    <author><name>{x(v['author'])}</name></author>" if v["author"] else ""
        entries.append(f"""  <entry>
    <title>{x(v["title"])}</title>
    <link rel="alternate" href="{x(v["link"])}"/>
    <id>tag:eastern-review.example,2026:{x(ident)}</id>
    <published>{v["published"].isoformat()}</published>
    <updated>{v["published"].isoformat()}</updated>{author}
    <summary>{x(v["description"])}</summary>
  </entry>""")
    last = max(entry_fields(e, arts)["published"] for e in f["entries"])
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">
  <title>{x(f["name"])}</title>
  <subtitle>{x(f["description"])}</subtitle>
  <link rel="alternate" type="text/html" href="{BASE}{f["site"]}"/>
  <link rel="self" type="application/atom+xml" href="{BASE}{f["path"]}"/>
  <id>tag:eastern-review.example,2026:feed</id>
  <updated>{last.isoformat()}</updated>
{chr(10).join(entries)}
</feed>
"""


# --------------------------------------------------------------------------------------------
# A tiny valid PDF (one page, one line of text), offsets computed so the xref table is right
# --------------------------------------------------------------------------------------------

def tiny_pdf(lines: list[str]) -> bytes:
    text_ops = ["BT", "/F1 14 Tf", "72 760 Td", "18 TL"]
    for line in lines:
        safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text_ops.append(f"({safe}) Tj T*")
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (Central Asian transport corridors 2026) /Author (Eastern Review) /Producer (newsmon demo) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objs) + 1}\n".encode() + b"0000000000 65535 f \n"
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


# --------------------------------------------------------------------------------------------
# expected.toml
# --------------------------------------------------------------------------------------------

def tq(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expected_toml(arts: dict) -> str:
    out = [
        "# What `newsmon demo` should do with every entry of demo/feeds.toml, fed from demo/corpus/.",
        "# Generated by demo/build_corpus.py (edit FEEDS there, not this file).",
        "#",
        "# outcome: new | duplicate_url | duplicate_text | near_duplicate | fetch_failed | not_html | no_text",
        "# themes:  the tracked themes the entry's TEXT matches, whatever its outcome. Only entries with",
        "#          outcome = \"new\" should raise an alert; a duplicate of a themed story lists the theme",
        "#          but must not alert a second time.",
        "# duplicate_of: the feed entry (feed, link) it duplicates. Feeds are listed in feeds.toml order",
        "#          and every original sits in an earlier feed than its copy; if feeds run concurrently",
        "#          the two members of a pair may swap roles (one must be new, the other the duplicate).",
        "# link:    exactly as in the feed (after XML unescaping), with the {{BASE}} / {{BASE_Q}} placeholders.",
        "",
    ]
    by_key = {(f["key"], e.get("article")): (f, e) for f in FEEDS for e in f["entries"]}
    for f in FEEDS:
        out.append("[[feed_status]]")
        out.append(f"feed = {tq(f['key'])}")
        out.append(f"url = {tq(BASE + f['path'])}")
        out.append(f"status = {tq(f['status'])}")
        out.append(f"entries = {len(f['entries'])}")
        if f.get("note"):
            out.append(f"note = {tq(f['note'])}")
        out.append("")
    for f in FEEDS:
        for e in f["entries"]:
            assert e["outcome"] in OUTCOMES, e
            assert all(t in THEMES for t in e["themes"]), e
            out.append("[[entry]]")
            out.append(f"feed = {tq(f['key'])}")
            out.append(f"link = {tq(entry_link(e, arts))}")
            if e.get("article") and arts[e["article"]]["kind"] == "article":
                out.append(f"final_url = {tq(BASE + arts[e['article']]['path'])}")
            out.append(f"outcome = {tq(e['outcome'])}")
            out.append("themes = [" + ", ".join(tq(t) for t in e["themes"]) + "]")
            if e.get("duplicate_of"):
                of_feed, of_art = e["duplicate_of"]
                of_f, of_e = by_key[(of_feed, of_art)]
                out.append(f"duplicate_of = {{ feed = {tq(of_feed)}, link = {tq(entry_link(of_e, arts))} }}")
            if e.get("article") and arts[e["article"]]["kind"] == "article":
                a = arts[e["article"]]
                out.append(f"title = {tq(a['title'])}")
                out.append(f"author = {tq(a['author'])}")
                out.append(f"date = {tq(a['published_dt'].date().isoformat())}")
            out.append(f"note = {tq(e['note'])}")
            out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------

def main() -> None:
    arts = load_articles()
    # wipe generated content (keep routes.toml and index.html, which are hand-written)
    for sub in ("meridian", "eastern", "policy", "baltic", "feeds"):
        shutil.rmtree(CORPUS / sub, ignore_errors=True)
    for a in arts.values():
        target = CORPUS / a["path"].lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(TEMPLATES[a["outlet"]](a, arts), encoding="utf-8")
    (CORPUS / "feeds").mkdir(parents=True, exist_ok=True)
    for f in FEEDS:
        if f["status"] != "ok":
            continue
        text = rss_feed(f, arts) if f["format"] == "rss" else atom_feed(f, arts)
        (CORPUS / f["path"].lstrip("/")).write_text(text, encoding="utf-8")
    pdf = CORPUS / "eastern/files/2026/central-asia-transport-corridors.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(tiny_pdf([
        "Eastern Review research note",
        "Central Asian transport corridors 2026",
        "Demo file for newsmon: a PDF link in a feed must be reported as not_html.",
    ]))
    (DEMO / "expected.toml").write_text(expected_toml(arts), encoding="utf-8")
    n_pages = sum(1 for _ in CORPUS.rglob("*.html"))
    print(f"wrote {len(arts)} article pages ({n_pages} .html files incl. index), "
          f"{sum(1 for f in FEEDS if f['status'] == 'ok')} feeds, 1 PDF, expected.toml "
          f"({sum(len(f['entries']) for f in FEEDS)} entries)")


if __name__ == "__main__":
    main()
