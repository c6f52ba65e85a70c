"""`vmwatch logs report --out DIR`: one self-contained HTML page with the study's views.

Views (step 9 of the method), all inline SVG (no script, no external file, no plotting library):
1. summary: lines, templates, groups, hosts, span; per analysis the windows, distinct edges, the
   rare threshold and its coverage, and (with ground truth) precision and recall of the peaks;
2. inter-arrival scatter: mean vs median per template (log-log; far above the diagonal = usually
   frequent but sometimes silent for long);
3. per-template timelines: hourly counts of the groups at the ends of the top rare edges, then the
   most frequent groups, incidents shaded;
4. a window's causal graph: the highest-scoring window of the longest windows, drawn by graphviz
   `dot` when installed (a circle layout otherwise), rare edges in red, labelled `group: template`;
5. edges per window, 6. CDF of edge-days, 7. rare edges per window (1 day and 2 hours, or whatever
   was computed), peaks in red, ground-truth incidents shaded;
8. the top rare edges with what both ends logged in the window and example lines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

from vmwatch_loganomaly import edges, findings, incidents, results, stats, svg
from vmwatch_loganomaly.findings import Findings

esc = svg.esc


@dataclasses.dataclass(frozen=True)
class ReportOptions:
    truth: str | None = None
    coverage: float = 0.8
    days: int | None = None
    top: int = 15
    timelines: int = 24
    examples: int = 1
    graph_nodes: int = 40  # at most this many nodes in the drawn graph (rare edges' nodes first)


def write(store, out: Path, options: ReportOptions = ReportOptions()) -> Path:
    """Render the report into `out/index.html` and return its path."""
    page = render(store, options)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def _iso(t: float | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "-" if t is None else dt.datetime.fromtimestamp(t, dt.UTC).strftime(fmt)


def render(store, options: ReportOptions = ReportOptions()) -> str:
    """The report as one HTML string."""
    found = findings.all_findings(store, options.coverage, options.days)
    truth = incidents.load_truth(options.truth) if options.truth else []
    members = findings.group_templates(store)
    names = findings.template_of_group(store, members)
    shaded = [(i.start, i.end, f"{i.kind}: {_iso(i.start)} – {_iso(i.end)} UTC") for i in truth]
    body = [_summary(store, found, truth, members)]
    body.append(section("Inter-arrival times per template", _scatter(store),
                        "Mean against median interval between occurrences, one dot per template (log-log). "
                        "On the diagonal: regular; far above it: usually frequent but sometimes silent for long."))  # fmt: skip
    body.append(section("Per-template timelines", _timelines(store, found, members, names, shaded, options),
                        "Lines per hour of each template group (each row scaled to its own maximum): the groups at "
                        "the ends of the top rare edges first, then the most frequent. Incidents shaded."))  # fmt: skip
    if found:
        body.append(section("A window's causal graph", _graph(store, found[0], names, options), ""))
        body.append(section("Edges per window", "".join(_edges_per_window(f, shaded) for f in found),
                            "Distinct edges (pairs of template groups) in each window's CPDAG."))  # fmt: skip
        body.append(section("CDF of edge-days",
                            svg.step_cdf([(f.label, edges.edge_days_cdf(f.history), f.threshold) for f in found]),
                            "Share of distinct edges seen on at most d days. The study: edges seen on ≤ 5 days "
                            "were 80% of all edges; those are the rare ones (the dot marks the threshold used)."))  # fmt: skip
        body.append(section("Rare edges per window", "".join(_rare_per_window(f, truth, shaded, names) for f in found),
                            "Rare edges in each window; red bars are peaks (at least 2 rare edges and ≥ median + "
                            "2 × robust spread), shaded spans are the ground-truth incidents. Below each chart: "
                            "the peaks, highest score first, with the rare edges that made them."))  # fmt: skip
        body.append(section("Top rare edges", "".join(_top_rare(store, f, members, options) for f in found),
                            "The most unusual edges (TF-IDF, logdag's smoothed idf), with what both ends logged in "
                            "the first window where the edge appeared."))  # fmt: skip
    else:
        body.append("<p class='empty'>No causal graphs yet: run <code>vmwatch logs windows</code> "
                    "(and <code>--length 2h</code>) first.</p>")  # fmt: skip
    return page("vmwatch log analysis", body)


def page(title: str, sections: list[str]) -> str:
    """The HTML page around rendered sections (shared with the live report, `livereport`)."""
    return _PAGE.format(title=esc(title), body="\n".join(sections), css=_CSS)


def section(title: str, content: str, caption: str) -> str:
    cap = f'<p class="caption">{esc(caption)}</p>' if caption else ""
    return f"<section><h2>{esc(title)}</h2>{cap}{content}</section>"


def _summary(store, found: list[Findings], truth, members) -> str:
    totals = store.totals()
    first, last = store.db.execute("SELECT min(ts), max(ts) FROM event").fetchone()
    facts = (f"{totals['lines']:,} lines from {totals['hosts']} hosts, {_iso(first)} – {_iso(last)} UTC; "
             f"{totals['templates']} templates in {len(members)} groups.")  # fmt: skip
    rows = []
    for f in found:
        flagged = incidents.peaks(f.scores)
        ev = incidents.evaluate(f.scores, truth, flagged) if truth else None
        cells = [f.label, len(f.windows), sum(w.edges for w in f.windows), len(f.history),
                 f"≤ {f.threshold} days ({f.coverage:.0%})", f"{edges.share_at_most(f.history, 5):.0%}", len(flagged)]  # fmt: skip
        if truth:
            cells += [f"{ev.precision:.2f}", f"{ev.recall:.2f}",
                      ", ".join(f"{k} #{r}" for k, r in sorted(ev.ranks.items(), key=lambda p: p[1]))]  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    head = ["windows", "count", "edges (sum)", "distinct edges", "rare", "edges on ≤ 5 days", "peaks"]
    if truth:
        head += ["precision", "recall", "rank of each incident's best window"]
    table = ("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>"
             if rows else "")  # fmt: skip
    incident_list = ""
    if truth:
        items = "".join(f"<li><b>{esc(i.kind)}</b> {_iso(i.start)} – {_iso(i.end, '%H:%M')} UTC: {esc(i.description)}</li>"
                        for i in truth)  # fmt: skip
        incident_list = f"<p>Ground truth:</p><ul>{items}</ul>"
    return f"<header><h1>Log analysis</h1><p>{esc(facts)}</p>{table}{incident_list}</header>"


def _scatter(store) -> str:
    points = []
    for tid, text, count, *_ in store.templates():
        if count >= 3:
            occ = stats.occurrence(store.timestamps([tid]))
            if occ.mean and occ.median:
                label = f"{tid}: {text} ({count:,} lines; mean {occ.mean:,.0f} s, median {occ.median:,.0f} s)"
                points.append((occ.median, occ.mean, label))
    return svg.scatter_loglog(points, xlabel="median interval", ylabel="mean interval")


def _timelines(store, found: list[Findings], members, names, shaded, options: ReportOptions) -> str:
    first, last = store.db.execute("SELECT min(ts), max(ts) FROM event").fetchone()
    if first is None:
        return '<p class="empty">no events</p>'
    t0 = first // 3600 * 3600
    hours = int((last - t0) // 3600) + 1
    group_of = {tid: gid for gid, tids in members.items() for tid in tids}
    per_group: dict[int, list[float]] = defaultdict(lambda: [0.0] * hours)
    totals: dict[int, int] = defaultdict(int)
    for tid, h, n in store.db.execute(
        "SELECT template, CAST((ts - ?) / 3600 AS INTEGER), count(*) FROM event GROUP BY 1, 2", (t0,)
    ):
        gid = group_of.get(tid, tid)
        per_group[gid][h] += n
        totals[gid] += n
    chosen: list[int] = []
    for f in found[:1]:
        for hist, _ in f.rare():
            for node in hist.key:
                gid = int(node.split("@")[0])
                if gid not in chosen and len(chosen) < options.timelines * 2 // 3:
                    chosen.append(gid)
    for gid in sorted(totals, key=lambda g: -totals[g]):
        if len(chosen) >= options.timelines:
            break
        if gid not in chosen:
            chosen.append(gid)
    rows = [(f"{gid}: {names.get(gid, '?')}", per_group[gid]) for gid in chosen]
    return svg.timelines(rows, t0, 3600, shaded)


def _graph(store, f: Findings, names, options: ReportOptions) -> str:
    best = max(range(len(f.scores)), key=lambda i: (f.scores[i].score, -i))
    w, score = f.windows[best], f.scores[best]
    rare = set(score.rare_keys)
    found = results.edges_of(store, w.id)
    drawn = pick_edges(
        [(a, b, d, edges.edge_key(a, b, f.per_host_keys) in rare) for a, b, d in found], options.graph_nodes
    )
    shown = sorted({n for a, b, _, _ in drawn for n in (a, b)}, key=edges.sort_node)

    def label(node: str) -> str:
        return f"{node}: {names.get(int(node.split('@')[0]), '?')}"

    picture, how = graph_picture([(n, label(n)) for n in shown], drawn)
    cut = f" (the {len(shown)} nodes of its rare edges first)" if len(drawn) < len(found) else ""
    caption = (f"{f.label} window {_iso(w.start)} – {_iso(w.end)} UTC, the highest TF-IDF score "
               f"({score.score:.1f}): {w.nodes} nodes after filtering, {len(shown)} with edges shown{cut}, "
               f"{w.edges} edges, {score.rare} rare (red). Arrows: orientations PC could decide; "
               f"lines: undirected. Drawn by {how}.")  # fmt: skip
    return f'<p class="caption">{esc(caption)}</p><div class="graph">{picture}</div>'


def graph_picture(nodes: list[tuple[str, str]], drawn: list[tuple[str, str, bool, bool]]) -> tuple[str, str]:
    """(inline SVG, how it was drawn) of a graph: graphviz `dot` when installed, else a circle layout."""
    picture = _dot(nodes, drawn)
    if picture is None:
        return svg.circle_graph(nodes, drawn), "circle layout (install graphviz for a layered drawing)"
    return picture, "graphviz dot"


def pick_edges(
    candidates: list[tuple[str, str, bool, bool]], max_nodes: int
) -> list[tuple[str, str, bool, bool]]:
    """Edges to draw: rare ones first, then the rest, while their nodes fit in `max_nodes`."""
    nodes: set[str] = set()
    out = []
    for edge in sorted(candidates, key=lambda e: not e[3]):
        new = {edge[0], edge[1]} - nodes
        if len(nodes) + len(new) <= max_nodes:
            nodes |= new
            out.append(edge)
    return out


def _wrap(text: str, width: int = 30, lines: int = 2) -> str:
    """A node label: at most `lines` lines of about `width` characters (graphviz line breaks)."""
    words, out, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "…"
    return "\n".join(out)


def _dot(nodes: list[tuple[str, str]], drawn: list[tuple[str, str, bool, bool]]) -> str | None:
    """The graph as inline SVG from graphviz, or None when graphviz is not installed or fails.

    Each connected component is laid out by `dot` and the components are packed in a grid
    (`ccomps | dot | gvpack | neato -n2`), so a window of many small cascades stays compact.
    """
    exe = shutil.which("dot")
    if exe is None or not nodes:
        return None
    q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    lines = [
        (
            'digraph G { rankdir=LR; node [shape=box, style="rounded,filled", fillcolor="#eef3fa", '
            'fontname="Helvetica", fontsize=10]; edge [color="#888888"];'
        )
    ]
    lines += [f"{q(n)} [label={q(_wrap(label))}, tooltip={q(label)}];" for n, label in nodes]
    for a, b, directed, rare in drawn:
        attrs = ["dir=none"] if not directed else []
        if rare:
            attrs += ['color="#c0392b"', "penwidth=2.5"]
        lines.append(f"{q(a)} -> {q(b)} [{', '.join(attrs)}];")
    lines.append("}")
    source = "\n".join(lines)
    tools = [shutil.which(t) for t in ("ccomps", "gvpack", "neato")]
    if all(tools):
        ccomps, gvpack, neato = tools
        columns = max(2, min(4, round(len(nodes) ** 0.5 / 1.5)))
        picture = _run(
            [[ccomps, "-x"], [exe], [gvpack, f"-array_u{columns}"], [neato, "-s", "-n2", "-Tsvg"]], source
        )
        if picture is not None:
            return picture
    return _run([[exe, "-Tsvg"]], source)


def _run(stages: list[list[str]], source: str) -> str | None:
    """Pipe `source` through the commands in turn; the SVG element of the last one's output."""
    data = source
    for command in stages:
        try:
            done = subprocess.run(
                command, input=data, capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode not in (0, 1) or not done.stdout.strip():  # ccomps exits 1 with several components
            return None
        data = done.stdout
    if "<svg" not in data:
        return None
    picture = data[data.index("<svg") :]
    return re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg class="dot"', picture, count=1)


def _edges_per_window(f: Findings, shaded) -> str:
    bars = [(s.start, s.end, s.edges, f"{_iso(s.start)}: {s.edges} edges") for s in f.scores]
    return f"<h3>{esc(f.label)} windows</h3>" + svg.time_bars(bars, shaded, ylabel="edges")


def _rare_per_window(f: Findings, truth, shaded, names) -> str:
    flagged = incidents.peaks(f.scores)
    bars = [
        (s.start, s.end, s.rare, f"{_iso(s.start)}: {s.rare} rare edges, score {s.score:.1f}")
        for s in f.scores
    ]
    note = ""
    if truth:
        ev = incidents.evaluate(f.scores, truth, flagged)
        note = (f'<p class="caption">{len(flagged)} peak windows; precision {ev.precision:.2f}, recall '
                f"{ev.recall:.2f}.</p>")  # fmt: skip
    text = lambda node: f"{node}: {names.get(int(node.split('@')[0]), '?')[:50]}"
    rows = []
    for i in sorted(flagged, key=lambda i: -f.scores[i].score):
        s = f.scores[i]
        kinds = ", ".join(inc.kind for inc in truth if inc.overlaps(s.start, s.end)) or "-"
        pairs = "".join(
            f"<li><code>{esc(text(a))}</code> – <code>{esc(text(b))}</code></li>" for a, b in s.rare_keys
        )
        rows.append(f"<tr><td>{_iso(s.start)}</td><td>{s.rare}</td><td>{s.score:.1f}</td><td>{esc(kinds)}</td>"
                    f"<td><ul class='pairs'>{pairs}</ul></td></tr>")  # fmt: skip
    peaks = ("<table class='peaks'><tr><th>peak window</th><th>rare</th><th>score</th><th>incident</th>"
             f"<th>its rare edges</th></tr>{''.join(rows)}</table>" if rows else "")  # fmt: skip
    return (
        f"<h3>{esc(f.label)} windows</h3>"
        + svg.time_bars(bars, shaded, flagged, ylabel="rare edges")
        + note
        + peaks
    )


def _top_rare(store, f: Findings, members, options: ReportOptions) -> str:
    rows = []
    for hist, score in f.rare()[: options.top]:
        i = hist.windows[0]
        w = f.window_edges[i]
        a, b = findings.edge_nodes(f, hist.key, i)
        ends = [findings.evidence(store, n, w.start, w.end, members, options.examples) for n in (a, b)]
        cells = []
        for e in ends:
            hosts = ", ".join(e.hosts[:3]) + (f" +{len(e.hosts) - 3}" if len(e.hosts) > 3 else "")
            examples = "".join(f"<pre>{esc(line)}</pre>" for line in e.examples)
            cells.append(f"<td><b>{esc(e.node)}</b> <code>{esc(e.template)}</code><br>"
                         f"<span class='muted'>{e.count:,} lines in the window, first {_iso(e.first, '%m-%d %H:%M:%S')}, "
                         f"on {esc(hosts or '-')}</span>{examples}</td>")  # fmt: skip
        rows.append(f"<tr><td>{_iso(w.start)}<br><span class='muted'>{hist.days} day(s), tf-idf {score:.2f}</span></td>"
                    + "".join(cells) + "</tr>")  # fmt: skip
    if not rows:
        return f"<h3>{esc(f.label)} windows</h3><p class='empty'>no rare edges</p>"
    return (f"<h3>{esc(f.label)} windows</h3><table class='edges'><tr><th>first window</th><th>one end</th>"
            f"<th>other end</th></tr>{''.join(rows)}</table>"
            "<p class='caption'>Example lines are the store's stored examples of each template (up to three per "
            "template, from its first occurrences), not necessarily from this window.</p>")  # fmt: skip


_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1080px; margin: 0 auto; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #ddd; }
h3 { font-size: 14px; margin: 14px 0 4px; color: #444; }
.caption, .muted { color: #666; font-size: 12.5px; } .empty { color: #999; font-style: italic; }
table { border-collapse: collapse; margin: 8px 0; font-size: 12.5px; width: 100%; }
th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f2f4f7; }
ul.pairs { margin: 0; padding-left: 16px; } table.peaks td:first-child { white-space: nowrap; }
table.edges td { width: 42%; } table.edges td:first-child { width: 16%; white-space: nowrap; }
pre { white-space: pre-wrap; word-break: break-all; background: #f6f6f6; padding: 3px 5px; margin: 4px 0 0;
      font-size: 11.5px; }
code { font-size: 12px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.square { max-width: 560px; }
.graph { overflow-x: auto; } .graph svg { max-width: 100%; height: auto; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{css}</style></head>
<body><main>
{body}
</main></body></html>
"""
