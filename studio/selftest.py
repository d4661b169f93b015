"""`shopstream-studio --self-test`: checks that this installation works, one line per check.

Each check exercises a part a frozen or installed app can lose: every module importable, Qt
starting (offscreen), the offline cache created and migrated, the embedded PostgreSQL started
with the schema applied and stopped again, the OS keyring, TLS certificates, and Qt WebEngine
(present, or cleanly absent: the video then opens in the system browser). Nothing touches
the user's data: all files go to a temporary directory removed at the end. No network is used.
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

Status = Literal["ok", "warning", "FAILED"]
Check = Callable[[Path], str]
"""A check gets a private scratch directory and returns what it found (one line). It raises
CheckWarning for a finding that does not make the installation unusable, any other exception
for a failure."""


class CheckWarning(Exception):
    """A finding worth reporting that does not fail the self-test."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check."""

    name: str
    status: Status
    detail: str
    seconds: float

    def line(self) -> str:
        return f"{self.status:<7} {self.name}: {self.detail} ({self.seconds * 1000:.0f} ms)"


# ---------------------------------------------------------------------------- checks


def import_all(package: str = "studio") -> tuple[int, list[str]]:
    """Import `package` and every module below it; (count imported, "module: error" lines)."""
    root = importlib.import_module(package)
    failures: list[str] = []

    def failed(name: str) -> None:  # walk_packages calls this when a package fails to import
        failures.append(f"{name}: {_one_line(sys.exc_info()[1])}")

    count = 1
    for info in pkgutil.walk_packages(root.__path__, f"{package}.", onerror=failed):
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            if not any(line.startswith(f"{info.name}:") for line in failures):
                failures.append(f"{info.name}: {_one_line(exc)}")
            continue
        count += 1
    return count, failures


def check_modules(_scratch: Path) -> str:
    count, failures = import_all("studio")
    if failures:
        raise RuntimeError(f"{len(failures)} module(s) do not import: " + "; ".join(failures))
    return f"{count} modules imported"


def check_qt(scratch: Path) -> str:
    """Qt starts offscreen, shows a widget and loads the app icon (studio.ui.selftest_qt)."""
    from studio.ui.selftest_qt import check_qt as check

    return check(scratch)


def check_cache(scratch: Path) -> str:
    """A new offline cache file is created and migrated to the current schema."""
    from studio.sync.cache.database import LATEST_VERSION, CacheDatabase

    with CacheDatabase.open(scratch / "cache" / "self-test.sqlite3") as cache:
        version = cache.schema_version
    if version != LATEST_VERSION:
        raise RuntimeError(f"the cache migrated to version {version}, not {LATEST_VERSION}")
    return f"SQLite {sqlite3.sqlite_version}, cache schema version {version}"


def check_schema_files(_scratch: Path) -> str:
    """The backend schema shipped with the app: migrations and seed.sql."""
    from studio.server.migrations import discover, schema_dir

    folder = schema_dir()
    migrations = discover(folder)
    if not migrations:
        raise RuntimeError(f"no migrations in {folder / 'migrations'}")
    if not (folder / "seed.sql").is_file():
        raise RuntimeError(f"no seed file at {folder / 'seed.sql'}")
    return f"{len(migrations)} migrations and seed.sql in {folder}"


def check_server(scratch: Path) -> str:
    """The embedded PostgreSQL starts, takes every migration, and stops."""
    from studio.server.embedded import EmbeddedPostgres
    from studio.server.migrations import MigrationRunner

    server = EmbeddedPostgres(scratch / "server", durable=False, max_connections=20)
    status = server.start()
    try:
        server.ensure_database("shopstream")
        applied = MigrationRunner(server.dsn("shopstream")).apply()
        with server.connect("shopstream") as conn:
            row = conn.execute(
                "select count(*) from pg_tables where schemaname = 'public'").fetchone()
        tables = row[0] if row else 0
    finally:
        server.stop()
    if server.is_running():
        raise RuntimeError("the server did not stop")
    if not applied or not tables:
        raise RuntimeError("the schema was not applied (no migrations ran)")
    return (f"PostgreSQL {status.version}: started, {len(applied)} migrations applied "
            f"({tables} tables), stopped")


