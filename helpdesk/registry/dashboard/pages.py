"""The dashboard's HTML: one page of figures and the log-in form.

Server-rendered, every value escaped, no script; one stylesheet inline; the layout
folds to one column on a phone. Vietnamese by default, English with ``?lang=en``.
"""

from __future__ import annotations

import functools
import unicodedata
from html import escape

from helpdesk.i18n import translations
from helpdesk.registry.dashboard import charts
from helpdesk.registry.dashboard.figures import SILENT_DAYS, Dashboard, KioskState, MetricYear


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated per request by :func:`texts`."""
    return message


#: The page's words: key -> English msgid (Vietnamese in ``helpdesk/locale/vi/LC_MESSAGES/dashboard.po``).
MESSAGES: dict[str, str] = {
    "title": N_("Digital signature deployment dashboard"),
    "org": N_("Department of Home Affairs"),
    "login": N_("Log in"),
    "name": N_("User name"),
    "password": N_("Password"),
    "logout": N_("Log out"),
    "bad_login": N_("Wrong user name or password."),
    "expired": N_("Your session has expired; please log in again."),
    "bad_form": N_("The form has expired; please try again."),
    "by_year": N_("Plan and actual per year"),
    "metric": N_("Target"),
    "total": N_("Total"),
    "plan": N_("Plan"),
    "actual": N_("Actual"),
    "budget": N_("Budget (VND)"),
    "levels": N_("By unit level — {year}"),
    "level": N_("Level"),
    "units": N_("Units"),
    "lagging": N_("Units lagging behind — {year}"),
    "none_lagging": N_("No unit is behind schedule."),
    "unit": N_("Unit"),
    "done": N_("Done"),
    "expected": N_("Due by now"),
    "progress": N_("Progress per unit ({year})"),
    "no_unit_plan": N_("The plan sets no targets for single units."),
    "expiry": N_("Certificates expiring per unit"),
    "expired_n": N_("Expired"),
    "soon_n": N_("Expiring within 90 days"),
    "valid_n": N_("Valid"),
    "no_certs": N_("No certificate data yet."),
    "kiosks": N_("Sync state per kiosk"),
    "kiosk": N_("Kiosk"),
    "contact": N_("Last contact"),
    "head": N_("Audit (#)"),
    "records": N_("Records"),
    "flags": N_("Audit-chain flags"),
    "ok": N_("OK"),
    "pending": N_("Pending"),
    "silent": N_("no report for over {days} days"),
    "restored": N_("Figures as of {time} on {day} (UTC); being recomputed from the latest data."),
    "revoked": N_("revoked"),
    "never": N_("never"),
    "no_kiosks": N_("No kiosk is enrolled."),
    "activity": N_("Records in {year} per unit"),
    "year": N_("Year"),
    "as_of": N_("Figures as of {day}"),
    "failed": N_("Report section failed"),
    "computed": N_("computed at {at} in {ms} ms"),
    "empty": N_("No activity recorded yet."),
}
#: The link to the other language, named in that language.
OTHER_LANGUAGE = {"vi": ("en", "English"), "en": ("vi", "Tiếng Việt")}


@functools.cache
def texts(lang: str) -> dict[str, str]:
    """Every message of the page in ``lang`` (a request's language, not the process's)."""
    chain = translations(lang)
    return {key: unicodedata.normalize("NFC", chain.gettext(msgid)) for key, msgid in MESSAGES.items()}


STYLE = """
*{box-sizing:border-box}body{font-family:"Liberation Sans",Arial,sans-serif;margin:0;color:#1d2733;background:#f4f6f9}
header{background:#7a1f1f;color:#fff;padding:10px 16px;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
header h1{font-size:1.15rem;margin:0;flex:1 1 260px}header small{display:block;font-weight:normal;opacity:.85}
header form{margin:0}header a,header button{color:#fff;background:none;border:1px solid #fff8;border-radius:4px;
padding:4px 10px;font-size:.9rem;text-decoration:none;cursor:pointer}
main{padding:12px;max-width:1200px;margin:auto}section{background:#fff;border-radius:6px;padding:12px;margin:0 0 12px;
box-shadow:0 1px 2px #0002}h2{font-size:1.05rem;margin:0 0 8px;color:#7a1f1f}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:10px}
.chart{width:100%;height:auto}.chart .ct{font-size:12px;font-weight:bold}.chart .cv{font-size:10px}.chart .cl{font-size:10px}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #e3e7ed;padding:5px 6px;text-align:left}td.n,th.n{text-align:right;white-space:nowrap}
.late{color:#c0392b;font-weight:bold}.flag{background:#c0392b;color:#fff;border-radius:3px;padding:1px 5px}
.okay{color:#2e7d32}.years a{margin-right:8px}.years a.on{font-weight:bold;text-decoration:none;color:#1d2733}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}.muted{color:#667;font-size:.85rem}
.login{max-width:360px;margin:40px auto}.login label{display:block;margin:10px 0 4px}
.login input{width:100%;padding:8px;font-size:1rem}.login button{margin-top:14px;padding:8px 16px;font-size:1rem}
.error{color:#c0392b;font-weight:bold}tr.silent td{background:#fdecea}
.notice{background:#fff4d6;border:1px solid #e6c15c;border-radius:4px;padding:6px 10px}
"""


def _n(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "·").replace(".", ",").replace("·", ".")
    return f"{int(value):,}".replace(",", ".")


def _page(lang: str, title: str, body: str, head_extra: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)}</title><style>{STYLE}</style>{head_extra}</head><body>{body}</body></html>')


def login_page(lang: str, csrf: str, error: str = "", name: str = "") -> str:
    t = texts(lang)
    other, other_name = OTHER_LANGUAGE[lang]
    message = f'<p class="error" id="error">{escape(t[error])}</p>' if error else ""
    body = (f'<header><h1>{escape(t["title"])}<small>{escape(t["org"])}</small></h1>'
            f'<a href="/dashboard/login?lang={other}">{escape(other_name)}</a></header>'
            f'<main><section class="login"><h2>{escape(t["login"])}</h2>{message}'
            f'<form method="post" action="/dashboard/login?lang={lang}">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            f'<label for="name">{escape(t["name"])}</label>'
            f'<input id="name" name="name" autocomplete="username" required value="{escape(name)}">'
            f'<label for="password">{escape(t["password"])}</label>'
            f'<input id="password" name="password" type="password" autocomplete="current-password" required>'
            f'<button id="submit" type="submit">{escape(t["login"])}</button></form></section></main>')
    return _page(lang, t["login"], body)


def dashboard_page(board: Dashboard, lang: str, user: str, csrf: str) -> str:
    t = texts(lang)
    other, other_name = OTHER_LANGUAGE[lang]

    def label(m: MetricYear) -> str:
        return m.label_vi if lang == "vi" else m.label_en

    years = "".join(f'<a class="{"on" if y == board.year else ""}" href="/dashboard?year={y}&amp;lang={lang}">{y}</a>'
                    for y in board.plan.years)
    header = (f'<header><h1>{escape(t["title"])}<small>{escape(t["org"])} — {escape(board.plan.name)}</small></h1>'
              f'<span>{escape(user)}</span><a href="/dashboard?year={board.year}&amp;lang={other}">{escape(other_name)}</a>'
              f'<form method="post" action="/dashboard/logout"><input type="hidden" name="csrf" value="{escape(csrf)}">'
              f'<button id="logout" type="submit">{escape(t["logout"])}</button></form></header>')
    charts_html = "".join(
        charts.plan_vs_actual(label(m), [(str(y), p, a) for y, (p, a) in sorted(m.by_year.items())],
                              plan_label=t["plan"], actual_label=t["actual"]) for m in board.metrics)
    head_cells = "".join(f'<th class="n">{y}</th>' for y in board.plan.years)
    rows = []
    for m in board.metrics:
        cells = "".join(f'<td class="n">{_n(a)} / {_n(p)}</td>' for _y, (p, a) in sorted(m.by_year.items()))
        done = sum(a for p, a in m.by_year.values())
        planned = sum(p or 0 for p, a in m.by_year.values())
        rows.append(f'<tr data-metric="{escape(m.metric)}"><td>{escape(label(m))}</td>{cells}'
                    f'<td class="n"><b>{_n(done)} / {_n(planned)}</b></td></tr>')
    budget = board.budget
    rows.append(f'<tr data-metric="budget"><td>{escape(t["budget"])}</td>' + '<td></td>' * len(board.plan.years)
                + f'<td class="n"><b>{_n(budget.get("actual"))} / {_n(budget.get("plan"))}</b></td></tr>')
    legend = (f'<p class="legend muted"><span style="background:{charts.PLAN_COLOUR}"></span>{escape(t["plan"])}'
              f'<span style="background:{charts.ACTUAL_COLOUR}"></span>{escape(t["actual"])} · '
              f'{escape(t["actual"])} / {escape(t["plan"])}</p>')
    failed = "".join(f'<p class="failed late">{escape(t["failed"])}: {escape(note)}</p>' for note in board.notes)
    by_year = (f'<section id="by-year"><h2>{escape(t["by_year"])}</h2>{legend}<div class="grid">{charts_html}</div>'
               f'<div class="scroll"><table id="plan-table"><thead><tr><th>{escape(t["metric"])}</th>{head_cells}'
               f'<th class="n">{escape(t["total"])}</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
               f'{failed}</section>')
    restored = ""
    if board.restored:  # computed_at: "dd/mm/yyyy HH:MM:SS UTC"
        at = board.computed_at
        restored = f'<p id="restored" class="notice">{escape(t["restored"].format(time=at[11:16], day=at[:10]))}</p>'
    return _page(lang, t["title"], header + f'<main>{restored}<p class="years">{escape(t["year"])}: {years}</p>' + by_year
                 + _units(board, t) + _expiry(board, t) + _kiosks(board, t)
                 + f'<p class="muted">{escape(t["as_of"].format(day=board.today.strftime("%d/%m/%Y")))} · '
                 f'{escape(t["computed"].format(at=board.computed_at, ms=round(1000 * board.seconds)))}</p></main>')


def _unit_name(board: Dashboard, unit: str) -> str:
    line = board.plan.unit(unit)
    return line.name if line is not None else unit


def _units(board: Dashboard, t: dict[str, str]) -> str:
    year = board.year
    if not board.units:
        levels = f'<p class="muted">{escape(t["no_unit_plan"])}</p>'
        lagging = ""
        chart = ""
    else:
        level_rows = "".join(f'<tr><td>{escape(lv.level)}</td><td class="n">{lv.units}</td>'
                             f'<td class="n">{_n(lv.actual)} / {_n(lv.plan)}</td></tr>' for lv in board.levels)
        levels = (f'<div class="scroll"><table id="levels"><thead><tr><th>{escape(t["level"])}</th>'
                  f'<th class="n">{escape(t["units"])}</th><th class="n">{escape(t["actual"])} / {escape(t["plan"])}'
                  f'</th></tr></thead><tbody>{level_rows}</tbody></table></div>')
        late = board.lagging
        if late:
            late_rows = "".join(
                f'<tr class="late-unit" data-unit="{escape(u.unit)}"><td>{escape(u.name)}</td><td>{escape(u.level)}</td>'
                f'<td class="n late">{_n(u.actual)} / {_n(u.plan)} ({100 * u.share:.0f}%)</td>'
                f'<td class="n">{100 * u.expected_share:.0f}%</td></tr>' for u in late)
            lagging = (f'<div class="scroll"><table id="lagging"><thead><tr><th>{escape(t["unit"])}</th>'
                       f'<th>{escape(t["level"])}</th><th class="n">{escape(t["done"])}</th>'
                       f'<th class="n">{escape(t["expected"])}</th></tr></thead><tbody>{late_rows}</tbody></table></div>')
        else:
            lagging = f'<p class="okay">{escape(t["none_lagging"])}</p>'
        chart = charts.progress(t["progress"].format(year=year),
                                [(u.name, u.share, u.expected_share, u.lagging) for u in board.units])
    activity = "".join(f'<tr data-unit="{escape(unit)}"><td>{escape(_unit_name(board, unit))}</td>'
                       f'<td class="n">{_n(n)}</td></tr>' for unit, n in sorted(board.activity.items()))
    activity_html = (f'<div class="scroll"><table id="activity"><thead><tr><th>{escape(t["unit"])}</th>'
                     f'<th class="n">{escape(t["records"])}</th></tr></thead><tbody>{activity}</tbody></table></div>'
                     if activity else f'<p class="muted">{escape(t["empty"])}</p>')
    return (f'<section id="units"><h2>{escape(t["levels"].format(year=year))}</h2>{levels}</section>'
            f'<section id="late"><h2>{escape(t["lagging"].format(year=year))}</h2><div class="grid"><div>{lagging}</div>'
            f'<div>{chart}</div></div></section>'
            f'<section id="activity-section"><h2>{escape(t["activity"].format(year=year))}</h2>{activity_html}</section>')


def _expiry(board: Dashboard, t: dict[str, str]) -> str:
    if not board.expiry:
        return f'<section id="expiry"><h2>{escape(t["expiry"])}</h2><p class="muted">{escape(t["no_certs"])}</p></section>'
    rows = "".join(f'<tr data-unit="{escape(e.unit)}"><td>{escape(_unit_name(board, e.unit))}</td><td class="n">{_n(e.expired)}</td>'
                   f'<td class="n{" late" if e.soon else ""}">{_n(e.soon)}</td><td class="n">{_n(e.valid)}</td></tr>'
                   for e in board.expiry)
    return (f'<section id="expiry"><h2>{escape(t["expiry"])}</h2><div class="scroll"><table><thead><tr>'
            f'<th>{escape(t["unit"])}</th><th class="n">{escape(t["expired_n"])}</th><th class="n">{escape(t["soon_n"])}'
            f'</th><th class="n">{escape(t["valid_n"])}</th></tr></thead><tbody>{rows}</tbody></table></div></section>')


def _when(value: str | None, t: dict[str, str]) -> str:
    if not value:
        return t["never"]
    return f"{value[8:10]}/{value[5:7]}/{value[:4]} {value[11:16]} UTC"


def _kiosks(board: Dashboard, t: dict[str, str]) -> str:
    if not board.kiosks:
        return f'<section id="kiosks"><h2>{escape(t["kiosks"])}</h2><p class="muted">{escape(t["no_kiosks"])}</p></section>'
    rows = []
    for k in board.kiosks:
        flags = " ".join(f'<span class="flag">{escape(kind)} × {n}</span>' for kind, n in sorted(k.flags.items()))
        state = flags or f'<span class="okay">{escape(t["ok"])}</span>'
        name = escape(k.id) + (f' <span class="late">({escape(t["revoked"])})</span>' if k.revoked else "")
        silent = k.silent(board.today)
        marked = ' class="silent"' if silent else ""
        rows.append(f'<tr data-kiosk="{escape(k.id)}"{marked}><td>{name}</td>'
                    f'<td>{escape(_unit_name(board, k.unit or "—"))}</td>'
                    f'<td>{escape(_when(k.last_contact, t))}</td>{_pending(k, silent, t)}<td class="n">{k.head_seq}</td>'
                    f'<td class="n">{_n(k.records)}</td><td>{state}</td></tr>')
    return (f'<section id="kiosks"><h2>{escape(t["kiosks"])}</h2><div class="scroll"><table><thead><tr>'
            f'<th>{escape(t["kiosk"])}</th><th>{escape(t["unit"])}</th><th>{escape(t["contact"])}</th>'
            f'<th class="n">{escape(t["pending"])}</th>'
            f'<th class="n">{escape(t["head"])}</th><th class="n">{escape(t["records"])}</th>'
            f'<th>{escape(t["flags"])}</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>')


def _pending(k: KioskState, silent: bool, t: dict[str, str]) -> str:
    """Records the kiosk held unsent at its last report, and when; loud when that is long ago."""
    if k.pending is None:
        return '<td class="n pending">–</td>'
    note = f'<br><span class="late">{escape(t["silent"].format(days=SILENT_DAYS))}</span>' if silent else ""
    return (f'<td class="n pending{" late" if silent else ""}">{_n(k.pending)}'
            f'<br><small class="muted">{escape(_when(k.reported_at, t))}</small>{note}</td>')
