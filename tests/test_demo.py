"""The demo end to end, checked against demo/expected.toml; the README's queries run on its database."""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest
from rich.console import Console

from tests.conftest import ROOT

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    from newsmon.demo import run_demo

    data = tmp_path_factory.mktemp("demo")
    buf = io.StringIO()
    run_demo(data, console=Console(file=buf, width=160))
    return data / "newsmon.duckdb", buf.getvalue()


def _q(db: Path, sql: str) -> tuple[list[str], list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql)
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()


def test_every_entry_gets_its_expected_outcome(demo_run) -> None:
    db, _ = demo_run
    expected = tomllib.loads((ROOT / "demo" / "expected.toml").read_text())
    _, rows = _q(db, "SELECT link, outcome FROM entries")
    actual = {re.sub(r"http://127\.0\.0\.1:\d+", "{{BASE}}", unquote(link)): outcome for link, outcome in rows}
    want = {e["link"].replace("{{BASE_Q}}", "{{BASE}}"): e["outcome"] for e in expected["entry"]}
    assert actual == want


def test_theme_matches_and_alerts_on_the_demo(demo_run) -> None:
    db, output = demo_run
    expected = tomllib.loads((ROOT / "demo" / "expected.toml").read_text())
    want = {(e["title"], t) for e in expected["entry"] if e["outcome"] == "new" for t in e["themes"]}
    _, rows = _q(db, "SELECT title, theme FROM theme_matches WHERE matched")
    got = set(rows)
    missed = want - got
    assert not missed, f"theme stories the matcher missed: {missed}"
    _, sent = _q(db, "SELECT count(*) FROM alerts WHERE status = 'sent' AND kind = 'immediate'")
    assert sent[0][0] >= len({t for _, t in want})
    assert "alert(s) received by the local chat receiver" in output
    assert "second run: 0 new article(s), 0 page(s) fetched" in output and "0 alert(s) sent" in output


def readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sql\n(.*?)```", text, flags=re.S)


def test_readme_queries_run_on_the_demo_database(demo_run) -> None:
    db, _ = demo_run
    queries = readme_queries()
    assert len(queries) >= 6
    for sql in queries:
        cols, _ = _q(db, sql)
        assert cols, sql
