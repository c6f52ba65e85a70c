"""The live analyser's metrics, as a prometheus_client collector (fresh families on each scrape).

The Prometheus exporter registers it beside its own collector (`prometheus_collector()` of an
analyser, see vmwatch_prometheus.plugin), so the metrics share `/metrics`. Names: docs/metrics.md.
Label sets are bounded: hosts by `max_hosts` (then "other"), rare edges by `top_k`, template
texts by `live.TEMPLATE_TEXT_MAX` characters.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric


class LiveCollector:
    """Reads a `LiveAnalyser`'s counters and last verdict; never blocks on the analysis."""

    def __init__(self, analyser):
        self.analyser = analyser

    def describe(self) -> Iterator[Metric]:
        return self._families(with_samples=False)

    def collect(self) -> Iterator[Metric]:
        return self._families(with_samples=True)

    def _families(self, with_samples: bool) -> Iterator[Metric]:
        lines = CounterMetricFamily(
            "vmwatch_log_lines",
            "Syslog lines received and parsed, by host (VM events by hypervisor).",
            labels=["host"],
        )
        errors = CounterMetricFamily(
            "vmwatch_log_parse_errors",
            "Lines that are not RFC 3164, RFC 5424 or ISO 8601 syslog, by sending peer.",
            labels=["host"],
        )
        dropped = CounterMetricFamily(
            "vmwatch_log_receiver_dropped_lines",
            "Lines dropped by the receiver, by reason (queue_full, binary).",
            labels=["reason"],
        )
        truncated = CounterMetricFamily(
            "vmwatch_log_receiver_truncated_lines", "Lines cut to max_line bytes."
        )
        unclassified = CounterMetricFamily(
            "vmwatch_log_unclassified_lines",
            "Lines not classified because max_templates templates are known (counted by host only); since start.",
        )
        templates = GaugeMetricFamily(
            "vmwatch_log_templates", "Templates known (learnt so far, VM event templates included)."
        )
        new = CounterMetricFamily("vmwatch_log_new_templates", "Templates learnt since this vmwatch started.")
        windows = CounterMetricFamily(
            "vmwatch_log_windows", "Windows whose causal graph was computed (all time)."
        )
        failed = CounterMetricFamily(
            "vmwatch_log_window_errors", "Windows whose computation failed since start."
        )
        edges = GaugeMetricFamily(
            "vmwatch_log_window_edges",
            "Distinct edges (template-group pairs) in the last window's causal graph.",
        )
        rare = GaugeMetricFamily(
            "vmwatch_log_window_rare_edges",
            "Rare edges in the last window (seen in at most rare_windows windows).",
        )
        score = GaugeMetricFamily(
            "vmwatch_log_anomaly_score",
            "TF-IDF anomaly score of the last window: sum of ln((N+1)/(df+1)) over its edges.",
        )
        end = GaugeMetricFamily(
            "vmwatch_log_window_end_timestamp_seconds", "End of the last computed window (Unix time)."
        )
        seconds = GaugeMetricFamily(
            "vmwatch_log_window_duration_seconds", "Time the last window's graph took to compute."
        )
        info = InfoMetricFamily(
            "vmwatch_log_rare_edge",
            "A rare edge of the last window (top K by TF-IDF), with its templates.",
            labels=["from_group", "to_group", "from_template", "to_template"],
        )
        families = (
            lines,
            errors,
            dropped,
            truncated,
            unclassified,
            templates,
            new,
            windows,
            failed,
            edges,
            rare,
            score,
            end,
            seconds,
            info,
        )
        if not with_samples:
            return iter(families)
        a = self.analyser
        r = a.receiver.counts
        for host, (n, e) in sorted(a.host_totals().items()):
            if n:
                lines.add_metric([host], n)
            if e:
                errors.add_metric([host], e)
        dropped.add_metric(["queue_full"], r.dropped)
        dropped.add_metric(["binary"], r.binary)
        truncated.add_metric([], r.truncated)
        unclassified.add_metric([], a.unclassified)
        templates.add_metric([], a.templates_known())
        new.add_metric([], a.new_templates)
        windows.add_metric([], a.windows_computed)
        failed.add_metric([], a.window_errors)
        last = a.last
        if last is not None:
            edges.add_metric([], last.edges)
            rare.add_metric([], last.rare)
            score.add_metric([], last.score)
            end.add_metric([], last.end)
            seconds.add_metric([], last.seconds)
            for e in last.rare_edges:
                info.add_metric(
                    [], {"from_group": e.from_group, "to_group": e.to_group,
                         "from_template": e.from_template, "to_template": e.to_template},
                )  # fmt: skip
        return iter(families)
