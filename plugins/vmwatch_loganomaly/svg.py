"""Small inline-SVG charts for the report (pure: numbers in, SVG text out; no plotting library).

Every chart is a standalone `<svg>` element with a `viewBox`, so it scales with the page, and
`<title>` children on marks, so a browser shows the value on hover.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence

FONT = 'font-family="system-ui, sans-serif" font-size="11"'
BLUE, RED, GREY, SHADE = "#3b6ea8", "#c0392b", "#888", "#f3b9b2"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _day(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%b %d")


_CLOCK_STEPS = (1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)


def _time_ticks(t0: float, t1: float, width: float, x) -> list[str]:
    """Day ticks, thinned so labels do not overlap; clock-time ticks for spans under two days
    (the live analyser's windows may be minutes or seconds long)."""
    if t1 - t0 < 2 * 86400:
        most = max(2, int(width // 70))
        step = next((s for s in _CLOCK_STEPS if (t1 - t0) / s <= most), 86400)
        fmt = "%H:%M:%S" if step < 60 else "%H:%M"
        out = []
        for t in range(math.ceil(t0 / step) * step, math.floor(t1) + 1, step):
            label = dt.datetime.fromtimestamp(t, dt.UTC).strftime(fmt)
            out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="0" y2="4" stroke="{GREY}"/>'
                       f'<text x="{x(t):.1f}" y="15" text-anchor="middle">{label}</text>')  # fmt: skip
        return out
    days = max(1, int((t1 - t0) // 86400))
    every = max(1, math.ceil(days / max(1, width // 60)))
    out = []
    first = math.ceil(t0 / 86400) * 86400
    for k, t in enumerate(range(int(first), int(t1) + 1, 86400)):
        if k % every == 0:
            out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="0" y2="4" stroke="{GREY}"/>'
                       f'<text x="{x(t):.1f}" y="15" text-anchor="middle">{_day(t)}</text>')  # fmt: skip
    return out


def time_bars(
    spans: Sequence[tuple[float, float, float, str]],
    shaded: Sequence[tuple[float, float, str]] = (),
    marked: Sequence[int] = (),
    width: int = 900,
    height: int = 160,
    ylabel: str = "",
    color: str = BLUE,
) -> str:
    """Bars over time: (start, end, value, hover text) each; `shaded` spans (incidents) behind them;
    `marked` bar indices drawn in red (peaks)."""
    left, bottom, top = 44, 22, 8
    if not spans:
        return '<p class="empty">no windows</p>'
    t0 = min(s[0] for s in spans)
    t1 = max(s[1] for s in spans)
    vmax = max(max(s[2] for s in spans), 1)
    plot_w, plot_h = width - left - 24, height - bottom - top
    x = lambda t: left + (t - t0) / (t1 - t0) * plot_w
    y = lambda v: top + plot_h - v / vmax * plot_h
    parts = [f'<svg viewBox="0 0 {width} {height}" class="chart" {FONT}>']
    for s, e, label in shaded:
        s, e = max(s, t0), min(e, t1)
        if e > s:
            parts.append(f'<rect x="{x(s) - 1.5:.1f}" y="{top}" width="{max(x(e) - x(s), 1) + 3:.1f}" height="{plot_h}" '
                         f'fill="{SHADE}"><title>{esc(label)}</title></rect>')  # fmt: skip
    mark = set(marked)
    for i, (s, e, v, label) in enumerate(spans):
        w = max(x(e) - x(s) - 1, 1)
        fill = RED if i in mark else color
        parts.append(f'<rect x="{x(s):.1f}" y="{y(v):.1f}" width="{w:.1f}" height="{y(0) - y(v):.1f}" fill="{fill}">'
                     f"<title>{esc(label)}</title></rect>")  # fmt: skip
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="{GREY}"/>')
    for v in _nice_ticks(vmax):
        parts.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>'
                     f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>')  # fmt: skip
    parts.append(
        f'<g transform="translate(0,{y(0):.1f})">' + "".join(_time_ticks(t0, t1, plot_w, x)) + "</g>"
    )
    if ylabel:
        parts.append(f'<text x="10" y="{top + plot_h / 2}" transform="rotate(-90 10 {top + plot_h / 2})" '
                     f'text-anchor="middle">{esc(ylabel)}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def _nice_ticks(vmax: float, n: int = 4) -> list[float]:
    step = 10 ** math.floor(math.log10(max(vmax / n, 1e-9)))
    for m in (1, 2, 5, 10):
        if vmax / (step * m) <= n:
            step *= m
            break
    return [k * step for k in range(int(vmax // step) + 1)]


def scatter_loglog(
    points: Sequence[tuple[float, float, str]], width: int = 520, height: int = 420,
    xlabel: str = "", ylabel: str = "",
) -> str:  # fmt: skip
    """Log-log scatter of positive (x, y, hover text) points with the y = x diagonal."""
    pts = [(a, b, t) for a, b, t in points if a > 0 and b > 0]
    if not pts:
        return '<p class="empty">no templates with two or more occurrences</p>'
    lo = 10 ** math.floor(math.log10(min(min(a, b) for a, b, _ in pts)))
    hi = 10 ** math.ceil(math.log10(max(max(a, b) for a, b, _ in pts)))
    left, bottom, top, right = 64, 40, 10, 16
    pw, ph = width - left - right, height - top - bottom
    span = math.log10(hi) - math.log10(lo) or 1
    x = lambda v: left + (math.log10(v) - math.log10(lo)) / span * pw
    y = lambda v: top + ph - (math.log10(v) - math.log10(lo)) / span * ph
    parts = [f'<svg viewBox="0 0 {width} {height}" class="chart square" {FONT}>',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="{GREY}"/>',
             f'<line x1="{x(lo):.1f}" y1="{y(lo):.1f}" x2="{x(hi):.1f}" y2="{y(hi):.1f}" stroke="#ccc" stroke-dasharray="4 3"/>']  # fmt: skip
    for tick in _DURATION_TICKS:
        if lo <= tick <= hi:
            label = _duration(tick)
            parts.append(f'<text x="{x(tick):.1f}" y="{top + ph + 14}" text-anchor="middle">{label}</text>'
                         f'<text x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end">{label}</text>'
                         f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" y2="{top + ph}" stroke="#f0f0f0"/>'
                         f'<line x1="{left}" x2="{left + pw}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#f0f0f0"/>')  # fmt: skip
    for a, b, t in pts:
        parts.append(f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="3.5" fill="{BLUE}" fill-opacity="0.6">'
                     f"<title>{esc(t)}</title></circle>")  # fmt: skip
    parts.append(f'<text x="{left + pw / 2}" y="{height - 6}" text-anchor="middle">{esc(xlabel)}</text>')
    parts.append(f'<text x="12" y="{top + ph / 2}" transform="rotate(-90 12 {top + ph / 2})" '
                 f'text-anchor="middle">{esc(ylabel)}</text></svg>')  # fmt: skip
    return "".join(parts)


_DURATION_TICKS = (0.01, 0.1, 1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400)


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def step_cdf(
    series: Sequence[tuple[str, Sequence[tuple[int, float]], int]], width: int = 520, height: int = 300
) -> str:
    """CDF step lines: (name, [(days, share ≤ days)], rare threshold) per analysis."""
    if not any(points for _, points, _ in series):
        return '<p class="empty">no edges</p>'
    left, bottom, top, right = 44, 36, 10, 110
    pw, ph = width - left - right, height - top - bottom
    dmax = max(p[-1][0] for _, p, _ in series if p)
    x = lambda d: left + d / dmax * pw
    y = lambda s: top + ph - s * ph
    colors = [BLUE, "#e67e22", "#27ae60", "#8e44ad"]
    parts = [f'<svg viewBox="0 0 {width} {height}" class="chart square" {FONT}>',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="{GREY}"/>']  # fmt: skip
    for share in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
        parts.append(f'<text x="{left - 4}" y="{y(share) + 4:.1f}" text-anchor="end">{share:.0%}</text>'
                     f'<line x1="{left}" x2="{left + pw}" y1="{y(share):.1f}" y2="{y(share):.1f}" stroke="#eee"/>')  # fmt: skip
    for d in _nice_ticks(dmax, 6):
        parts.append(f'<text x="{x(d):.1f}" y="{top + ph + 14}" text-anchor="middle">{d:g}</text>')
    for k, (name, points, threshold) in enumerate(series):
        if not points:
            continue
        c = colors[k % len(colors)]
        path, prev = [f"M{x(0):.1f},{y(0):.1f}"], 0.0
        for d, share in points:
            path.append(f"H{x(d):.1f}V{y(share):.1f}")
            prev = share
        path.append(f"H{x(dmax):.1f}")
        parts.append(f'<path d="{"".join(path)}" fill="none" stroke="{c}" stroke-width="2"/>')
        share_at = max((s for d, s in points if d <= threshold), default=0.0)
        parts.append(f'<circle cx="{x(threshold):.1f}" cy="{y(share_at):.1f}" r="4" fill="{c}">'
                     f"<title>{esc(name)}: {share_at:.0%} of edges seen on ≤ {threshold} days</title></circle>")  # fmt: skip
        parts.append(
            f'<text x="{left + pw + 8}" y="{top + 14 + 16 * k}" fill="{c}">{esc(name)}: ≤{threshold} d = {share_at:.0%}</text>'
        )
        del prev
    parts.append(
        f'<text x="{left + pw / 2}" y="{height - 4}" text-anchor="middle">days on which an edge appears</text></svg>'
    )
    return "".join(parts)


def timelines(
    rows: Sequence[tuple[str, Sequence[float]]], t0: float, width: float,
    shaded: Sequence[tuple[float, float, str]] = (), chart_width: int = 900, row_height: int = 26,
) -> str:  # fmt: skip
    """One sparkline per row (label, counts per bin of `width` seconds from t0), each scaled to its max."""
    if not rows:
        return '<p class="empty">no series</p>'
    left = 330
    n = max(len(v) for _, v in rows)
    t1 = t0 + n * width
    pw = chart_width - left - 24
    height = row_height * len(rows) + 22
    x = lambda t: left + (t - t0) / (t1 - t0) * pw
    parts = [f'<svg viewBox="0 0 {chart_width} {height}" class="chart" {FONT}>']
    for s, e, label in shaded:
        parts.append(f'<rect x="{x(max(s, t0)):.1f}" y="0" width="{max(x(min(e, t1)) - x(max(s, t0)), 2):.1f}" '
                     f'height="{height - 22}" fill="{SHADE}"><title>{esc(label)}</title></rect>')  # fmt: skip
    for r, (label, values) in enumerate(rows):
        base = (r + 1) * row_height - 3
        vmax = max(max(values, default=0), 1)
        pts = " ".join(
            f"{x(t0 + (i + 0.5) * width):.1f},{base - v / vmax * (row_height - 6):.1f}"
            for i, v in enumerate(values)
        )
        short = label if len(label) <= 52 else label[:51] + "…"
        parts.append(f'<text x="{left - 6}" y="{base - 4}" text-anchor="end"><title>{esc(label)}</title>{esc(short)}</text>'
                     f'<line x1="{left}" x2="{left + pw}" y1="{base}" y2="{base}" stroke="#eee"/>'
                     f'<polyline points="{pts}" fill="none" stroke="{BLUE}" stroke-width="1"><title>{esc(label)}: max {vmax:g}/h</title></polyline>')  # fmt: skip
    parts.append(
        f'<g transform="translate(0,{height - 22})">' + "".join(_time_ticks(t0, t1, pw, x)) + "</g></svg>"
    )
    return "".join(parts)


def circle_graph(
    nodes: Sequence[tuple[str, str]], edges: Sequence[tuple[str, str, bool, bool]], size: int = 560
) -> str:
    """Fallback graph drawing without graphviz: nodes (id, label) on a circle; edges (a, b, directed,
    rare), rare ones in red."""
    if not nodes:
        return '<p class="empty">no nodes</p>'
    r = size / 2 - 120
    cx = cy = size / 2
    pos = {}
    for k, (nid, _) in enumerate(nodes):
        a = 2 * math.pi * k / len(nodes)
        pos[nid] = (cx + r * math.cos(a), cy + r * math.sin(a))
    parts = [f'<svg viewBox="0 0 {size} {size}" class="chart square" {FONT}>',
             (f'<defs><marker id="arrow" viewBox="0 0 10 10" refX="14" refY="5" markerWidth="6" markerHeight="6" orient="auto">'
              f'<path d="M0,0 L10,5 L0,10 z" fill="{GREY}"/></marker></defs>')]  # fmt: skip
    for a, b, directed, rare in edges:
        if a in pos and b in pos:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            stroke = RED if rare else GREY
            marker = ' marker-end="url(#arrow)"' if directed else ""
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
                         f'stroke-width="{2.5 if rare else 1}"{marker}/>')  # fmt: skip
    for nid, label in nodes:
        px, py = pos[nid]
        anchor = "start" if px >= cx else "end"
        dx = 7 if px >= cx else -7
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5" fill="{BLUE}"><title>{esc(label)}</title></circle>'
                     f'<text x="{px + dx:.1f}" y="{py + 4:.1f}" text-anchor="{anchor}">{esc(label[:40])}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
