"""Classes, rosters and attendance: three plugin tables, read and written through
:class:`TrainingBook`.

- ``training.classes``: one row per class, keyed by its code ("TH-2018-01");
- ``training.roster``: one row per trainee of a class, key ``CODE:TRAINEE``;
- ``training.attendance`` (synced to the registry): one row per trainee present at a
  session, key ``CODE:SESSION:TRAINEE`` — a second check-in finds the row and writes
  nothing.

A trainee's key is their ID number (CCCD/CMND) when known, else ``s-<subscriber id>``:
the same person has the same key in every class, which is how a trainee on another
class's roster is found.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from helpdesk.extension import HelpdeskError

if TYPE_CHECKING:
    from helpdesk.extension import Table, WorkflowContext

CLASSES = "training.classes"
ROSTER = "training.roster"
ATTENDANCE = "training.attendance"
DEFAULT_CAPACITY = 30

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
PARTS = ("", "sáng", "chiều", "tối")
METHODS = ("token", "pin", "search", "script")


class TrainingError(HelpdeskError):
    title = "Training"


class ClassNotFound(TrainingError):
    title = "Training class"
    exit_code = 3


@dataclass(frozen=True)
class Session:
    """One session (buổi) of a class: its number ("1"), day and part of the day."""

    id: str
    day: str  # ISO date
    part: str = ""  # "", "sáng", "chiều", "tối"

    @property
    def date(self) -> date:
        return date.fromisoformat(self.day)

    def label(self) -> str:
        day = self.date.strftime("%d/%m/%Y")
        return f"{self.id}. {day} {self.part}".rstrip()

    @classmethod
    def parse(cls, number: int, text: str) -> Session:
        """``"2018-05-10"``, ``"10/05/2018"`` or either with ``:sáng`` / ``:chiều``."""
        raw, _, part = unicodedata.normalize("NFC", text.strip()).partition(":")
        part = part.strip().lower()
        if part not in PARTS:
            raise TrainingError("Bad session part {part!r}: use sáng, chiều or tối", part=part)
        try:
            if "/" in raw:
                d, m, y = (int(p) for p in raw.split("/"))
                day = date(y, m, d)
            else:
                day = date.fromisoformat(raw)
        except ValueError:
            raise TrainingError("Bad session date {text!r}: write YYYY-MM-DD or DD/MM/YYYY", text=text) from None
        return cls(str(number), day.isoformat(), part)


@dataclass(frozen=True)
class TrainingClass:
    code: str
    title: str
    sessions: tuple[Session, ...]
    venue: str = ""
    trainers: tuple[str, ...] = ()
    capacity: int = DEFAULT_CAPACITY
    units: tuple[str, ...] = ()  # unit ids invited
    created_by: str = ""

    @property
    def year(self) -> int:
        return self.sessions[0].date.year

    @property
    def first_day(self) -> date:
        return min(s.date for s in self.sessions)

    def session(self, session_id: str) -> Session:
        for s in self.sessions:
            if s.id == session_id:
                return s
        raise TrainingError("Class {code} has no session {session}; it has {known}", code=self.code,
                            session=session_id, known=", ".join(s.id for s in self.sessions))

    def session_for(self, day: date) -> Session:
        """Today's session (the first of the day), else the next one, else the last."""
        ordered = sorted(self.sessions, key=lambda s: (s.day, s.id))
        for s in ordered:
            if s.date >= day:
                return s
        return ordered[-1]

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["sessions"] = [asdict(s) for s in self.sessions]
        row["trainers"] = list(self.trainers)
        row["units"] = list(self.units)
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> TrainingClass:
        return cls(code=row["code"], title=row["title"], sessions=tuple(Session(**s) for s in row["sessions"]),
                   venue=row.get("venue", ""), trainers=tuple(row.get("trainers", ())),
                   capacity=int(row.get("capacity", DEFAULT_CAPACITY)), units=tuple(row.get("units", ())),
                   created_by=row.get("created_by", ""))


@dataclass(frozen=True)
class Trainee:
    """A person on a class roster (imported, picked by unit, or a walk-in)."""

    key: str  # see trainee_key
    full_name: str
    national_id: str = ""
    unit: str = ""  # unit name as shown on paper
    unit_id: str = ""
    position: str = ""
    subscriber_id: str = ""
    token_serial: str = ""
    walk_in: bool = False
    source: str = "import"  # import | unit | walk_in | cli

    def to_row(self, code: str) -> dict[str, Any]:
        return {"class": code, **asdict(self)}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Trainee:
        return cls(**{k: row[k] for k in _TRAINEE_FIELDS if k in row})


_TRAINEE_FIELDS = ("key", "full_name", "national_id", "unit", "unit_id", "position", "subscriber_id",
                   "token_serial", "walk_in", "source")


@dataclass(frozen=True)
class Attendance:
    """A trainee present at one session: when, and how it was shown."""

    class_code: str
    session: str
    trainee: str  # Trainee.key
    full_name: str
    at: str  # ISO time with the kiosk's offset
    method: str  # token | pin | search | script
    national_id: str = ""
    unit: str = ""
    token_serial: str = ""
    cert_serial: str = ""
    walk_in: bool = False
    operator: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pin_proof(self) -> bool:
        return self.method == "pin"

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["class"] = row.pop("class_code")
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Attendance:
        data = dict(row)
        data["class_code"] = data.pop("class")
        return cls(**data)

    def time_text(self) -> str:
        """``08:02`` (local time of the check-in)."""
        from datetime import datetime

        return datetime.fromisoformat(self.at).strftime("%H:%M")


