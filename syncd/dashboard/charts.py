"""Server-rendered SVG charts: no script, no CDN, readable without a network.

Each chart is an ``<svg data-chart="NAME">``; each drawn mark carries ``data-series`` and
``data-value`` so a browser test can compare what is drawn with the API's figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

FONT = 12
STAGE_SERIES = (
    ("new", "New", "#94a3b8"),
    ("in_progress", "In progress", "#3b82f6"),
    ("on_hold", "On hold", "#f59e0b"),
    ("fixed", "Fixed", "#10b981"),
    ("wont_do", "Won't do", "#a855f7"),
    ("redirected", "Redirected", "#64748b"),
)
Series = Sequence[tuple[str, str, str]]  # key, label, colour


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _legend(series: Series, y: int = 14) -> str:
    out, x = [], 0
    for key, label, colour in series:
        out.append(
            f'<g class="legend" data-legend="{_e(key)}"><rect x="{x}" y="{y - 10}" width="12" '
            f'height="12" rx="2" fill="{colour}"/><text x="{x + 17}" y="{y}">{_e(label)}</text></g>'
        )
        x += 26 + 7 * len(label)
    return "".join(out)


def _svg(
    name: str, width: int, height: int, body: str, label: str, *, fixed: bool = False
) -> Markup:
    size = f'width="{width}" height="{height}"' if fixed else 'width="100%"'
    return Markup(
        f'<svg class="chart" data-chart="{_e(name)}" viewBox="0 0 {width} {height}" '
        f'{size} preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-label="{_e(label)}" font-size="{FONT}">{body}</svg>'
    )


def stacked(
    name: str,
    rows: Sequence[tuple[str, Sequence[int]]],
    series: Series = STAGE_SERIES,
    *,
    width: int = 560,
    label: str = "",
) -> Markup:
    """Horizontal stacked bars, one row per key, the total at the end of each bar."""
    gutter, bar, gap, top = 90, 20, 10, 30
    total_max = max((sum(v) for _, v in rows), default=0) or 1
    span = width - gutter - 50
    parts = [_legend(series)]
    for i, (key, values) in enumerate(rows):
        y = top + i * (bar + gap)
        parts.append(
            f'<text class="axis" x="{gutter - 8}" y="{y + bar / 2 + 4}" '
            f'text-anchor="end">{_e(key)}</text>'
        )
        x = float(gutter)
        for (skey, slabel, colour), v in zip(series, values, strict=True):
            w = span * v / total_max
            if v:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1.5):.1f}" height="{bar}" '
                    f'fill="{colour}" data-row="{_e(key)}" data-series="{skey}" data-value="{v}">'
                    f"<title>{_e(key)} · {_e(slabel)}: {v}</title></rect>"
                )
                if w >= 22:
                    parts.append(
                        f'<text class="in" x="{x + w / 2:.1f}" y="{y + bar / 2 + 4}" '
                        f'text-anchor="middle">{v}</text>'
                    )
            x += w
        parts.append(
            f'<text class="total" x="{x + 6:.1f}" y="{y + bar / 2 + 4}" '
            f'data-row="{_e(key)}" data-total="{sum(values)}">{sum(values)}</text>'
        )
    if not rows:
        parts.append(f'<text class="empty" x="{gutter}" y="{top + 14}">no escalations</text>')
    height = top + max(len(rows), 1) * (bar + gap)
    return _svg(name, width, height, "".join(parts), label)


def columns(
    name: str,
    labels: Sequence[str],
    series: Series,
    values: Sequence[Sequence[int]],
    *,
    width: int = 560,
    height: int = 200,
    label: str = "",
    every: int = 1,
) -> Markup:
    """Vertical columns, grouped per label (one column per series), with value labels."""
    left, top, bottom = 30, 28, 24
    plot_h = height - top - bottom
    vmax = max((v for vs in values for v in vs), default=0) or 1
    n, k = max(len(labels), 1), max(len(series), 1)
    slot = (width - left - 8) / n
    col = min(34.0, slot * 0.8 / k)
    parts = [_legend(series) if k > 1 else ""]
    base = top + plot_h
    parts.append(
        f'<line class="base" x1="{left}" x2="{width - 4}" y1="{base}" y2="{base}"/>'
        f'<text class="axis" x="{left - 6}" y="{top + 4}" text-anchor="end">{vmax}</text>'
        f'<line class="grid" x1="{left}" x2="{width - 4}" y1="{top}" y2="{top}"/>'
    )
    for i, lab in enumerate(labels):
        x0 = left + i * slot + (slot - col * k) / 2
        for j, (skey, slabel, colour) in enumerate(series):
            v = values[i][j]
            h = plot_h * v / vmax
            x = x0 + j * col
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{col - 2:.1f}" height="{h:.1f}" '
                f'fill="{colour}" data-row="{_e(lab)}" data-series="{skey}" data-value="{v}">'
                f"<title>{_e(lab)} · {_e(slabel)}: {v}</title></rect>"
            )
            if v and col >= 12:
                parts.append(
                    f'<text class="val" x="{x + (col - 2) / 2:.1f}" y="{base - h - 4:.1f}" '
                    f'text-anchor="middle">{v}</text>'
                )
        if i % every == 0:
            parts.append(
                f'<text class="axis" x="{left + i * slot + slot / 2:.1f}" y="{height - 6}" '
                f'text-anchor="middle">{_e(lab)}</text>'
            )
    return _svg(name, width, height, "".join(parts), label)


def medians(
    name: str,
    rows: Sequence[tuple[str, float | None, int]],
    *,
    colour: str = "#6366f1",
    width: int = 560,
    label: str = "",
) -> Markup:
    """One bar per key: the median in hours, with the count of links behind it."""
    gutter, bar, gap, top = 90, 16, 10, 6
    vmax = max((m for _, m, _ in rows if m is not None), default=0.0) or 1.0
    span = width - gutter - 110
    parts = []
    for i, (key, med, count) in enumerate(rows):
        y = top + i * (bar + gap)
        w = span * (med or 0) / vmax
        parts.append(
            f'<text class="axis" x="{gutter - 8}" y="{y + bar / 2 + 4}" '
            f'text-anchor="end">{_e(key)}</text>'
            f'<rect x="{gutter}" y="{y}" width="{max(w, 1.5):.1f}" height="{bar}" rx="2" '
            f'fill="{colour}" data-row="{_e(key)}" data-series="median" '
            f'data-value="{"" if med is None else med}"><title>{_e(key)}: median '
            f"{human_hours(med)} over {count}</title></rect>"
            f'<text class="total" x="{gutter + w + 6:.1f}" y="{y + bar / 2 + 4}">'
            f"{human_hours(med)} <tspan class='muted'>(n={count})</tspan></text>"
        )
    height = top + max(len(rows), 1) * (bar + gap)
    return _svg(name, width, height, "".join(parts), label)


def meter(name: str, value: int | None, limit: int | None, *, width: int = 160) -> Markup:
    """A small bar of what is left of a budget."""
    if value is None or not limit:
        return Markup('<span class="muted">not reported</span>')
    share = max(0.0, min(1.0, value / limit))
    colour = "#10b981" if share > 0.3 else "#f59e0b" if share > 0.1 else "#ef4444"
    body = (
        f'<rect x="0" y="2" width="{width}" height="10" rx="5" fill="#e5e7eb"/>'
        f'<rect x="0" y="2" width="{width * share:.1f}" height="10" rx="5" fill="{colour}" '
        f'data-series="remaining" data-value="{value}"/>'
    )
    return _svg(name, width, 14, body, f"{value} of {limit} left", fixed=True)


def human_hours(hours: float | None) -> str:
    """3.5 -> "3.5 h", 50 -> "2.1 d", 0.25 -> "15 min"."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"
