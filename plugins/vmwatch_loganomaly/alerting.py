"""Alerts straight to Alertmanager's API (v2), for users without Prometheus rules (optional).

`alert(last)` is pure: the last window's verdict → one alert in Alertmanager's JSON, labels
`alertname=LogAnomalyRareEdges, severity=warning, source=vmwatch`, annotations naming the rare
edges by their templates. It ends at the window's end plus two windows, so it resolves by
itself when later windows are quiet. `post(url, alerts)` sends them (urllib; raises OSError).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat().replace("+00:00", "Z")


def alert(last) -> dict:
    """The alert for a window with rare edges (`online.LastWindow`)."""
    names = "; ".join(f"{e.from_template} — {e.to_template}" for e in last.rare_edges)
    length = last.end - last.start
    return {
        "labels": {"alertname": "LogAnomalyRareEdges", "severity": "warning", "source": "vmwatch"},
        "annotations": {
            "summary": f"{last.rare} rare edges in the log window ending {_iso(last.end)}",
            "description": f"Anomaly score {last.score:.1f}. Rare edges: {names}",
        },
        "startsAt": _iso(last.end),
        "endsAt": _iso(last.end + 2 * length),
    }


def post(url: str, alerts: list[dict] | dict, timeout: float = 5.0) -> None:
    """POST alerts to `url`/api/v2/alerts; raise OSError (URLError, HTTPError) when refused."""
    body = json.dumps(alerts if isinstance(alerts, list) else [alerts]).encode()
    request = urllib.request.Request(
        url.rstrip("/") + "/api/v2/alerts", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