def trainee_key(national_id: str | None, subscriber_id: str | None = None) -> str:
    if national_id:
        return national_id
    if subscriber_id:
        return f"s-{subscriber_id}"
    raise TrainingError("A trainee needs an ID number or a subscriber record")


def check_code(code: str) -> str:
    code = code.strip()
    if not _CODE.match(code):
        raise TrainingError("Bad class code {code!r}: letters, digits, '.', '_' and '-' (up to 40)", code=code)
    return code


# ---- row validators (the tables refuse rows without these fields) ------------------------

def _class_problems(row: Mapping[str, Any]) -> list[str]:
    problems = []
    if not isinstance(row.get("code"), str) or not _CODE.match(row["code"]):
        problems.append("code is missing or malformed")
    if not isinstance(row.get("title"), str) or not row["title"].strip():
        problems.append("title is required")
    if not isinstance(row.get("sessions"), list) or not row["sessions"]:
        problems.append("a class needs at least one session")
    if not isinstance(row.get("capacity"), int) or row["capacity"] < 1:
        problems.append("capacity must be a positive number")
    return problems


def _roster_problems(row: Mapping[str, Any]) -> list[str]:
    problems = []
    for key in ("class", "key", "full_name"):
        if not isinstance(row.get(key), str) or not row[key]:
            problems.append(f"{key} is required")
    return problems


def _attendance_problems(row: Mapping[str, Any]) -> list[str]:
    problems = _roster_problems({"class": row.get("class"), "key": row.get("trainee"),
                                 "full_name": row.get("full_name")})
    if row.get("method") not in METHODS:
        problems.append("method must be one of " + ", ".join(METHODS))
    if not isinstance(row.get("at"), str):
        problems.append("at (the time) is required")
    return problems


class TrainingBook:
    """The plugin's tables seen through one object (every call blocks: use a thread job)."""

    def __init__(self, ctx: WorkflowContext) -> None:
        self.ctx = ctx
        self.classes: Table = ctx.table(CLASSES, validate=_class_problems)
        self.roster: Table = ctx.table(ROSTER, validate=_roster_problems)
        self.attendance: Table = ctx.table(ATTENDANCE, synced=True, validate=_attendance_problems)

    @property
    def operator(self) -> str:
        return self.ctx.operator.id

    # ---- classes ------------------------------------------------------------------------
    def add_class(self, cls: TrainingClass) -> TrainingClass:
        check_code(cls.code)
        if cls.code in self.classes:
            raise TrainingError("A class with code {code} already exists", code=cls.code)
        if not cls.sessions:
            raise TrainingError("A class needs at least one session (--session YYYY-MM-DD)")
        if cls.capacity < 1:
            raise TrainingError("Capacity must be at least 1")
        for unit_id in cls.units:
            if self.ctx.store.units.get(unit_id) is None:
                raise TrainingError("No unit {unit} in the directory", unit=unit_id)
        self.classes.insert(cls.code, cls.to_row(), self.operator)
        return cls

    def get_class(self, code: str) -> TrainingClass:
        row = self.classes.get(code.strip())
        if row is None:
            raise ClassNotFound("No training class {code}", code=code)
        return TrainingClass.from_row(row)

    def list_classes(self, year: int | None = None) -> list[TrainingClass]:
        found = [TrainingClass.from_row(r) for r in self.classes.all()]
        if year is not None:
            found = [c for c in found if c.year == year]
        return sorted(found, key=lambda c: (c.first_day, c.code))

    # ---- rosters ------------------------------------------------------------------------
    def roster_of(self, code: str) -> list[Trainee]:
        prefix = f"{code}:"
        return [Trainee.from_row(row) for key, row in self.roster.items() if key.startswith(prefix)]

    def on_roster(self, code: str, key: str) -> Trainee | None:
        row = self.roster.get(f"{code}:{key}")
        return Trainee.from_row(row) if row is not None else None

    def add_trainees(self, code: str, trainees: Iterable[Trainee]) -> list[Trainee]:
        """Add (or refresh) trainees on a roster in one commit."""
        rows = {f"{code}:{t.key}": t.to_row(code) for t in trainees}
        self.roster.put_many(rows, self.operator)
        return [Trainee.from_row(r) for r in rows.values()]

    def other_classes(self, code: str, key: str) -> list[str]:
        """Codes of the other classes whose roster holds the trainee ``key``."""
        return [c for c in self.classes if c != code and f"{c}:{key}" in self.roster]

    # ---- attendance ---------------------------------------------------------------------
    def attendance_of(self, code: str, session: str | None = None) -> list[Attendance]:
        prefix = f"{code}:" if session is None else f"{code}:{session}:"
        rows = [Attendance.from_row(row) for key, row in self.attendance.items() if key.startswith(prefix)]
        return sorted(rows, key=lambda a: (a.session, a.at))

    def present(self, code: str, session: str, key: str) -> Attendance | None:
        row = self.attendance.get(f"{code}:{session}:{key}")
        return Attendance.from_row(row) if row is not None else None

    def record(self, entry: Attendance) -> Attendance:
        key = f"{entry.class_code}:{entry.session}:{entry.trainee}"
        self.attendance.insert(key, entry.to_row(), self.operator)
        return entry


def by_key(trainees: Sequence[Trainee]) -> dict[str, Trainee]:
    return {t.key: t for t in trainees}
