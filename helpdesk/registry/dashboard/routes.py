"""``/dashboard`` on the registry's app: log-in, log-out and the page of figures.

A request without a live session is sent to ``/dashboard/login`` (303). The log-in form
carries a double-submit CSRF token (cookie + field); the log-out form a token derived
from the session. Cookies are HttpOnly, SameSite=Strict, scoped to ``/dashboard`` and
Secure over HTTPS. The page is computed in FastAPI's thread pool (blocking SQL).
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from helpdesk.registry.dashboard import accounts, pages
from helpdesk.registry.dashboard.figures import Cache
from helpdesk.registry.dashboard.stored import KeptPages
from helpdesk.reports.plan import Plan
from helpdesk.secret import Secret
from helpdesk.workflow.types import ReportSection

SESSION_COOKIE = "hd_session"
CSRF_COOKIE = "hd_csrf"
PLAN_ENV = "HELPDESK_PLAN_FILE"
MAX_FORM = 4096


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "vi"


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/dashboard", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM:
        return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


class _Config:
    """Plan and sections, loaded on first use (plugins load in the registry process)."""

    def __init__(self, plan: Plan | None, sections: tuple[ReportSection, ...] | None) -> None:
        self._plan = plan
        self._sections = sections
        self._lock = threading.Lock()

    def get(self) -> tuple[Plan, tuple[ReportSection, ...]]:
        with self._lock:
            if self._plan is None:
                from helpdesk.reports.plan import load_plan

                raw = os.environ.get(PLAN_ENV)
                self._plan = load_plan(Path(raw) if raw else None)
            if self._sections is None:
                from helpdesk import plugins

                self._sections = plugins.collect_report_sections().value
            return self._plan, self._sections


def default_year(plan: Plan) -> int:
    from datetime import date

    this = date.today().year
    return this if this in plan.years else plan.years[-1]


def mount(app: FastAPI, engine: Engine, *, plan: Plan | None = None,
          sections: tuple[ReportSection, ...] | None = None) -> None:
    """Add the dashboard's routes to the registry's ``app`` (its tables come with the registry's migrations)."""
    config = _Config(plan, sections)
    cache = Cache(KeptPages())  # the last figures outlive a restart

    def warm_up() -> None:
        """While someone types their password, compute the page they will see."""
        def run() -> None:
            chosen_plan, chosen = config.get()
            cache.warm(engine, chosen_plan, chosen, default_year(chosen_plan))

        if cache.needs_warming():
            threading.Thread(target=run, name="dashboard-warm-up", daemon=True).start()

    @app.get("/dashboard/login", include_in_schema=False)
    def login_form(request: Request) -> HTMLResponse:
        warm_up()
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = HTMLResponse(pages.login_page(_lang(request), token, request.query_params.get("error", "")))
        _cookie(response, request, CSRF_COOKIE, token, max_age=3600)
        return response

    @app.post("/dashboard/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await _form(request)
        lang = _lang(request)
        expected = request.cookies.get(CSRF_COOKIE, "")
        if not expected or not secrets.compare_digest(expected, form.get("csrf", "")):
            return RedirectResponse(f"/dashboard/login?lang={lang}&error=bad_form", status_code=303)
        name = form.get("name", "").strip()
        from starlette.concurrency import run_in_threadpool

        display = await run_in_threadpool(accounts.authenticate, engine, name, Secret(form.get("password", "")))
        if display is None:
            token = secrets.token_urlsafe(24)
            refused = HTMLResponse(pages.login_page(lang, token, "bad_login", name), status_code=401)
            _cookie(refused, request, CSRF_COOKIE, token, max_age=3600)
            return refused
        session = await run_in_threadpool(accounts.open_session, engine, name)
        response = RedirectResponse(f"/dashboard?lang={lang}", status_code=303)
        _cookie(response, request, SESSION_COOKIE, session)
        response.delete_cookie(CSRF_COOKIE, path="/dashboard")
        return response

    @app.post("/dashboard/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        form = await _form(request)
        token = request.cookies.get(SESSION_COOKIE)
        if token and not accounts.csrf_ok(token, form.get("csrf")):
            return RedirectResponse("/dashboard", status_code=303)  # forged: nothing changes
        accounts.close_session(engine, token)
        response = RedirectResponse("/dashboard/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/dashboard")
        return response

    @app.get("/dashboard", include_in_schema=False)
    def dashboard(request: Request) -> Response:
        lang = _lang(request)
        token = request.cookies.get(SESSION_COOKIE)
        user = accounts.session_user(engine, token)
        if user is None or token is None:
            error = "&error=expired" if token else ""
            return RedirectResponse(f"/dashboard/login?lang={lang}{error}", status_code=303)
        plan, sections = config.get()
        raw = request.query_params.get("year", "")
        year = int(raw) if raw.isdigit() and int(raw) in plan.years else default_year(plan)
        board = cache.get(engine, plan, sections, year)
        response = HTMLResponse(pages.dashboard_page(board, lang, user, accounts.csrf_for(token)))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"
        return response
