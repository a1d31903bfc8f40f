"""Paper-era import: handovers written on paper before the kiosk (2017–2020) -> ``handover`` records.

A file is a roster (Mẫu 01 columns, read and checked by :func:`~helpdesk_handover.roster.scan_roster`:
the same hostile-file checks, encodings and row rules) plus two columns: the handover date
("Ngày bàn giao") and the paper record's number ("Số biên bản", e.g. "12/BB-SNV"), kept as
written — paper numbers are history, never the counter's. Rows sharing a number and a day
are the tokens of one paper (a batch, as the kiosk's batch handover); the same number of
the same year on another day, or already imported, is a bad row. All rows or none, unless ``skip_invalid``;
the records go in one ``ctx.commit_many`` (every plugin's validate hook runs), so they
reach the outbox and the registry like any record. Units are matched or created as the
roster import does; a holder is matched by ID number, or added to the roster.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from helpdesk.extension import (
    RecordRefused,
    Subject,
    WorkflowContext,
    cell_text,
    date_cell,
    gettext,
)
from helpdesk_handover.checks import RECORD_TYPE
from helpdesk_handover.columns import ColumnError, fold_header
from helpdesk_handover.progress import Progress
from helpdesk_handover.record import PAPER, paper_payload
from helpdesk_handover.roster import (
    FileRefused,
    ProblemRows,
    RowProblem,
    resolve_units,
    scan_roster,
)

#: The two columns a paper file adds to the roster's (folded headers are compared).
DATE_HEADERS = ("ngày bàn giao", "ngày giao", "ngày giao nhận", "ngày biên bản", "handover date")
NUMBER_HEADERS = ("số biên bản", "số biên bản bàn giao", "số bb", "biên bản số", "paper number")
FIRST_DAY = date(2000, 1, 1)
_NUMBER = re.compile(r"^(\d{1,6})\s*/\s*(\S.*)$")


@dataclass
class PaperReport(ProblemRows):
    source: str
    total: int  # data rows read (blank rows not counted)
    problems: list[RowProblem]
    good: list[dict[str, Any]] = field(default_factory=list)  # roster row + "day" + "number"
    encoding: str | None = None
    imported: int = 0
    record_ids: list[str] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)
    subscribers_created: int = 0

    @property
    def valid(self) -> int:
        return len(self.good)

    def summary(self) -> str:
        return gettext("{source}: {total} rows, {good} valid, {bad} with problems; {imported} paper handovers "
                       "imported, {subscribers} new subscribers, {units} new units").format(
            source=self.source, total=self.total, good=self.valid, bad=len(self.bad_rows), imported=self.imported,
            subscribers=self.subscribers_created, units=len(self.units_created))


class PaperRefused(FileRefused[PaperReport]):
    title = "Paper import refused"


def _column(header: Sequence[Any], names: Sequence[str]) -> int | None:
    wanted = {fold_header(n) for n in names}
    return next((i for i, cell in enumerate(header) if fold_header(cell) in wanted), None)


def _cell(row: Sequence[Any], index: int) -> Any:
    return row[index] if index < len(row) else None


_text = cell_text


def _day(value: Any, today: date) -> tuple[date | None, str | None]:
    """(the handover day, problem code) of one cell."""
    if not isinstance(value, date) and not _text(value):
        return None, "paper_date_missing"
    try:
        day = date_cell(value)
    except ValueError:
        return None, "paper_date_invalid"
    if not FIRST_DAY <= day <= today:
        return day, "paper_date_range"
    return day, None


def _number(value: Any) -> tuple[str, str | None]:
    """(the number as written, white space tidied; problem code)."""
    text = _text(value)
    if not text:
        return text, "paper_number_missing"
    match = _NUMBER.match(text)
    if match is None or int(match.group(1)) < 1:
        return text, "paper_number_invalid"
    return f"{int(match.group(1))}/{match.group(2)}", None


def imported_numbers(ctx: WorkflowContext) -> dict[tuple[int, str], str]:
    """(year, number) -> record id of the paper handovers already imported (voided ones too)."""
    return {(r.payload["year"], r.payload["number"]): r.id for r in ctx.store.records(type=RECORD_TYPE)
            if r.payload.get("source") == PAPER}


def read_paper(ctx: WorkflowContext, path: Path, today: date | None = None,
               progress: Progress | None = None) -> PaperReport:
    """Read and check a paper file against the store; writes nothing."""
    today = today or date.today()
    scan = scan_roster(path, None, None, today, progress)  # holders already on the roster are matched, not refused
    roster, rows = scan.report, scan.sheet.rows
    at_date, at_number = _column(scan.header, DATE_HEADERS), _column(scan.header, NUMBER_HEADERS)
    if at_date is None or at_number is None:
        raise ColumnError("{path}: required columns missing: {columns}", path=Path(path).name, columns=", ".join(
            name for name, at in (("Ngày bàn giao", at_date), ("Số biên bản", at_number)) if at is None))
    problems = list(roster.problems)
    done = imported_numbers(ctx)
    seen: dict[tuple[int, str], int] = {}
    extra: dict[int, tuple[date, str]] = {}
    for index in range(scan.header_at + 1, len(rows)):
        row, number_in_file = rows[index], index + 1
        if not any(c not in (None, "") and (type(c) is not str or c.strip()) for c in row):
            continue  # blank row (the roster skips it too)
        day, day_code = _day(_cell(row, at_date), today)
        number, number_code = _number(_cell(row, at_number))
        if day_code:
            params: dict[str, object] = {}
            if day_code != "paper_date_missing":
                params["value"] = day.strftime("%d/%m/%Y") if day else _text(_cell(row, at_date))
            problems.append(RowProblem(number_in_file, day_code, params))
        if number_code:
            problems.append(RowProblem(number_in_file, number_code,
                                       {} if number_code == "paper_number_missing" else {"value": number}))
        if day is None or day_code or number_code:
            continue
        key = (day.year, number)
        if key in done:
            problems.append(RowProblem(number_in_file, "paper_number_in_store",
                                       {"value": number, "year": day.year, "other": done[key]}))
        elif key in seen and extra[seen[key]][0] != day:  # one paper has one date
            problems.append(RowProblem(number_in_file, "paper_number_dup",
                                       {"value": number, "year": day.year, "other": seen[key]}))
        else:  # a number seen on the same day: another token on the same paper
            seen.setdefault(key, number_in_file)
            extra[number_in_file] = (day, number)
    bad = {p.row for p in problems}
    good = [{**row, "day": extra[row["row"]][0], "number": extra[row["row"]][1]}
            for row in roster.rows if row["row"] not in bad and row["row"] in extra]
    problems.extend(_token_owners(ctx, good))
    bad = {p.row for p in problems}
    problems.sort(key=lambda p: p.row)  # stable: within a row, the roster's checks first
    return PaperReport(roster.source, roster.total, problems, [r for r in good if r["row"] not in bad],
                       roster.encoding)


def _token_owners(ctx: WorkflowContext, rows: Sequence[Mapping[str, Any]]) -> list[RowProblem]:
    """A token serial the roster gives someone else (another ID number) is a bad row."""
    out = []
    for row in rows:
        if row["token_serial"]:
            owner = ctx.store.subscribers.by_token_serial(row["token_serial"])
            if owner is not None and owner.national_id != row["national_id"]:
                out.append(RowProblem(row["row"], "token_in_store",
                                      {"value": row["token_serial"], "other": owner.full_name}))
    return out


SUBSCRIBER_KEYS = ("full_name", "date_of_birth", "position", "national_id", "email", "phone",
                   "cert_kind", "token_serial", "cert_serial")


def import_paper(ctx: WorkflowContext, path: Path, *, skip_invalid: bool = False, today: date | None = None,
                 progress: Progress | None = None) -> PaperReport:
    """Check the file, then write units, new holders and the ``handover`` records (one commit).

    Raises :class:`PaperRefused` (nothing written) when a row is bad and ``skip_invalid``
    is False, and :class:`RecordRefused` (nothing written) when a validate hook refuses a
    record. The store lock is held from the check to the write.
    """
    progress = progress or Progress()
    store, operator = ctx.store, ctx.operator.id
    with store.locked():
        report = read_paper(ctx, path, today, progress)
        if report.problems and not skip_invalid:
            raise PaperRefused(report)
        if not report.good:
            return report
        rows = report.good
        units = resolve_units(store, [r["unit"] for r in rows], [r["unit_level"] for r in rows])
        holders: dict[str, str] = {}  # national id -> subscriber id, of holders already on the roster
        for row in rows:
            found = store.subscribers.by_national_id(row["national_id"])
            if found:
                holders[row["national_id"]] = found[0].id
        new = [r for r in rows if r["national_id"] not in holders]

        batches = _papers(rows)

        def items(subscriber_of: Mapping[str, str]) -> list[tuple[str, Subject, dict[str, Any]]]:
            out = []
            for r in rows:
                sid = subscriber_of.get(r["national_id"], "(new)")
                holder = {"subscriber_id": sid, "name": r["full_name"], "position": r["position"] or "",
                          "unit_id": units.id_of[r["unit"]], "unit": r["unit"], "national_id": r["national_id"],
                          "email": r["email"] or "", "cert_kind": r["cert_kind"]}
                payload = paper_payload(number=r["number"], day=r["day"], holder=holder,
                                        device_serial=r["token_serial"] or "", cert_serial=r["cert_serial"] or "",
                                        transcribed_by=operator, source_file=report.source, row=r["row"],
                                        batch=batches.get(r["row"]))
                out.append((RECORD_TYPE, Subject(sid, r["token_serial"], r["cert_serial"]), payload))
            return out

        refused = [p for kind, subject, payload in items(holders) for p in ctx.check(kind, subject, payload)
                   if p.severity == "error"]
        if refused:  # before the units and holders are written
            raise RecordRefused(refused)
        progress.check()  # the last moment to stop
        units.create(store, operator)
        if new:
            added = store.subscribers.add_many(
                [{**{k: r[k] for k in SUBSCRIBER_KEYS}, "unit_id": units.id_of[r["unit"]]} for r in new], operator)
            holders.update({r["national_id"]: s.id for r, s in zip(new, added, strict=True)})
        records = ctx.commit_many(items(holders))
        report.imported = len(records)
        report.record_ids = [r.id for r in records]
        report.units_created = units.created
        report.subscribers_created = len(new)
    return report


def _papers(rows: Sequence[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """Row -> its ``batch`` when several rows share one paper (same number and day): the
    tokens of a unit handed over on one record, as the kiosk's batch handover does."""
    papers: dict[tuple[int, str], list[int]] = {}
    for r in rows:
        papers.setdefault((r["day"].year, r["number"]), []).append(r["row"])
    out: dict[int, dict[str, Any]] = {}
    for members in papers.values():
        if len(members) > 1:
            batch_id = str(uuid.uuid4())
            out.update({row: {"id": batch_id, "index": i, "size": len(members)} for i, row in enumerate(members, 1)})
    return out
