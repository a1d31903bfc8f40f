"""Check-in (điểm danh) at one session of a class: who is this, and mark them present.

One code path for the kiosk screen, ``helpdesk training checkin`` and the benchmark:
:meth:`CheckInDesk.check_in_token` (a token's serial or certificate names the trainee),
:meth:`CheckInDesk.search` + :meth:`CheckInDesk.mark` (a name typed without diacritics,
or an ID number). Every method blocks (store, token worker): call it from a thread job.

- The token identifies the trainee by its serial (the directory's ``token_serial``),
  else by the ID number in its certificate's subject (UID / SERIALNUMBER), else by a
  token serial written on the class roster.
- A trainee not on the roster is added to it as a walk-in (flagged); one on another
  class's roster is told which.
- A second check-in at the same session changes nothing and says when the first was.
- PIN proof: the trainee logs in to their token. The PIN state is read first from the
  token itself; a locked PIN is never tried, a final try only when the trainer has
  confirmed it. The PIN lives in a :class:`Secret` and reaches nothing but the worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from helpdesk.extension import HelpdeskError, InvalidData, PinIncorrect, TokenInfo, _, fold
from helpdesk_training.model import Attendance, Session, Trainee, TrainingBook, TrainingError
from helpdesk_training.roster import capacity_warning, trainee_from_subscriber

if TYPE_CHECKING:
    from helpdesk.extension import Secret

TOKEN_WAIT = 60.0  # seconds to wait for the token worker
_ID_IN_SUBJECT = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")


class CheckInError(TrainingError):
    title = "Check-in"


class UnknownToken(CheckInError):
    title = "Unknown token"


class PinProofRefused(CheckInError):
    """No PIN try was spent: the PIN is locked, or a final try was not confirmed."""

    title = "PIN proof"


class PinProofFailed(CheckInError):
    """The PIN was wrong: nothing recorded; ``state`` is the token's PIN state now."""

    title = "PIN proof"

    def __init__(self, message: str, /, state: str, **params: object) -> None:
        super().__init__(message, **params)
        self.state = state


@dataclass(frozen=True)
class Candidate:
    """Who is at the desk, as far as this class is concerned."""

    trainee: Trainee
    on_roster: bool
    other_classes: tuple[str, ...] = ()

    @property
    def walk_in(self) -> bool:
        return not self.on_roster


@dataclass(frozen=True)
class Outcome:
    """What a check-in did (or found already done)."""

    entry: Attendance
    candidate: Candidate
    already: bool
    present: int  # trainees present at the session afterwards
    capacity: int

    @property
    def over_capacity(self) -> bool:
        return self.present > self.capacity

    def headline(self) -> str:
        e = self.entry
        if self.already:
            return _("{name} was already checked in at {time}; nothing changed").format(
                name=e.full_name, time=e.time_text())
        how = _("with PIN proof") if e.pin_proof else ""
        return " ".join(filter(None, [_("{name} checked in at {time}").format(name=e.full_name, time=e.time_text()),
                                      how, f"({self.present}/{self.capacity})"]))

    def warnings(self) -> list[str]:
        found = []
        name = self.entry.full_name
        if self.candidate.walk_in and not self.already:
            found.append(_("{name} is not on the roster of class {code}: added as a walk-in").format(
                name=name, code=self.entry.class_code))
        if self.candidate.other_classes:
            found.append(_("{name} is on the roster of class {codes}").format(
                name=name, codes=", ".join(self.candidate.other_classes)))
        if self.over_capacity and not self.already:
            found.append(capacity_warning(self.entry.class_code, self.present, self.capacity))
        return found

    @property
    def kind(self) -> str:
        return "warning" if self.already or self.warnings() else "ok"


def national_ids_in(token: TokenInfo) -> list[str]:
    """ID numbers (12 or 9 digits) in the certificates' UID / SERIALNUMBER ("CCCD:0921…")."""
    found: list[str] = []
    for cert in token.certificates:
        for part in ("UID", "SERIALNUMBER"):
            found.extend(m for m in _ID_IN_SUBJECT.findall(cert.subject.get(part)) if m not in found)
    return found


