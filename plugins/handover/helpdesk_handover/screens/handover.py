"""The handover workflow: token in -> holder and checks -> identity confirmed -> F9 saves and prints.

The token in the reader arrives through :meth:`HandoverScreen.token_inserted` /
:meth:`token_removed` (the door's ``WorkflowScreen``); every token, store, ReportLab and
CUPS call runs as a job off the UI thread, its result handed to a callback here.
After a save, other plugins' actions on the saved records (``ctx.record_actions``) are
listed with their keys, e.g. "F7 Người nhận ký số biên bản".

Batch mode (a unit's representative collects several tokens): F4 adds each checked
token to the list, F9 saves them as one record set with one paper.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Static
from textual.worker import get_current_worker

from helpdesk.extension import (
    HelpdeskError,
    Printed,
    Record,
    RecordAction,
    TokenError,
    TokenInfo,
    TokenNotFound,
    TokenRemovedError,
    WorkflowContext,
    WorkflowScreen,
    _,
)
from helpdesk_handover.checks import RECORD_TYPE, Assessment, assess
from helpdesk_handover.record import (
    Draft,
    Giver,
    HandoverError,
    Override,
    Recipient,
    commit_handovers,
    print_paper,
)

PRINT_WAIT = 90.0  # seconds the status line follows the print job
SPARE_KEYS = ("f7", "f8", "f3", "f2")  # for other plugins' actions that bring no key (or a taken one)


class IdentityError(HandoverError):
    title = "Identity"


def _national(text: str) -> str:
    return "".join(text.split()).replace(".", "")


def batch_screen(context: WorkflowContext) -> HandoverScreen:
    """The batch workflow's screen (a unit's representative collects several tokens)."""
    return HandoverScreen(context, batch=True)


class HandoverScreen(WorkflowScreen):
    BINDINGS: ClassVar[list[BindingType]] = [  # descriptions are msgids: the footer translates them
        Binding("f9", "commit", "Save and print", priority=True),
        Binding("f4", "add_to_batch", "Add to batch", priority=True),
        Binding("f5", "reread", "Read token again", priority=True),
        Binding("f6", "reprint", "Print again", priority=True),
    ]
    DEFAULT_CSS = """
    HandoverScreen Horizontal { height: auto; }
    HandoverScreen .panel { width: 1fr; height: auto; border: round $primary; padding: 0 1; }
    HandoverScreen #checks { height: auto; border: round $secondary; padding: 0 1; }
    HandoverScreen Input { width: 1fr; }
    HandoverScreen #proxy_fields, HandoverScreen #override_box { height: auto; display: none; }
    HandoverScreen #proxy_fields.shown, HandoverScreen #override_box.shown { display: block; }
    HandoverScreen #batch, HandoverScreen #actions { height: auto; }
    """

    def __init__(self, context: WorkflowContext, batch: bool = False) -> None:
        super().__init__(context)
        self.batch_mode = batch
        self.assessment: Assessment | None = None
        self.batch_items: list[Draft] = []
        self.saved: list[Record] = []  # records of the last commit (for F6 and the record actions)
        self.printed: Printed | None = None
        self.actions: dict[str, RecordAction] = {}  # key -> another plugin's action, offered after a save
        self._busy = False

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        title = _("Hand over a unit's tokens (batch)") if self.batch_mode else _("Hand over a token")
        with VerticalScroll():
            yield Static(title, classes="title")
            with Horizontal():
                yield Static(_("Insert the token to hand over."), id="token", classes="panel")
                yield Static("", id="holder", classes="panel")
            yield Static("", id="checks")
            yield Input(placeholder=_("ID number (CCCD/CMND) on the recipient's card"), id="id_number")
            yield Checkbox(_("ID papers checked by eye (no number typed)"), id="papers")
            yield Checkbox(_("Someone else collects it (proxy with an authorisation)"), id="proxy",
                           value=self.batch_mode)
            with Vertical(id="proxy_fields", classes="shown" if self.batch_mode else ""):
                yield Input(placeholder=_("Proxy's full name"), id="proxy_name")
                yield Input(placeholder=_("Proxy's ID number (CCCD/CMND)"), id="proxy_id")
                yield Input(placeholder=_("Proxy's position and unit"), id="proxy_position")
                yield Input(placeholder=_("Authorisation (e.g. Giấy ủy quyền số 12/GUQ ngày 20/11/2026)"),
                            id="proxy_auth")
            with Vertical(id="override_box"):
                yield Input(placeholder=_("Admin override: why hand it over despite the problems"),
                            id="override_reason")
            yield Static("", id="batch")
            yield self.status_line()
            yield Static("", id="actions")
        yield self.footer()

    def on_mount(self) -> None:
        if self.token is not None:
            self.token_inserted(self.token)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "proxy":
            self.query_one("#proxy_fields").set_class(event.value, "shown")

    # -- token events ------------------------------------------------------------------
    def token_inserted(self, token: TokenInfo) -> None:
        """A token was inserted (or the workflow opened with one): read it and check it."""
        if self._busy:
            return
        self.assessment = None
        self.query_one("#token", Static).update(_("Reading token {serial}…").format(serial=token.serial))
        self.status(_("Reading the token and looking up its holder…"))
        self.run_job(self._assess, token.serial, done=self._show, group="read")

    def token_removed(self, serial: str) -> None:
        current = self.assessment
        if current is None or current.token.serial != serial or self._busy:
            return
        self.assessment = None
        self.query_one("#token", Static).update(_("Insert the token to hand over."))
        self.query_one("#holder", Static).update("")
        self.query_one("#checks", Static).update("")
        self.status(_("Token {serial} was pulled out before the handover was saved; nothing was recorded. "
                      "Insert it again to continue.").format(serial=serial), "error")

    # -- reading and checking ----------------------------------------------------------
    def _assess(self, serial: str) -> Assessment:  # a job: token, then store
        token = self.ctx.worker.identify(serial).result(timeout=60)
        return assess(self.ctx.store, token)

    def _show(self, a: Assessment) -> None:
        self.assessment = a
        t, cert = a.token, a.certificate
        lines = [_("Token: {serial}").format(serial=t.serial), f"{t.manufacturer} {t.model} · {t.label}"]
        if cert is not None:
            lines += [_("Certificate: {serial}").format(serial=cert.serial), cert.subject.common_name,
                      _("Valid: {start} – {end}").format(start=f"{cert.not_before.astimezone():%d/%m/%Y}",
                                                         end=f"{cert.not_after.astimezone():%d/%m/%Y}")]
        self.query_one("#token", Static).update("\n".join(lines))
        h = a.holder
        if h is None:
            self.query_one("#holder", Static).update(_("No holder found in the roster."))
        else:
            self.query_one("#holder", Static).update("\n".join(filter(None, [
                _("Holder: {name}").format(name=h.full_name), h.position or "", a.unit.name if a.unit else "",
                _("ID number: {number}").format(number=h.national_id or "—"), h.email or ""])))
        marks = []
        for check in a.checks:
            mark = "✓" if check.ok else ("✗" if check.blocking else "!")
            marks.append(f"{mark} {check.localized()}")
        self.query_one("#checks", Static).update("\n".join(marks))
        can_override = self.ctx.operator.role == "admin" and h is not None and bool(a.failures)
        self.query_one("#override_box").set_class(can_override, "shown")
        if a.holder is None:
            self.status(_("This token cannot be handed over: no holder."), "error")
        elif a.failures:
            text = _("Handover blocked: {problems}.").format(problems="; ".join(c.localized() for c in a.failures))
            if not can_override:
                text += " " + _("Only an admin can override, with a reason.")
            self.status(text, "error")
        else:
            self.status(_("Checks passed. Confirm the recipient's identity, then press F9."), "ok")
        self.query_one("#id_number", Input).focus()

    def action_reread(self) -> None:
        if self.assessment is not None:
            self.token_inserted(self.assessment.token)

    # -- the draft from the form -------------------------------------------------------
    def _draft(self) -> Draft:
        a = self.assessment
        if a is None or a.holder is None or a.certificate is None:
            raise HandoverError("Insert a token whose holder is in the roster first")
        typed = _national(self.query_one("#id_number", Input).value)
        papers = self.query_one("#papers", Checkbox).value
        proxy = self.query_one("#proxy", Checkbox).value
        recipient = Recipient()
        if proxy:
            name = " ".join(self.query_one("#proxy_name", Input).value.split())
            number = _national(self.query_one("#proxy_id", Input).value)
            auth = self.query_one("#proxy_auth", Input).value.strip()
            if not name or not auth:
                raise IdentityError("A proxy needs a name and an authorisation note")
            if not (number.isdigit() and len(number) in (9, 12)):
                raise IdentityError("The proxy's ID number must have 12 digits (CCCD) or 9 (CMND)")
            if typed and typed != number and typed != a.holder.national_id:
                raise IdentityError("The ID number typed matches neither the proxy nor the holder")
            position = self.query_one("#proxy_position", Input).value.strip()
            recipient = Recipient("proxy", name, number, position, "", "", auth)
            identity = "typed" if typed == number else "checked"
            if identity == "checked" and not papers:
                raise IdentityError("Type the proxy's ID number or tick that the papers were checked")
        elif typed:
            if typed != a.holder.national_id:
                raise IdentityError("The ID number typed ({typed}) is not the holder's", typed=typed)
            identity = "typed"
        elif papers:
            identity = "checked"
        else:
            raise IdentityError("Confirm the recipient's identity: type the ID number or tick the papers box")
        override = None
        if a.failures:
            reason = self.query_one("#override_reason", Input).value.strip()
            if self.ctx.operator.role != "admin":
                raise HandoverError("Handover blocked: {problems}. Only an admin can override, with a reason.",
                                    problems="; ".join(c.localized() for c in a.failures))
            if not reason:
                raise HandoverError("Type the reason for overriding the failed checks")
            override = Override(self.ctx.operator.id, reason)
        return Draft.from_assessment(a, identity, recipient, override)

    # -- batch -----------------------------------------------------------------------------
    def action_add_to_batch(self) -> None:
        if not self.batch_mode or self._busy:
            return
        try:
            draft = self._draft()
        except HelpdeskError as exc:
            self.status(exc.localized(), "error")
            return
        if any(d.token.serial == draft.token.serial for d in self.batch_items):
            self.status(_("Token {serial} is already in the batch").format(serial=draft.token.serial), "error")
            return
        self.batch_items.append(draft)
        self._show_batch()
        self.assessment = None
        self.status(_("{count} tokens in the batch. Insert the next token, or press F9 to save and print.")
                    .format(count=len(self.batch_items)), "ok")

    def _show_batch(self) -> None:
        lines = [f"{i}. {d.token.serial} — {d.holder.full_name}" for i, d in enumerate(self.batch_items, 1)]
        self.query_one("#batch", Static).update("\n".join([_("Batch:"), *lines]) if lines else "")

    # -- commit and print ------------------------------------------------------------------
    def action_commit(self) -> None:
        if self._busy:
            return
        try:
            if self.batch_mode:
                if self.assessment is not None:
                    self.action_add_to_batch()
                    if self.assessment is not None:
                        return  # not added: the status line says why
                drafts = list(self.batch_items)
                if not drafts:
                    raise HandoverError("The batch is empty")
            else:
                drafts = [self._draft()]
        except HelpdeskError as exc:
            self.status(exc.localized(), "error")
            return
        op = self.ctx.operator
        giver = Giver.from_settings(self.ctx.settings, op.id, op.name)
        self._busy = True
        self.saved = []
        self._offer_actions()
        self.status(_("Saving the handover record…"))
        self.run_job(self._commit, drafts, giver, done=self._saved, failed=self._commit_failed, group="commit")

    def _commit(self, drafts: list[Draft], giver: Giver) -> list[Record]:  # a job
        if not self.batch_mode:
            # The token must still be in the reader: a pulled token is not handed over.
            self.ctx.worker.identify(drafts[0].token.serial).result(timeout=60)
        return commit_handovers(self.ctx, drafts, giver)

    def _saved(self, records: list[Record]) -> None:
        self.saved = records
        self.batch_items = []
        self._show_batch()
        self._offer_actions()
        self.status(_("Record {number} saved. Printing…").format(number=records[0].payload["number"]), "ok")
        self._print(records)

    def _commit_failed(self, error: BaseException) -> None:
        self._busy = False
        if isinstance(error, TokenRemovedError | TokenNotFound):
            serial = self.assessment.token.serial if self.assessment else ""
            self.assessment = None
            self.status(_("Token {serial} is no longer in the reader; nothing was recorded. Insert it again "
                          "to continue.").format(serial=serial), "error")
        elif isinstance(error, TokenError):
            self.assessment = None
            self.status(_("{error} Nothing was recorded.").format(error=error.localized()), "error")
        else:  # refused by a check (ours or another plugin's validate hook), or the store
            self.show_error(error)
            self.status(self.status_text + " " + _("Nothing was recorded."), "error")

    # -- the paper -------------------------------------------------------------------------
    def _print(self, records: list[Record]) -> None:
        number = records[0].payload["number"]

        def on_state(state: str) -> None:  # from the job's thread
            self.app.call_from_thread(self.status, _("Record {number} saved. Printer: {state}").format(
                number=number, state=_(f"job {state}")))

        def paper() -> Printed:  # a job
            worker = get_current_worker()
            return print_paper(self.ctx, records, wait=PRINT_WAIT, on_state=on_state,
                               cancelled=lambda: worker.is_cancelled)

        self.run_job(paper, done=self._printed, failed=self._print_failed, group="print")

    def _printed(self, printed: Printed) -> None:
        self._busy = False
        self.printed = printed
        number = self.saved[0].payload["number"] if self.saved else ""
        if printed.error is not None:
            self.status(_("Record {number} saved and archived ({path}), but printing failed: {error} "
                          "Press F6 to print again.").format(number=number, path=printed.path,
                                                             error=printed.error.localized()), "error")
        elif printed.state in ("pending", "processing"):
            self.status(_("Record {number} saved; the printer is still working on it (F6 prints again).")
                        .format(number=number), "ok")
        else:
            self.status(_("Record {number} saved, archived and printed. Hand over the token and both copies "
                          "for signing.").format(number=number), "ok")
        self.assessment = None

    def _print_failed(self, error: BaseException) -> None:
        self._busy = False
        self.show_error(error)

    def action_reprint(self) -> None:
        if self._busy or not self.saved:
            return
        self._busy = True
        self.status(_("Printing again…"))
        self._print(self.saved)

    # -- other plugins' actions on the saved records ---------------------------------------
    def _offer_actions(self) -> None:
        """List the record actions with their keys while saved records are on screen."""
        self.actions = {}
        if self.saved:
            taken = {"f4", "f5", "f6", "f9"}
            for action in self.ctx.record_actions(RECORD_TYPE):
                key = action.key.lower() if action.key and action.key.lower() not in taken else \
                    next((k for k in SPARE_KEYS if k not in taken), "")
                if key:
                    self.actions[key] = action
                    taken.add(key)
        lines = [f"{key.upper()}  {action.title()}" for key, action in self.actions.items()]
        self.query_one("#actions", Static).update("\n".join([_("Next, for this record:"), *lines]) if lines else "")

    def on_key(self, event: events.Key) -> None:
        action = self.actions.get(event.key)
        if action is not None and self.saved:
            event.stop()
            self.open_record_action(action, list(self.saved))

    def relabel(self) -> None:
        self._offer_actions()
