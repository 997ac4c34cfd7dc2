"""Shared fixtures: a real HTTP server on 127.0.0.1, a real DuckDB file, one Prefect test server."""

from __future__ import annotations

import os
import random
import shutil
import textwrap
from pathlib import Path

import pytest

from newsmon.localserver import CorpusServer

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

_WORDS = ("harbour council budget river freight ministry station rainfall winter bridge tariff grain "
          "school clinic pension railway election harvest museum airport steel coal wind solar court "
          "mayor senate port ferry orchard vineyard tunnel reservoir drought festival library").split()


def paragraphs(seed: int, n: int = 5) -> list[str]:
    """Deterministic, distinct prose for fixture articles."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        sentences = []
        for _ in range(4):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(9, 15))]
            sentences.append(" ".join(words).capitalize() + ".")
        out.append(" ".join(sentences))
    return out


def page_html(title: str, paras: list[str], site: str = "Fixture Times", author: str = "Ana Writer",
              date: str = "2026-11-20", chrome: str = "a", lang: str = "en") -> str:
    """A news page with real-looking chrome around the article."""
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    nav = ("<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>" if chrome == "a"
           else "<header><ul><li>News</li><li>Opinion</li><li>Weather</li></ul></header>")
    return textwrap.dedent(f"""\
        <!doctype html>
        <html lang="{lang}"><head><meta charset="utf-8"><title>{title} | {site}</title>
        <meta name="author" content="{author}">
        <meta property="og:site_name" content="{site}">
        <meta property="og:title" content="{title}">
        <meta property="article:published_time" content="{date}T08:00:00Z">
        </head><body>
        {nav}
        <div class="cookie">We use cookies to improve your experience. Accept all?</div>
        <article><h1>{title}</h1><p class="byline">By {author}</p>
        {body}
        </article>
        <aside><h3>Related</h3><ul><li><a href="/x">Other story one</a></li><li><a href="/y">Other story two</a></li></ul></aside>
        <footer>Copyright 2026 {site}. All rights reserved.</footer>
        </body></html>
        """)


def rss(title: str, items: list[tuple[str, str, str]]) -> str:
    """RSS 2.0 with (title, link, guid) items."""
    body = "\n".join(
        f"<item><title>{t}</title><link>{link}</link><guid isPermaLink=\"false\">{g}</guid>"
        f"<pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate><description>About {t}</description></item>"
        for t, link, g in items)
    return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title>"
            f"<link>{{{{BASE}}}}/</link><description>{title}</description>\n{body}\n</channel></rss>\n")


def atom(title: str, items: list[tuple[str, str, str]]) -> str:
    """Atom 1.0 with (title, link, id) entries."""
    body = "\n".join(
        f"<entry><title>{t}</title><link rel=\"alternate\" href=\"{link}\"/><id>{g}</id>"
        f"<updated>2026-11-20T08:00:00Z</updated><summary>About {t}</summary></entry>"
        for t, link, g in items)
    return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
            f"<title>{title}</title><id>urn:{title}</id><updated>2026-11-20T08:00:00Z</updated>\n{body}\n</feed>\n")


def build_site(root: Path) -> Path:
    """Write the test site: two good feeds sharing a story, a mirror, a 404, a PDF, a 500 feed."""
    def write(rel: str, text: str | bytes) -> None:
        path = root / rel.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))

    a1 = paragraphs(1)
    write("/alpha/a1.html", page_html("Harbour council passes budget", a1))
    write("/alpha/a2.html", page_html("Rainfall fills the reservoir", paragraphs(2)))
    write("/shared/story.html", page_html("Railway tunnel opens", paragraphs(3)))
    write("/beta/b1.html", page_html("Vineyard harvest festival", paragraphs(4), site="Beta Post", chrome="b"))
    # Same article text as a1, another outlet's chrome: an exact text duplicate.
    write("/beta/mirror.html", page_html("Harbour council passes budget", a1, site="Beta Post", chrome="b",
                                         author="Wire Desk"))
    write("/beta/video.html", page_html("Watch: ferry arrives", ["Video: the ferry arrives."], site="Beta Post"))
    write("/files/report.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    write("/feeds/alpha.xml", rss("Alpha News", [
        ("Harbour council passes budget", "{{BASE}}/alpha/a1.html", "alpha-1"),
        ("Rainfall fills the reservoir", "{{BASE}}/alpha/a2.html?utm_source=rss&utm_medium=feed", "alpha-2"),
        ("Railway tunnel opens", "{{BASE}}/shared/story.html", "alpha-3"),
        ("Entry without a link", "", "alpha-4"),
    ]))
    write("/feeds/beta.xml", atom("Beta Post", [
        ("Vineyard harvest festival", "{{BASE}}/beta/b1.html", "beta-1"),
        ("Railway tunnel opens (syndicated)", "{{BASE}}/shared/story.html?utm_campaign=x&fbclid=abc#comments", "beta-2"),
        ("Harbour council passes budget", "{{BASE}}/beta/mirror.html", "beta-3"),
        ("A story that is gone", "{{BASE}}/beta/gone.html", "beta-4"),
        ("The annual report", "{{BASE}}/files/report.pdf", "beta-5"),
        ("Watch: ferry arrives", "{{BASE}}/beta/video.html", "beta-6"),
    ]))
    write("/routes.toml", '[[route]]\npath = "/feeds/broken.xml"\nstatus = 500\n')
    return root


@pytest.fixture()
def site(tmp_path: Path):
    """The test site, served on 127.0.0.1 for the test's duration."""
    root = build_site(tmp_path / "site")
    with CorpusServer(root) as server:
        yield server


def write_config(target: Path, base_url: str, feeds: list[tuple[str, str]], db_path: Path,
                 alerts: str = "") -> Path:
    """A complete config folder: the project's themes and baselines, these feeds, a tmp database."""
    cfg = target / "config"
    cfg.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "config" / "baselines", cfg / "baselines", dirs_exist_ok=True)
    shutil.copy(ROOT / "config" / "themes.toml", cfg / "themes.toml")
    (cfg / "settings.toml").write_text(
        f"[database]\npath = '{db_path}'\ndata_dir = '{target / 'data'}'\n"
        "[fetch]\nallow_private_networks = true\nper_host_delay_s = 0.0\nper_host_concurrency = 4\n"
        "timeout_s = 5.0\nconnect_timeout_s = 2.0\n"
        "[feeds]\nbackoff_base_minutes = 0.0\n"  # tests run back to back: no back-off unless a test asks
        "[retries]\nfeed_retries = 1\ndelays_s = [0.05]\n", encoding="utf-8")
    lines = []
    for name, url in feeds:
        lines.append(f"[[feed]]\nname = '{name}'\nurl = '{url.replace('{{BASE}}', base_url)}'\n")
    (cfg / "feeds.toml").write_text("\n".join(lines), encoding="utf-8")
    (cfg / "alerts.toml").write_text(alerts, encoding="utf-8")
    return cfg


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory):
    """One Prefect test server for the whole session (it takes 5-10 s to start)."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
