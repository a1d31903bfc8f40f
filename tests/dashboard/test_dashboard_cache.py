"""The dashboard's page cache: a request arriving while the warm-up computes the same
page waits for it instead of computing the page a second time beside it (at a million
records each computation is seconds of the registry's CPU); a new cache (a restarted
registry) shows the page kept in the database at once and computes it afresh in one
background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from helpdesk.registry.dashboard import figures
from helpdesk.registry.dashboard.stored import KeptPages
from helpdesk.registry.db import open_db
from helpdesk.registry.schema import kiosks, records
from helpdesk.reports.plan import load_plan
from helpdesk.reports.testing import plan_records, registry_rows

TODAY = date(2026, 12, 6)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_db(f"sqlite:///{tmp_path / 'registry.db'}")
    try:
        yield engine
    finally:
        engine.dispose()


def test_a_request_during_the_warm_up_waits_for_its_page(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[int] = []
    asked: list[int] = []
    second_asked = threading.Event()
    real_compute, real_version = figures.compute, figures.data_version

    def compute(*args: Any, **kwargs: Any) -> figures.Dashboard:  # pass-through spy
        computed.append(1)
        if len(computed) == 1:
            assert second_asked.wait(60)  # the second request is under way while this one computes
        return real_compute(*args, **kwargs)

    def data_version(engine: Engine) -> tuple[Any, ...]:  # pass-through spy: marks each request's arrival
        version = real_version(engine)
        asked.append(1)
        if len(asked) == 2:
            second_asked.set()
        return version

    monkeypatch.setattr(figures, "compute", compute)
    monkeypatch.setattr(figures, "data_version", data_version)
    cache, plan = figures.Cache(), load_plan()
    pages: list[figures.Dashboard] = []
    warm_up = threading.Thread(target=lambda: pages.append(cache.get(engine, plan, (), 2018, TODAY)))
    warm_up.start()
    pages.append(cache.get(engine, plan, (), 2018, TODAY))
    warm_up.join(60)

    assert len(pages) == 2 and pages[0] is pages[1]
    assert len(computed) == 1


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(records), list(registry_rows(plan_records(load_plan())[::10], "kiosk-01")))
        conn.execute(insert(kiosks).values(id="kiosk-01", public_key="k", unit="snv", enrolled_at="2026-01-01",
                                           head_seq=400, head_hash="h", reported_audit_seq=420, reported_pending=20,
                                           reported_at="2026-12-01T08:00:00.000000Z"))


def _held_fresh(cache: figures.Cache, engine: Engine) -> figures.Dashboard:
    """The page once the background computation has replaced the kept one (waits at most a minute)."""
    deadline = time.monotonic() + 60
    while True:
        page = cache.get(engine, load_plan(), (), 2018, TODAY)
        if not page.restored or time.monotonic() > deadline:
            return page
        time.sleep(0.05)


def test_a_restarted_cache_shows_the_kept_page_at_once_and_recomputes_it_in_one_thread(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(engine)
    plan = load_plan()
    before = figures.Cache(KeptPages()).get(engine, plan, (), 2018, TODAY)
    assert not before.restored and before.expiry and before.activity and before.kiosks[0].pending == 20

    threads: list[str] = []
    entered, release = threading.Event(), threading.Event()
    real_compute = figures.compute

    def compute(*args: Any, **kwargs: Any) -> figures.Dashboard:  # pass-through spy, held until released
        threads.append(threading.current_thread().name)
        entered.set()
        assert release.wait(60)
        return real_compute(*args, **kwargs)

    monkeypatch.setattr(figures, "compute", compute)
    restarted = figures.Cache(KeptPages())  # a new process: nothing held in memory
    shown = restarted.get(engine, plan, (), 2018, TODAY)
    again = restarted.get(engine, plan, (), 2018, TODAY)
    assert shown.restored and again is shown  # served while the fresh page is being computed
    assert replace(shown, restored=False) == before  # every figure as kept, to the computation time
    assert entered.wait(60)
    assert threads == ["dashboard-refresh"]  # one background computation, none in the requests
    release.set()
    fresh = _held_fresh(restarted, engine)
    assert not fresh.restored
    assert replace(fresh, seconds=0.0, computed_at="") == replace(before, seconds=0.0, computed_at="")
    assert threads == ["dashboard-refresh"]
    kept_again = figures.Cache(KeptPages()).get(engine, plan, (), 2018, TODAY)  # the fresh page was kept
    assert kept_again.computed_at == fresh.computed_at


def test_a_page_kept_for_another_plan_is_not_shown(engine: Engine) -> None:
    _seed(engine)
    plan = load_plan()
    figures.Cache(KeptPages()).get(engine, plan, (), 2018, TODAY)
    edited = replace(plan, targets=plan.targets[1:])  # the plan file changed since
    page = figures.Cache(KeptPages()).get(engine, edited, (), 2018, TODAY)
    assert not page.restored and [m.metric for m in page.metrics] == [t.metric for t in edited.targets]
    assert figures.Cache(KeptPages()).get(engine, edited, (), 2018, TODAY).restored  # kept for this plan now
