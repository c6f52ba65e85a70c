"""`vmwatch logs report --live STATE --out DIR`: the live analyser's window history as one page.

Pure rendering: a `livestore.LiveHistory` (read by `livestore.read_history`, read-only) in, one
self-contained HTML string out, with the batch report's page, charts and graph drawing:
1. summary: hosts and lines (parse errors), templates and groups known, windows computed, span;
2. the latest window's causal graph (the latest one with edges), its rare edges in red;
3. edges per window, 4. rare edges per window (peaks in red, `incidents.peaks`), as stored when
   each window closed (judged against the windows before it, `live.judge`);
5. the top rare edges with both templates' text, ranked by TF-IDF against the whole history.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from vmwatch_loganomaly import edges, incidents, report, svg
from vmwatch_loganomaly.edges import EdgeKey, WindowScore
from vmwatch_loganomaly.livestore import LiveHistory, LiveWindow
from vmwatch_loganomaly.series import node_group

esc = svg.esc


def write(history: LiveHistory, out: Path, top: int = 15, graph_nodes: int = 40) -> Path:
    """Render the page into `out/index.html` and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    path.write_text(render(history, top, graph_nodes), encoding="utf-8")
    return path


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def render(history: LiveHistory, top: int = 15, graph_nodes: int = 40) -> str:
    """The page as one HTML string."""
    h = history
    names = h.group_text()
    body = [_summary(h, names)]
    if not h.windows:
        body.append("<p class='empty'>No window has closed yet: the analyser computes a window's graph "
                    "once its end plus one bin has passed.</p>")  # fmt: skip
        return report.page("vmwatch live log analysis", body)
    scores = [WindowScore(w.start, w.end, w.edges, w.rare, w.score, w.rare_keys) for w in h.windows]
    edge_bars = [
        (w.start, w.end, w.edges, f"{_iso(w.start)}: {w.edges} edges, {w.nodes} nodes") for w in h.windows
    ]
    rare_bars = [(w.start, w.end, w.rare, f"{_iso(w.start)}: {w.rare} rare edges, score {w.score:.1f}")
                 for w in h.windows]  # fmt: skip
    body.append(report.section("The latest window's causal graph", _graph(h, names, graph_nodes), ""))
    body.append(report.section("Edges per window", svg.time_bars(edge_bars, ylabel="edges"),
                               "Distinct edges (pairs of template groups) in each window's CPDAG."))  # fmt: skip
    body.append(report.section("Rare edges per window",
                               svg.time_bars(rare_bars, marked=incidents.peaks(scores), ylabel="rare edges"),
                               "Rare edges in each window as judged when it closed (against the windows before "
                               "it; none during the warm-up). Red bars are peaks (at least 2 rare edges and "
                               "≥ median + 2 × robust spread)."))  # fmt: skip
    body.append(report.section("Top rare edges", _top_rare(h, names, top),
                               "Edges flagged rare in some window, the most unusual over the whole history "
                               "first (TF-IDF, ln((N+1)/(windows with the edge+1)) + 1)."))  # fmt: skip
    return report.page("vmwatch live log analysis", body)


def _summary(h: LiveHistory, names: dict[int, str]) -> str:
    senders = [host for host, (n, _) in h.hosts.items() if n]
    lines = sum(n for n, _ in h.hosts.values())
    errors = sum(e for _, e in h.hosts.values())
    hosts = f"{lines:,} lines from {len(senders)} hosts ({errors:,} parse errors);"
    facts = [hosts, f"{len(h.templates)} templates known in {len(names)} groups."]
    if h.windows:
        flagged = sum(1 for w in h.windows if w.rare)
        facts.append(f"{len(h.windows)} windows computed, {_iso(h.windows[0].start)} – "
                     f"{_iso(h.windows[-1].end)} UTC; {flagged} with rare edges.")  # fmt: skip
    else:
        facts.append("0 windows computed.")
    busiest = sorted(h.hosts.items(), key=lambda p: (-p[1][0], p[0]))[:10]
    rows = "".join(f"<tr><td>{esc(host)}</td><td>{n:,}</td><td>{e:,}</td></tr>" for host, (n, e) in busiest)
    table = f"<table><tr><th>host</th><th>lines</th><th>parse errors</th></tr>{rows}</table>" if rows else ""
    return (f"<header><h1>Live log analysis</h1><p>{esc(' '.join(facts))}</p>"
            f"<p class='muted'>State file {esc(h.path)} (read-only).</p>{table}</header>")  # fmt: skip