class CheckInDesk:
    """Check-in at one session of one class."""

    def __init__(self, book: TrainingBook, code: str, session: str | None = None) -> None:
        self.book = book
        self.cls = book.get_class(code)
        self.session: Session = (self.cls.session(session) if session
                                 else self.cls.session_for(book.ctx.now().date()))

    @property
    def code(self) -> str:
        return self.cls.code

    # ---- who is it ----------------------------------------------------------------------
    def _candidate(self, trainee: Trainee) -> Candidate:
        listed = self.book.on_roster(self.code, trainee.key)
        if listed is not None:
            return Candidate(listed, True)
        walk_in = replace(trainee, walk_in=True, source="walk_in")
        return Candidate(walk_in, False, tuple(self.book.other_classes(self.code, trainee.key)))

    def candidate_for_token(self, token: TokenInfo) -> Candidate:
        """The trainee this token belongs to; :class:`UnknownToken` when nobody matches."""
        store = self.book.ctx.store
        sub = store.subscribers.by_token_serial(token.serial)
        if sub is not None:
            return self._candidate(trainee_from_subscriber(store, sub, source="walk_in"))
        for number in national_ids_in(token):
            listed = self.book.on_roster(self.code, number)
            if listed is not None:
                return Candidate(listed, True)
            subs = store.subscribers.by_national_id(number)
            if subs:
                return self._candidate(trainee_from_subscriber(store, subs[0], source="walk_in"))
        for trainee in self.book.roster_of(self.code):
            if trainee.token_serial and trainee.token_serial == token.serial:
                return Candidate(trainee, True)
        names = ", ".join(c.subject.common_name for c in token.certificates if c.subject.common_name)
        raise UnknownToken("Token {serial} ({names}) belongs to no trainee of this class and to nobody in the "
                           "directory; nothing was recorded", serial=token.serial, names=names or "—")

    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        """The roster first (name without diacritics, or ID number), then the directory."""
        query = fold(" ".join(text.split()))
        if not query:
            return []
        digits = query.replace(" ", "")
        words = query.split()
        found: list[Candidate] = []
        for trainee in self.book.roster_of(self.code):
            name_words = fold(trainee.full_name).split()
            if (digits.isdigit() and trainee.national_id == digits) or (
                    not digits.isdigit() and all(any(n.startswith(w) for n in name_words) for w in words)):
                found.append(Candidate(trainee, True))
        keys = {c.trainee.key for c in found}
        store = self.book.ctx.store
        for sub in store.subscribers.search(text, limit):
            trainee = trainee_from_subscriber(store, sub, source="walk_in")
            if trainee.key not in keys:
                keys.add(trainee.key)
                found.append(self._candidate(trainee))
        return found[:limit]

    # ---- marking --------------------------------------------------------------------------
    def present_count(self) -> int:
        prefix = f"{self.code}:{self.session.id}:"
        return sum(1 for key in self.book.attendance if key.startswith(prefix))

    def already(self, candidate: Candidate) -> Outcome | None:
        found = self.book.present(self.code, self.session.id, candidate.trainee.key)
        if found is None:
            return None
        return Outcome(found, candidate, True, self.present_count(), self.cls.capacity)

    def mark(self, candidate: Candidate, method: str, token: TokenInfo | None = None) -> Outcome:
        """Mark ``candidate`` present now (a walk-in joins the roster first, flagged)."""
        earlier = self.already(candidate)
        if earlier is not None:
            return earlier
        t = candidate.trainee
        if candidate.walk_in:
            self.book.add_trainees(self.code, [t])
        cert = token.certificates[0].serial if token is not None and token.certificates else ""
        entry = Attendance(
            class_code=self.code, session=self.session.id, trainee=t.key, full_name=t.full_name,
            at=self.book.ctx.now().isoformat(timespec="seconds"), method=method, national_id=t.national_id,
            unit=t.unit, token_serial=token.serial if token is not None else "", cert_serial=cert,
            walk_in=candidate.walk_in or t.walk_in, operator=self.book.operator,
        )
        try:
            self.book.record(entry)
        except InvalidData:  # checked in a moment ago (another desk, a double key press)
            earlier = self.already(candidate)
            if earlier is not None:
                return earlier
            raise
        return Outcome(entry, candidate, False, self.present_count(), self.cls.capacity)

    # ---- PIN proof ------------------------------------------------------------------------
    def prove_pin(self, serial: str, pin: Secret, *, final_try_confirmed: bool = False) -> None:
        """Log in to the token with ``pin``; the attempts guard reads the token first."""
        worker = self.book.ctx.worker
        fresh = worker.identify(serial).result(timeout=TOKEN_WAIT)
        state = fresh.flags.user_pin_state
        if state == "locked":
            raise PinProofRefused("The PIN of token {serial} is locked: no PIN proof is possible. Check the "
                                  "trainee in without PIN proof (F7) and send them to the PIN unlock desk.",
                                  serial=serial)
        if state == "final_try" and not final_try_confirmed:
            raise PinProofRefused("Token {serial} has one PIN try left: a wrong PIN now locks it. Confirm the "
                                  "final try (F8) first, or check in without PIN proof (F7).", serial=serial)
        try:
            worker.verify_pin(serial, pin).result(timeout=TOKEN_WAIT)
        except PinIncorrect:
            try:
                after = worker.identify(serial).result(timeout=TOKEN_WAIT).flags.user_pin_state
            except HelpdeskError:  # the token may be gone by now: the wrong PIN is what to say
                after = "unknown"
            raise PinProofFailed("Wrong PIN for token {serial}: not checked in. {advice}", state=after,
                                 serial=serial, advice=_pin_advice(after)) from None

    def check_in_token(self, token: TokenInfo, pin: Secret | None = None, *,
                       final_try_confirmed: bool = False) -> Outcome:
        """Find the trainee by token and mark them present (with PIN proof if ``pin``)."""
        candidate = self.candidate_for_token(token)
        earlier = self.already(candidate)
        if earlier is not None:
            return earlier  # no PIN try spent on a trainee already present
        if pin is not None:
            self.prove_pin(token.serial, pin, final_try_confirmed=final_try_confirmed)
        return self.mark(candidate, "pin" if pin is not None else "token", token)


def _pin_advice(state: str) -> str:
    if state == "final_try":
        return _("One try left: the next wrong PIN locks the token.")
    if state == "locked":
        return _("The PIN is now locked: send the trainee to the PIN unlock desk.")
    if state == "count_low":
        return _("Few tries left: let the trainee try again carefully.")
    return _("Let the trainee try again.")