def check_keyring(_scratch: Path) -> str:
    """An OS keyring backend is available (without one, sessions last until the app closes)."""
    import keyring
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    usable = not isinstance(backend, fail.Keyring)
    if isinstance(backend, chainer.ChainerBackend):
        usable = bool(backend.backends)
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if not usable:
        raise CheckWarning(f"no keyring backend ({name}): a Supabase session is kept only "
                           "until the app closes")
    return f"backend {name}"


def check_web_view(scratch: Path) -> str:
    """Qt WebEngine (the embedded video view) imports, or is cleanly absent (system browser)."""
    from studio.ui.selftest_qt import check_web_view as check

    return check(scratch)


def check_tls(_scratch: Path) -> str:
    """TLS contexts load with CA certificates (certifi's bundle, as httpx uses, and the OS's)."""
    import ssl

    import certifi
    import httpx

    bundle = Path(certifi.where())
    if not bundle.is_file():
        raise RuntimeError(f"certifi's CA bundle is missing ({bundle})")
    context = httpx.create_ssl_context()
    cas = context.cert_store_stats()["x509_ca"]
    if not cas:
        raise RuntimeError(f"no CA certificates loaded from {bundle}")
    ssl.create_default_context()  # the OS store; may be empty, must not fail
    return f"{ssl.OPENSSL_VERSION}, {cas} CA certificates"


CHECKS: list[tuple[str, Check]] = [
    ("modules", check_modules),
    ("qt", check_qt),
    ("cache", check_cache),
    ("schema files", check_schema_files),
    ("local server", check_server),
    ("keyring", check_keyring),
    ("tls", check_tls),
    ("web view", check_web_view),
]


# ---------------------------------------------------------------------------- running


def run_check(name: str, check: Check, scratch: Path) -> CheckResult:
    began = time.perf_counter()
    try:
        detail, status = check(scratch), "ok"
    except CheckWarning as warning:
        detail, status = str(warning), "warning"
    except Exception as exc:
        detail, status = f"{type(exc).__name__}: {_one_line(exc)}", "FAILED"
    return CheckResult(name, status, detail, time.perf_counter() - began)  # type: ignore[arg-type]


def run_self_test(out: TextIO, checks: Sequence[tuple[str, Check]] | None = None) -> int:
    """Run `checks` (default: all), print one line each and a verdict; the exit code (0 = ok)."""
    from studio import __version__

    checks = CHECKS if checks is None else checks
    print(f"ShopStream Studio {__version__} self-test ({sys.platform}, Python "
          f"{sys.version.split()[0]}{', frozen' if getattr(sys, 'frozen', False) else ''})",
          file=out, flush=True)
    results = []
    # Windows may hold a stopped server's files a moment longer: a leftover is not a failure.
    with tempfile.TemporaryDirectory(prefix="shopstream-selftest-",
                                     ignore_cleanup_errors=True) as scratch:
        for name, check in checks:
            result = run_check(name, check, Path(scratch))
            results.append(result)
            print(result.line(), file=out, flush=True)
    failed = [r.name for r in results if r.status == "FAILED"]
    warned = [r.name for r in results if r.status == "warning"]
    if failed:
        print(f"self-test failed: {', '.join(failed)}", file=out, flush=True)
        return 1
    note = f" (warnings: {', '.join(warned)})" if warned else ""
    print(f"self-test passed{note}", file=out, flush=True)
    return 0


def _one_line(exc: BaseException | None) -> str:
    text = str(exc).strip() if exc is not None else ""
    return text.splitlines()[0] if text else type(exc).__name__