def _label(node: str, names: dict[int, str]) -> str:
    return f"{node}: {names.get(node_group(node), '?')}"


def _graph(h: LiveHistory, names: dict[int, str], max_nodes: int) -> str:
    shown_window = next((w for w in reversed(h.windows) if w.graph.edges), None)
    if shown_window is None:
        return "<p class='empty'>No window has edges yet.</p>"
    w = shown_window
    rare = set(w.rare_keys)
    candidates = [(a, b, d, edges.edge_key(a, b) in rare) for a, b, d in w.graph.edges]
    drawn = report.pick_edges(candidates, max_nodes)
    shown = sorted({n for a, b, _, _ in drawn for n in (a, b)}, key=edges.sort_node)
    picture, how = report.graph_picture([(n, _label(n, names)) for n in shown], drawn)
    later = "" if w is h.windows[-1] else " (the later windows have no edges)"
    cut = f" (the {len(shown)} nodes of its rare edges first)" if len(drawn) < len(candidates) else ""
    caption = (f"Window {_iso(w.start)} – {_iso(w.end)} UTC{later}: {w.nodes} nodes, {len(shown)} with edges "
               f"shown{cut}, {w.edges} edges, {w.rare} rare (red), score {w.score:.1f}. Arrows: orientations PC "
               f"could decide; lines: undirected. Drawn by {how}.")  # fmt: skip
    return f'<p class="caption">{esc(caption)}</p><div class="graph">{picture}</div>'


def top_rare(h: LiveHistory) -> list[tuple[EdgeKey, float, int, list[LiveWindow]]]:
    """(edge key, tf-idf over the whole history, windows with the edge, windows that flagged it
    rare) for every edge flagged rare in some window, the most unusual first."""
    hist = edges.history([w.graph for w in h.windows])
    n = len(h.windows)
    flagged: dict[EdgeKey, list[LiveWindow]] = {}
    for w in h.windows:
        for key in w.rare_keys:
            flagged.setdefault(key, []).append(w)
    out = []
    for key, ws in flagged.items():
        df = hist[key].df if key in hist else len(ws)
        out.append((key, math.log((n + 1) / (df + 1)) + 1, df, ws))
    out.sort(key=lambda r: (-r[1], -r[3][-1].start, r[0]))
    return out


def _top_rare(h: LiveHistory, names: dict[int, str], top: int) -> str:
    rows = []
    for (a, b), tfidf, df, ws in top_rare(h)[:top]:
        flagged = f"{_iso(ws[0].start)}" + (f" and {len(ws) - 1} more" if len(ws) > 1 else "")
        ends = "".join(f"<td><b>{esc(node)}</b> <code>{esc(names.get(node_group(node), '?'))}</code></td>"
                       for node in (a, b))  # fmt: skip
        rows.append(f"<tr><td>{flagged}<br><span class='muted'>in {df} of {len(h.windows)} windows, "
                    f"tf-idf {tfidf:.2f}</span></td>{ends}</tr>")  # fmt: skip
    if not rows:
        return "<p class='empty'>no rare edges</p>"
    return (f"<table class='edges'><tr><th>flagged rare in</th><th>one end</th><th>other end</th></tr>"
            f"{''.join(rows)}</table>")  # fmt: skip
