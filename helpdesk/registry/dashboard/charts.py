"""Server-rendered SVG charts (no script, no CDN): they scale with the page (viewBox)
and carry their figures as text, so a screen reader and a test can read them."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PLAN_COLOUR = "#c9d3e0"
ACTUAL_COLOUR = "#1f5fa8"
LATE_COLOUR = "#c0392b"


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{round(value):,}".replace(",", ".")


def plan_vs_actual(title: str, bars: Sequence[tuple[str, int | None, float]], *, plan_label: str,
                   actual_label: str) -> str:
    """Grouped bars: per label (a year), the plan beside the actual."""
    width, height, top, bottom, left = 320, 184, 36, 30, 8
    peak = max([1.0, *(float(p or 0) for _, p, _ in bars), *(float(a) for _, _, a in bars)])
    slot = (width - 2 * left) / max(1, len(bars))
    bar = slot * 0.36
    inner = height - top - bottom
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<title>{escape(title)}</title>',
             f'<text x="{left}" y="16" class="ct">{escape(title)}</text>']
    for i, (label, plan, actual) in enumerate(bars):
        x = left + i * slot + slot * 0.12
        for j, (value, colour, kind) in enumerate(((plan, PLAN_COLOUR, plan_label),
                                                   (actual, ACTUAL_COLOUR, actual_label))):
            h = inner * float(value or 0) / peak
            bx = x + j * bar
            parts.append(f'<rect x="{bx:.1f}" y="{top + inner - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{escape(kind)} {escape(label)}: {_fmt(value)}</title></rect>')
            parts.append(f'<text x="{bx + bar / 2 - 1:.1f}" y="{top + inner - h - 3:.1f}" class="cv" '
                         f'text-anchor="middle">{_fmt(value) if value is not None else ""}</text>')
        parts.append(f'<text x="{x + bar:.1f}" y="{height - 12}" class="cl" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + inner}" x2="{width - left}" y2="{top + inner}" stroke="#889"/>')
    parts.append("</svg>")
    return "".join(parts)


def progress(title: str, rows: Sequence[tuple[str, float, float, bool]]) -> str:
    """Horizontal bars: per unit, the share of its target done (``share``, 0..), a tick at
    the share expected by now, red when lagging."""
    width, row_h, left, top = 480, 22, 170, 24
    height = top + row_h * max(1, len(rows)) + 8
    span = width - left - 40
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">', f'<title>{escape(title)}</title>',
             f'<text x="4" y="15" class="ct">{escape(title)}</text>']
    for i, (label, share, expected, late) in enumerate(rows):
        y = top + i * row_h
        w = span * min(share, 1.0)
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(f'<text x="4" y="{y + 14}" class="cl">{escape(short)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{span}" height="14" fill="#eef1f5"/>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="14" '
                     f'fill="{LATE_COLOUR if late else ACTUAL_COLOUR}"/>')
        ex = left + span * min(expected, 1.0)
        parts.append(f'<line x1="{ex:.1f}" y1="{y + 1}" x2="{ex:.1f}" y2="{y + 19}" stroke="#333" stroke-dasharray="2,2"/>')
        parts.append(f'<text x="{left + span + 4}" y="{y + 14}" class="cv">{100 * share:.0f}%</text>')
    parts.append("</svg>")
    return "".join(parts)
