"""The dashboard's page cache: a request arriving while the warm-up computes the same
page waits for it instead of computing the page a second time beside it (at a million
records each computation is seconds of the registry's CPU)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from helpdesk.registry.dashboard import figures
from helpdesk.registry.db import open_db
from helpdesk.reports.plan import load_plan

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
