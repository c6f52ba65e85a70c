"""The `vmwatch` command: serve, snapshot, plugins; plugins add subcommands and flags.

Exit status: 0 success, 1 runtime failure (a backend could not be read), 2 usage or config error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pluggy

from vmwatch import __version__, config, display, plugins, service
from vmwatch.backend import BackendError
from vmwatch.indexer import IndexStateError

log = logging.getLogger("vmwatch")


def _core_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help=f"config file (default: {config.DEFAULT_CONFIG} if it exists)")
    parser.add_argument("--demo", action="store_true", help="watch the built-in demo host, not a real hypervisor")
    parser.add_argument("--state-dir", help="directory for persistent state (overrides vmwatch.state_dir)")
    parser.add_argument("--interval", type=float, help="seconds between reads (overrides vmwatch.refresh_interval)")
    parser.add_argument("--log-level", choices=config.LOG_LEVELS, help="log verbosity")


def build_parser(pm: pluggy.PluginManager) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vmwatch",
        description="Watch virtual machines from the hypervisor side: RFC 7666 VM-MIB and Prometheus.",
    )
    parser.add_argument("--version", action="version", version=f"vmwatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="read hypervisors on an interval and serve exporters")
    _core_flags(serve)
    pm.hook.vmwatch_serve_arguments(parser=serve)
    serve.set_defaults(handler=cmd_serve)

    snap = sub.add_parser("snapshot", help="read every configured hypervisor once and print the snapshot")
    _core_flags(snap)
    snap.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    pm.hook.vmwatch_serve_arguments(parser=snap)
    snap.set_defaults(handler=cmd_snapshot)

    plugs = sub.add_parser("plugins", help="list loaded plugins and what they offer")
    plugs.set_defaults(handler=cmd_plugins)

    pm.hook.vmwatch_cli_commands(subparsers=sub)
    return parser


def _apply_core_flags(args: argparse.Namespace, raw: dict[str, Any]) -> None:
    core = raw.setdefault("vmwatch", {})
    if not isinstance(core, dict):
        return  # reported by validation
    if args.state_dir is not None:
        core["state_dir"] = args.state_dir
    if args.interval is not None:
        core["refresh_interval"] = args.interval
    if args.log_level is not None:
        core["log_level"] = args.log_level


def load_config(args: argparse.Namespace, pm: pluggy.PluginManager) -> config.Config:
    path = args.config
    if path is None and os.environ.get("VMWATCH_CONFIG"):
        path = Path(os.environ["VMWATCH_CONFIG"])
    if path is None and config.DEFAULT_CONFIG.exists():
        path = config.DEFAULT_CONFIG

    def apply_flags(raw: dict[str, Any]) -> None:
        _apply_core_flags(args, raw)
        pm.hook.vmwatch_apply_arguments(args=args, raw=raw)

    return config.load(
        path,
        plugins.backend_types(pm),
        plugins.exporter_types(pm),
        plugins.analyser_types(pm),
        apply_flags=apply_flags,
    )


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def cmd_serve(args: argparse.Namespace, pm: pluggy.PluginManager) -> int:
    cfg = load_config(args, pm)
    _setup_logging(cfg.log_level)
    log.info("vmwatch %s starting (state in %s)", __version__, cfg.state_dir)
    return service.serve(cfg, pm, demo=args.demo, reread=lambda: load_config(args, pm))


def cmd_snapshot(args: argparse.Namespace, pm: pluggy.PluginManager) -> int:
    cfg = load_config(args, pm)
    _setup_logging("warning" if cfg.log_level == "info" else cfg.log_level)
    runtime = service.build(cfg, pm, demo=args.demo, persist=False)
    snapshots = []
    failed = False
    for poller in runtime.pollers:
        try:
            snapshots.extend(poller.refresh())
        except BackendError as exc:
            print(f"vmwatch: {poller.backend.name}: {exc}", file=sys.stderr)
            failed = True
        finally:
            poller.backend.close()
    if args.format == "json":
        json.dump([display.to_data(s) for s in snapshots], sys.stdout, indent=1)
        print()
    else:
        print("\n\n".join(display.table(s) for s in snapshots))
    return 1 if failed else 0


def cmd_plugins(args: argparse.Namespace, pm: pluggy.PluginManager) -> int:
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: str(item[0])):
        print(f"{name}: {getattr(plugin, '__name__', plugin)}")
    for title, types in (
        ("backend types", plugins.backend_types(pm)),
        ("exporter types", plugins.exporter_types(pm)),
        ("analyser types", plugins.analyser_types(pm)),
    ):
        print(f"{title}: {', '.join(sorted(types)) or '-'}")
    for name, reason in sorted(plugins.unavailable(pm).items()):
        print(f"unavailable: {name} ({reason}; install the extra that provides it, e.g. vmwatch[logs])")
    blocked = plugins.blocked_names()
    if blocked:
        print(f"blocked: {', '.join(blocked)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        pm = plugins.make_manager()
    except (plugins.PluginError, pluggy.PluginValidationError) as exc:
        print(f"vmwatch: plugin error: {exc}", file=sys.stderr)
        return 2
    parser = build_parser(pm)
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args, pm)
    except config.ConfigError as exc:
        for line in exc.lines:
            print(f"vmwatch: {line}", file=sys.stderr)
        return 2
    except (IndexStateError, service.NoBackend, plugins.PluginError) as exc:
        print(f"vmwatch: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `vmwatch ... | head`: the reader left. Point stdout at /dev/null so that Python's
        # final flush does not fail again, and end quietly (as the docs of `signal` advise).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
