"""vmwatch's libvirt backend: QEMU/KVM, Xen, LXC ... hosts through one read-only libvirt connection.

Modules: `client` (thin I/O, the LibvirtBackend), `mapping` (pure: libvirt data → VM-MIB model),
`plugin` (the hooks vmwatch calls), `demo` (a test-driver fleet for `vmwatch serve --demo`).
"""
