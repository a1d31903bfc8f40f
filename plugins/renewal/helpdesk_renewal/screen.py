"""The renewal workflow screen: certificates due for renewal, and the requests.

Kept simple: two tables filled by a thread job (the store and the sweep block), the
inserted token's certificate with its days left, F5 to read again, Esc to close.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from helpdesk.extension import WorkflowScreen, _, get_language
from helpdesk_renewal import due, requests
from helpdesk_renewal.model import TYPES, label, status_label
from helpdesk_renewal.service import revoke_and_reissue

if TYPE_CHECKING:
    from helpdesk.extension import TokenInfo


class RenewalScreen(WorkflowScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *WorkflowScreen.BINDINGS,
        Binding("f5", "reload", "Refresh", priority=True),
        Binding("f7", "revoke_reissue", "Revoke and re-issue", priority=True),
    ]

    _filed_text = ""

    def compose(self) -> ComposeResult:
        yield Static(_("Certificate renewal"), classes="title")
        yield Static("", id="token-line")
        yield Static(_("Certificates expiring within {days} days").format(days=due.DEFAULT_DAYS), id="due-title")
        yield DataTable(id="due", cursor_type="row", zebra_stripes=True)
        yield Static(_("Requests"), id="requests-title")
        yield DataTable(id="requests", cursor_type="row", zebra_stripes=True)
        yield self.status_line()
        yield self.footer()

    def on_mount(self) -> None:
        self.query_one("#due", DataTable).add_columns(_("Unit"), _("Name"), _("Certificate"), _("Expires"),
                                                      _("Days left"))
        self.query_one("#requests", DataTable).add_columns(_("Request"), _("Type"), _("Name"), _("Unit"),
                                                           _("Status"), _("List"))
        self._show_token()
        self.action_reload()

    def _show_token(self) -> None:
        line = self.query_one("#token-line", Static)
        token = self.token
        certs = [c for c in (token.certificates if token else ()) if not c.error]
        if token is None or not certs:
            line.update("")
            return
        cert = max(certs, key=lambda c: c.not_after)
        left = (cert.not_after.date() - self.ctx.now().date()).days
        text = _("Token {serial}: certificate {cert} of {name} expires on {day} ({days} days left)").format(
            serial=token.serial, cert=cert.serial, name=cert.subject.common_name,
            day=cert.not_after.strftime("%d/%m/%Y"), days=left)
        line.update(text)
        line.set_class(left <= due.DEFAULT_DAYS, "warning")

    def token_inserted(self, token: TokenInfo) -> None:
        self._show_token()
        self.refresh_bindings()

    def token_removed(self, serial: str) -> None:
        self._show_token()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "revoke_reissue":
            return self.token is not None
        return True

    def action_revoke_reissue(self) -> None:
        """The token in the reader is lost to its holder (locked, compromised): revocation of its
        certificate and a re-issue, filed together (one commit; duplicates refused)."""
        token = self.token
        if token is None or self.busy_with("renewal-file"):
            return
        self.status(_("Filing…"))
        self.run_job(revoke_and_reissue, self.ctx, token, done=self._filed, group="renewal-file")

    def _filed(self, rows: list[dict[str, Any]]) -> None:
        revoke, reissue = rows
        self._filed_text = _("Requests {revoke} (revocation) and {reissue} (re-issue) filed for {name}").format(
            revoke=revoke["id"], reissue=reissue["id"], name=reissue["name"])
        self.action_reload()

    def action_reload(self) -> None:
        self.status(_("Reading…"))
        self.run_job(self._load, done=self._fill, group="renewal-load")

    def _load(self) -> tuple[list[due.Due], list[dict[str, Any]]]:
        requests.sync_handovers(self.ctx)
        rows = sorted(requests.table(self.ctx).all(), key=lambda r: str(r.get("created")), reverse=True)
        return due.due(self.ctx), rows

    def _fill(self, result: tuple[list[due.Due], list[dict[str, Any]]]) -> None:
        found, rows = result
        language = get_language()
        table = self.query_one("#due", DataTable)
        table.clear()
        for d in found:
            c = d.cert
            table.add_row(c.unit or c.unit_id, c.name, c.cert_serial, c.not_after[:10], str(d.days_left))
        table = self.query_one("#requests", DataTable)
        table.clear()
        for r in rows:
            table.add_row(r["id"], label(TYPES, r["type"], language), r["name"], r["unit"],
                          status_label(r["type"], r["status"], language), r.get("list_number") or "")
        if self._filed_text:
            self.status(self._filed_text, "ok")
            self._filed_text = ""
            return
        self.status(_("{due} certificates due, {requests} requests").format(due=len(found), requests=len(rows)),
                    "warning" if found else "ok")
