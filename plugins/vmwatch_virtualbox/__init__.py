"""vmwatch's VirtualBox backend: the VMs of this machine's VirtualBox, read through `VBoxManage`.

Modules: `machinereadable`, `listing`, `metrics` (pure parsers of VBoxManage output), `mapping`
(pure: parsed data → VM-MIB model), `tracking` (up time and CPU time kept between reads),
`client` (thin I/O: runs VBoxManage), `sdk` (the same backend through the SDK's `vboxapi`, used
when importable; untested here), `plugin` (the hooks vmwatch calls).
"""
