"""Filling a class roster: from an office's file, or with a unit's subscribers.

Each row is matched to the directory: a subscriber with the same ID number gives the
trainee's subscriber id and token serial (so the token identifies them at check-in),
a unit with the same name (accents and case ignored) its unit id. A roster larger than
the class's capacity is saved, with a warning saying by how much.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from helpdesk.extension import Store, Subscriber, _, fold
from helpdesk_training.model import Trainee, TrainingBook, TrainingClass, TrainingError, trainee_key
from helpdesk_training.roster_file import RosterFile, RosterRow, read_roster_file


class RosterRefused(TrainingError):
    """The file has bad rows: nothing was added to the roster."""

    title = "Roster refused"

    def __init__(self, report: RosterFile) -> None:
        super().__init__("{count} rows of {source} have problems; nothing was imported. First: {first}",
                         count=len(report.bad_rows), source=report.source,
                         first=report.problems[0].localized() if report.problems else "")
        self.report = report


@dataclass
class RosterChange:
    code: str
    added: list[Trainee] = field(default_factory=list)
    updated: list[Trainee] = field(default_factory=list)
    matched: int = 0  # rows matched to a subscriber in the directory
    size: int = 0  # roster size afterwards
    capacity: int = 0

    @property
    def over(self) -> int:
        return max(0, self.size - self.capacity)

    def warnings(self) -> list[str]:
        if not self.over:
            return []
        return [capacity_warning(self.code, self.size, self.capacity)]

    def summary(self) -> str:
        return _("Class {code}: {added} trainees added, {updated} updated, {matched} found in the directory; "
                 "roster {size}/{capacity}").format(code=self.code, added=len(self.added),
                                                    updated=len(self.updated), matched=self.matched,
                                                    size=self.size, capacity=self.capacity)


def capacity_warning(code: str, size: int, capacity: int) -> str:
    return _("Class {code} is over capacity: {size} trainees for {capacity} places").format(
        code=code, size=size, capacity=capacity)


def trainee_from_subscriber(store: Store, sub: Subscriber, *, source: str, walk_in: bool = False) -> Trainee:
    unit = store.units.get(sub.unit_id) if sub.unit_id else None
    return Trainee(key=trainee_key(sub.national_id, sub.id), full_name=sub.full_name,
                   national_id=sub.national_id or "", unit=unit.name if unit else "", unit_id=sub.unit_id or "",
                   position=sub.position or "", subscriber_id=sub.id, token_serial=sub.token_serial or "",
                   walk_in=walk_in, source=source)


def _trainee_from_row(store: Store, row: RosterRow, units: dict[str, str]) -> tuple[Trainee, bool]:
    found = store.subscribers.by_national_id(row.national_id)
    sub = found[0] if found else None
    return Trainee(key=trainee_key(row.national_id), full_name=row.full_name, national_id=row.national_id,
                   unit=row.unit, unit_id=units.get(fold(row.unit), sub.unit_id if sub and sub.unit_id else ""),
                   position=row.position or (sub.position or "" if sub else ""),
                   subscriber_id=sub.id if sub else "",
                   token_serial=row.token_serial or (sub.token_serial or "" if sub else ""),
                   source="import"), sub is not None


def _save(book: TrainingBook, cls: TrainingClass, trainees: Sequence[Trainee], matched: int) -> RosterChange:
    existing = {t.key for t in book.roster_of(cls.code)}
    change = RosterChange(cls.code, matched=matched, capacity=cls.capacity)
    for t in trainees:
        (change.updated if t.key in existing else change.added).append(t)
    if trainees:
        book.add_trainees(cls.code, trainees)
    change.size = len(existing) + len(change.added)
    return change


def import_file(book: TrainingBook, code: str, path: Path) -> RosterChange:
    """Read and check ``path``; add every row to the roster of class ``code``, or none."""
    cls = book.get_class(code)
    report = read_roster_file(Path(path))
    if report.problems:
        raise RosterRefused(report)
    if not report.rows:
        raise TrainingError("{source} holds no trainees", source=report.source)
    store = book.ctx.store
    units = {fold(u.name): u.id for u in store.units.all()}
    pairs = [_trainee_from_row(store, row, units) for row in report.rows]
    return _save(book, cls, [t for t, _ in pairs], sum(1 for _, m in pairs if m))


def add_units(book: TrainingBook, code: str, unit_ids: Iterable[str]) -> RosterChange:
    """Every subscriber (a person's certificate) of the given units joins the roster."""
    cls = book.get_class(code)
    store = book.ctx.store
    wanted = set()
    for unit_id in unit_ids:
        if store.units.get(unit_id) is None:
            raise TrainingError("No unit {unit} in the directory", unit=unit_id)
        wanted.add(unit_id)
    subs = [s for s in store.subscribers.all() if s.unit_id in wanted and s.cert_kind == "ca_nhan"]
    trainees = [trainee_from_subscriber(store, s, source="unit") for s in subs]
    return _save(book, cls, trainees, len(trainees))
