"""Command line: no arguments opens the app; subcommands manage the local server and schema."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from studio import __version__

if TYPE_CHECKING:
    from studio.server.embedded import EmbeddedPostgres


def _build_parser() -> argparse.ArgumentParser:
    # Not studio.server.workspace: it imports the database driver, which opening the app does
    # not need before its window is up.
    from studio.core.paths import default_local_server_dir

    data_dir = default_local_server_dir()
    parser = argparse.ArgumentParser(
        prog="shopstream-studio",
        description="ShopStream Studio. Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="verbose logs and full tracebacks")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation (modules, Qt, cache, local server, keyring, "
                        "TLS), print one line per check and exit; non-zero when one failed")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    local = commands.add_parser("local-server", help="manage the embedded PostgreSQL server")
    local_actions = local.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (
        ("start", "start the server, apply pending migrations, seed the database once"),
        ("stop", "stop the server"),
        ("status", "show whether the server runs, where, and what it holds"),
        ("reset", "delete all local data and start again from migrations and seed"),
    ):
        action = local_actions.add_parser(name, help=text, description=text)
        action.add_argument(
            "--data-dir", type=Path, default=None, help=f"server directory (default: {data_dir})"
        )
        if name in ("start", "reset"):
            action.add_argument("--schema-dir", type=Path, default=None, help=argparse.SUPPRESS)
        if name == "reset":
            action.add_argument("--yes", action="store_true", help="do not ask; delete the data")

    schema = commands.add_parser("schema", help="apply the Supabase schema to a database")
    schema_actions = schema.add_subparsers(dest="action", metavar="ACTION", required=True)
    apply = schema_actions.add_parser(
        "apply", help="bootstrap, then apply pending migrations (and optionally the seed)"
    )
    apply.add_argument("--db-url", required=True, help="PostgreSQL connection URL or conninfo")
    apply.add_argument("--seed", action="store_true", help="also run seed.sql (once)")
    apply.add_argument(
        "--include-all",
        action="store_true",
        help="also apply local migrations older than the newest one applied (as `supabase db "
        "push --include-all`); without it they are refused",
    )
    apply.add_argument(
        "--schema-dir", type=Path, default=None, help="directory with migrations/ and seed.sql"
    )
    _add_simulate(commands)
    return parser


def _add_simulate(commands: argparse._SubParsersAction) -> None:
    from studio.session.simulator.config import AudienceConfig

    defaults = AudienceConfig()
    simulate = commands.add_parser(
        "simulate",
        help="rehearse a live show of the local workspace with a simulated audience",
        description="Simulated customers join a live show of the local workspace, chat and buy "
        "through the real checkout, as real users of the local database. Ctrl+C stops them.",
    )
    simulate.add_argument("--show", required=True, metavar="ID", help="the live show's id")
    simulate.add_argument("--viewers", type=int, default=defaults.viewers,
                          help=f"viewers at once (default {defaults.viewers})")
    simulate.add_argument("--chat-rate", type=float, default=defaults.chat_rate,
                          metavar="PER_S",
                          help=f"chat messages per second (default {defaults.chat_rate:g})")
    simulate.add_argument("--buy-probability", type=float, default=defaults.buy_probability,
                          metavar="P", help="chance a viewer buys per minute watched; a flash "
                          f"sale multiplies it (default {defaults.buy_probability:g})")
    simulate.add_argument("--duration", type=float, default=defaults.duration_s,
                          metavar="SECONDS", help=f"default {defaults.duration_s:g}")
    simulate.add_argument("--seed", type=int, default=defaults.seed,
                          help="the same seed plays the same audience")
    simulate.add_argument("--go-live", action="store_true",
                          help="start the show first if it is scheduled (as its host would)")
    simulate.add_argument("--data-dir", type=Path, default=None,
                          help="the local server's directory (default: the studio's own)")
    simulate.add_argument("--db-url", default=None,
                          help="a running local workspace database instead of --data-dir")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.self_test and args.command is not None:
        parser.error(f"--self-test runs on its own, not with {args.command!r}")
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if args.debug else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, handlers=[console])
    if args.self_test:
        from studio.selftest import run_self_test

        return run_self_test(sys.stdout)
    if args.command is None:
        from studio.app import main as run_app

        return run_app()
    try:
        if args.command == "local-server":
            return _local_server(args)
        if args.command == "simulate":
            return _simulate(args)
        return _schema(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 1
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    import psycopg

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.OperationalError):
        text = f"cannot connect to the database: {text}"
    log_file = getattr(exc, "log_file", None)
    if log_file:
        text += f" (server log: {log_file})"
    return text


# ---------------------------------------------------------------------------- local-server


def _local_server(args: argparse.Namespace) -> int:
    from studio.core.paths import default_local_server_dir
    from studio.server.embedded import EmbeddedPostgres

    data_dir: Path = (args.data_dir or default_local_server_dir()).expanduser().absolute()
    server = EmbeddedPostgres(data_dir)
    if args.action == "stop":
        if not server.is_running():
            print(f"Local server is not running ({data_dir})")
            return 0
        server.stop()
        print("Local server stopped")
        return 0
    if args.action == "status":
        return _status(server)
    if args.action == "reset":
        if not args.yes:
            print(
                f"error: reset deletes everything in {data_dir}; run again with --yes to confirm",
                file=sys.stderr,
            )
            return 1
        if data_dir.exists():
            server.destroy()
            print(f"Deleted {data_dir}")
    return _start(data_dir, args.schema_dir)


def _start(data_dir: Path, schema_dir: Path | None) -> int:
    from studio.server.workspace import start_local_workspace

    _server, info = start_local_workspace(data_dir, schema_dir=schema_dir)
    verb = "Started" if info.started_here else "Already running:"
    print(f"{verb} local server (pid {info.status.pid}, {info.status.where})")
    if info.database_created:
        print("Created database shopstream")
    for filename in info.applied_files:
        print(f"Applied migration {filename}")
    if not info.applied:
        print("Migrations: up to date")
    if info.seeded:
        print("Seeded database from seed.sql")
    if info.product_count is not None:
        print(f"Products in the catalog: {info.product_count}")
    print(f"Connection URL: {info.url}")
    return 0


def _status(server: EmbeddedPostgres) -> int:
    from studio.server.workspace import DATABASE, applied_count, product_count

    status = server.status()
    if not status.running:
        state = "initialised" if server.is_initialized() else "not created yet"
        print(f"Local server: not running ({status.data_dir}, {state})")
        return 0
    print(f"Local server: running (pid {status.pid}, PostgreSQL {status.version})")
    print(f"Listening on: {status.where}")
    print(f"Data directory: {status.data_dir}")
    url = server.dsn(DATABASE)
    print(f"Connection URL: {url}")
    import psycopg

    try:
        print(f"Applied migrations: {applied_count(url)}")
        count = product_count(url)
    except psycopg.OperationalError:
        print("Database shopstream: not created yet (run `local-server start`)")
        return 0
    if count is None:
        print("Products: no public.products table yet")
    else:
        print(f"Products: {count} rows in public.products")
    return 0


# ---------------------------------------------------------------------------- schema


def _schema(args: argparse.Namespace) -> int:
    from studio.server.migrations import MigrationRunner

    runner = MigrationRunner(args.db_url, schema_dir=args.schema_dir)
    applied = runner.apply(seed=args.seed, include_all=args.include_all)
    names = {m.version: m.path.name for m in runner.migrations()}
    for version in applied:
        print(f"Applied {names.get(version, version)}")
    if not applied:
        print("Migrations: up to date")
    if args.seed:
        if runner.seeded:
            print("Seeded from seed.sql")
        elif runner.seed_rehashed:
            print("Seed: seed.sql changed since it was applied; recorded its new hash "
                  "(not run again, as with the Supabase CLI)")
        else:
            print("Seed: already applied or no seed.sql")
    return 0


# ---------------------------------------------------------------------------- simulate


def _simulate(args: argparse.Namespace) -> int:
    from studio.core.paths import app_paths
    from studio.core.settings import load_settings
    from studio.session.simulator.config import AudienceConfig
    from studio.session.simulator.console import run_in_console
    from studio.session.simulator.show import LOCAL_ONLY

    config = AudienceConfig(
        viewers=args.viewers, chat_rate=args.chat_rate, buy_probability=args.buy_probability,
        duration_s=args.duration, seed=args.seed,
    ).validate()
    paths = app_paths()
    if args.db_url is None and load_settings(paths.settings_file).workspace.kind != "local":
        raise ValueError(f"{LOCAL_ONLY} (the studio is set to a Supabase project; choose the "
                         "local workspace in Settings, or pass --db-url)")
    if args.db_url is not None:
        return run_in_console(args.db_url, args.show, config, sys.stdout, go_live=args.go_live)
    from studio.server.workspace import start_local_workspace

    data_dir = (args.data_dir or paths.data_dir / "local-server").expanduser().absolute()
    server, info = start_local_workspace(data_dir)
    try:
        return run_in_console(info.url, args.show, config, sys.stdout, go_live=args.go_live)
    finally:
        if info.started_here:  # leave the server as it was found
            server.stop()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
