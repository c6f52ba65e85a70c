"""vmwatch's Prometheus exporter: snapshots → metric families → /metrics over HTTP(S).

- `collector`: pure; snapshots and backend health → prometheus_client metric families.
- `exposition`: encode a registry for one scrape (text/OpenMetrics, gzip) reusing per-snapshot text.
- `webconfig`: parse an exporter-toolkit web config file (TLS, basic auth) into values or problems.
- `web`: the threaded HTTP(S) server: landing page, /metrics, auth.
- `plugin`: the hooks that offer the `prometheus` exporter type and its command-line flags.
"""
