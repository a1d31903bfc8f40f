"""Fixtures for the training plugin: a kiosk wired with the plugin, a class, trainees
with real SoftHSM2 tokens carrying test-CA certificates."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import helpdesk_training.plugin
import pytest
from helpdesk_training.model import Session, TrainingBook, TrainingClass

from helpdesk.extension import OperatorRef, WorkflowContext
from helpdesk.testing import rosters
from helpdesk.testing.ca import TestCA
from helpdesk.testing.host import type_text as type_text  # the tests import it from here
from helpdesk.testing.kit import Kiosk, Settings, TokenWorker, load_settings, open_kiosk
from helpdesk.testing.rosters import nfd as nfd  # the tests import it from here
from helpdesk.testing.softhsm import Issued, SoftHSMStore

TRAINER = OperatorRef("tr-lan", "Trần Thị Lan", "trainer")
CODE = "TH-2018-01"
UNIT = "snv"
OTHER_UNIT = "stp"

#: name, ID number, unit
PEOPLE = [
    ("Nguyễn Thị Ánh Tuyết", "092186001234", UNIT),
    ("Phạm Quốc Việt", "092186004321", UNIT),
    ("Lê Hoàng Đức", "092186005555", UNIT),
    ("Võ Thị Hồng Nhung", "092186006666", OTHER_UNIT),
    ("Trương Minh Khôi", "092186007777", OTHER_UNIT),
]

HEADERS = ["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Số định danh cá nhân (CCCD/CMND)", "Số hiệu thiết bị"]


def write_xlsx(path: Path, rows: list[list[Any]], headers: list[str] = HEADERS) -> Path:
    return rosters.write_xlsx(path, rows, headers, "DANH SÁCH HỌC VIÊN LỚP TẬP HUẤN")


def write_csv(path: Path, rows: list[list[Any]], headers: list[str] = HEADERS, delimiter: str = ",") -> Path:
    return rosters.write_csv(path, rows, headers, delimiter)


def roster_rows(people: list[tuple[str, str, str]]) -> list[list[Any]]:
    names = {UNIT: "Sở Nội vụ", OTHER_UNIT: "Sở Tư pháp"}
    return [[i, nfd(name), "Chuyên viên", nfd(names[unit]), national, None]
            for i, (name, national, unit) in enumerate(people, 1)]


@pytest.fixture
def training_plugin(register_plugin: Callable[..., str]) -> str:
    return register_plugin(helpdesk_training.plugin, "training")


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def kiosk(training_plugin: str, settings: Settings, token_worker: TokenWorker) -> Iterator[Kiosk]:
    with open_kiosk(settings, worker=token_worker) as opened:
        yield opened


@pytest.fixture
def ctx(kiosk: Kiosk) -> WorkflowContext:
    return kiosk.context(TRAINER, None)


def add_directory(store: Any, people: list[tuple[str, str, str]] = PEOPLE,
                  tokens: dict[str, str] | None = None) -> None:
    """Units and subscribers (``tokens``: ID number -> token serial)."""
    if store.units.get(UNIT) is None:
        store.units.add({"id": UNIT, "name": "Sở Nội vụ", "level": "so_ban_nganh"}, "test")
        store.units.add({"id": OTHER_UNIT, "name": "Sở Tư pháp", "level": "so_ban_nganh"}, "test")
    for name, national, unit in people:
        if not store.subscribers.by_national_id(national):
            store.subscribers.add({"full_name": name, "national_id": national, "unit_id": unit,
                                   "position": "Chuyên viên",
                                   "token_serial": (tokens or {}).get(national)}, "test")


def make_class(book: TrainingBook, code: str = CODE, capacity: int = 30, sessions: tuple[str, ...] = ("2018-05-10",),
               title: str = "Sử dụng chữ ký số chuyên dùng") -> TrainingClass:
    return book.add_class(TrainingClass(code=code, title=title,
                                        sessions=tuple(Session.parse(i, s) for i, s in enumerate(sessions, 1)),
                                        venue="Hội trường Sở Nội vụ", trainers=("Lê Văn Giảng",),
                                        capacity=capacity))


@pytest.fixture
def issue(softhsm: SoftHSMStore, test_ca: TestCA) -> Callable[..., Issued]:
    """``issue(name, national_id, inserted=True, pin=…)``: a token with the person's certificate
    (their ID number in the subject's UID, as the issuer writes it)."""
    return functools.partial(softhsm.issue, test_ca)


def setup_context(settings: Settings, store: Any, worker: TokenWorker) -> WorkflowContext:
    """A context on the kiosk's own store, to set up classes before the app starts."""
    from helpdesk.testing.kit import FormRegistry

    return WorkflowContext(token=None, settings=settings, store=store, worker=worker, operator=TRAINER,
                           form_registry=FormRegistry())
