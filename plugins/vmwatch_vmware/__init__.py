"""vmwatch's VMware backend: vCenter or a standalone ESXi through pyvmomi, one hypervisor per ESXi host.

Modules: `settings` (options → validated settings), `client` (thin I/O: session, PropertyCollector,
PerformanceManager), `counters` (pure: per-interval perf samples → monotonic totals), `mapping`
(pure: property sets → VM-MIB model), `events` (WaitForUpdatesEx power-state stream), `backend`
(the VMwareBackend the poller drives), `plugin` (the hooks vmwatch calls).
"""
