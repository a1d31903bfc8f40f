"""The dashboard's HTTP contract without a browser: CSRF on the forms, sessions that
expire at the registry, the staff commands, the same figures on PostgreSQL, and the
last figures shown at once after a restart."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from dashboard_site import BEHIND, STAFF, Site, build_site
from sqlalchemy import update

from helpdesk.registry.dashboard.schema import sessions
from helpdesk.registry.testing import PostgresServer
from helpdesk.testing.cli import run_cli


def _client(site: Site) -> httpx.Client:
    return httpx.Client(base_url=site.url, follow_redirects=False, timeout=60)


def _log_in(client: httpx.Client, password: str = STAFF[1]) -> httpx.Response:
    client.get("/dashboard/login")
    csrf = client.cookies.get("hd_csrf")
    return client.post("/dashboard/login", data={"csrf": csrf or "", "name": STAFF[0], "password": password})


def test_log_in_needs_the_forms_csrf_token(site: Site) -> None:
    with _client(site) as client:
        forged = client.post("/dashboard/login", data={"csrf": "x", "name": STAFF[0], "password": STAFF[1]})
        assert forged.status_code == 303 and "error=bad_form" in forged.headers["location"]
        assert "hd_session" not in forged.cookies
        wrong = _log_in(client, "sai-mat-khau")
        assert wrong.status_code == 401 and "hd_session" not in wrong.cookies
        good = _log_in(client)
        assert good.status_code == 303 and good.headers["location"].startswith("/dashboard")
        cookie = good.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
        page = client.get("/dashboard")
        assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
        assert "<script" not in page.text and not re.search(r'(src|href)="(https?:)?//', page.text)  # no CDN
        client.post("/dashboard/logout", data={"csrf": "forged"})  # a forged log-out does nothing
        assert client.get("/dashboard").status_code == 200


def test_a_session_expires_at_the_registry(site: Site) -> None:
    with _client(site) as client:
        assert _log_in(client).status_code == 303
        assert client.get("/dashboard").status_code == 200
        with site.engine.begin() as conn:
            conn.execute(update(sessions).values(expires_at="2000-01-01T00:00:00.000000Z"))
        gone = client.get("/dashboard")
        assert gone.status_code == 303 and "error=expired" in gone.headers["location"]
        again = client.get(gone.headers["location"])
        assert "Phiên làm việc đã hết hạn" in again.text


def test_staff_commands(site: Site) -> None:
    added = run_cli("--lang", "en", "registry", "staff", "add", "tran.b", "--db", site.db_url, "--password-stdin",
                    "--display-name", "Trần Văn B", input="mot-mat-khau-dai\n")
    assert added.returncode == 0, added.stderr
    short = run_cli("--lang", "en", "registry", "staff", "add", "le.c", "--db", site.db_url, "--password-stdin",
                    input="ngan\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    listed = json.loads(run_cli("registry", "staff", "list", "--json", "--db", site.db_url).stdout)
    assert {s["name"]: s["display_name"] for s in listed["staff"]} == {"canbo.snv": "Nguyễn Thị Lan",
                                                                        "tran.b": "Trần Văn B"}
    assert "scrypt" not in json.dumps(listed)
    with _client(site) as client:
        client.get("/dashboard/login")
        ok = client.post("/dashboard/login", data={"csrf": client.cookies.get("hd_csrf") or "", "name": "tran.b",
                                                   "password": "mot-mat-khau-dai"})
        assert ok.status_code == 303
        assert run_cli("registry", "staff", "disable", "tran.b", "--db", site.db_url).returncode == 0
        assert client.get("/dashboard").status_code == 303  # disabling ends the sessions


@pytest.fixture(scope="module")
def pg_site(tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("dashboard-pg")
    yield from build_site(base, postgres_server.create_database())


def test_the_page_on_postgresql_shows_the_plans_table(pg_site: Site) -> None:
    with _client(pg_site) as client:
        _log_in(client)
        page = client.get("/dashboard?year=2018").text
    cells = {m: re.findall(r'<td class="n">(?:<b>)?([\d.–]+ / [\d.–]+)', row)
             for m, row in re.findall(r'<tr data-metric="([^"]+)">(.*?)</tr>', page)}
    assert cells["cert.new.person"] == ["408 / 408", "1.062 / 1.062", "1.298 / 1.298", "0 / –", "2.768 / 2.768"]
    assert cells["training.classes"][-1] == "94 / 94" and cells["budget"] == ["723.360.000 / 723.360.000"]
    assert 'data-unit="q-ninh-kieu"' in page.split('id="lagging"')[1].split("</table>")[0]
    expiry = page.split('id="expiry"')[1].split("</table>")[0]
    expired = [int(n.replace(".", "")) for n in re.findall(r'<tr data-unit="[^"]+"><td>[^<]+</td><td class="n">([\d.]+)', expiry)]
    assert sum(expired) == 718 + 2768 + 243 + 397  # every plan-era certificate (not_after 2020–2023) has run out
    pending = dict(re.findall(r'<tr data-kiosk="([^"]+)"(?: class="silent")?>.*?<td class="n pending[^"]*">([^<]+)', page))
    assert pending == {"kiosk-an-binh-01": "–", BEHIND: "21", "kiosk-ninh-kieu-01": "0"}
    assert re.findall(r'<tr data-kiosk="([^"]+)" class="silent">', page) == [BEHIND]


def test_log_in_page_is_english_with_lang_en(site: Site) -> None:
    with _client(site) as client:
        assert "Log in" in client.get("/dashboard/login?lang=en").text
        assert client.get("/dashboard?lang=en").headers["location"] == "/dashboard/login?lang=en"


def _figures(page: str) -> tuple[dict[str, list[str]], str]:
    """The plan table's cells and the page's "computed at" time."""
    cells = {m: re.findall(r'<td class="n">(?:<b>)?([\d.–]+ / [\d.–]+)', row)
             for m, row in re.findall(r'<tr data-metric="([^"]+)">(.*?)</tr>', page)}
    computed = re.search(r"tính lúc (\d\d/\d\d/\d{4} \d\d:\d\d:\d\d UTC)", page)
    assert computed, page[-600:]
    return cells, computed.group(1)


def test_after_a_restart_the_last_figures_are_shown_at_once_then_recomputed(site: Site) -> None:
    with _client(site) as client:
        _log_in(client)
        page = client.get("/dashboard?year=2018").text
        deadline = time.monotonic() + 120
        while 'id="restored"' in page and time.monotonic() < deadline:  # a page kept by an earlier test's server
            time.sleep(0.2)
            page = client.get("/dashboard?year=2018").text
        cells, computed = _figures(page)
        assert cells["cert.new.person"][-1] == "2.768 / 2.768" and 'id="restored"' not in page

        site.server.stop()
        site.server.start()  # a new process: nothing in memory; the session is the registry's, it stays
        kept = client.get("/dashboard?year=2018")
        assert kept.status_code == 200
        assert _figures(kept.text) == (cells, computed)  # the same figures, computed before the restart …
        notice = re.search(r'<p id="restored"[^>]*>([^<]+)</p>', kept.text)
        assert notice and f"Số liệu lúc {computed[11:16]} ngày {computed[:10]} (UTC)" in notice.group(1)  # … so said
        english = client.get("/dashboard?year=2018&lang=en").text
        assert f"Figures as of {computed[11:16]} on {computed[:10]} (UTC)" in english

        deadline = time.monotonic() + 120  # meanwhile one thread computes the page afresh
        page = kept.text
        while 'id="restored"' in page and time.monotonic() < deadline:
            time.sleep(0.2)
            page = client.get("/dashboard?year=2018").text
        assert 'id="restored"' not in page and _figures(page)[0] == cells
