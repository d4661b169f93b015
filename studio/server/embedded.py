"""Embedded PostgreSQL: runs the server binaries bundled in the pgserver wheel."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psutil
import psycopg
from psycopg import errors, sql

from studio.server import _osutil, db, pgbin
from studio.server.pgbin import IS_WINDOWS

log = logging.getLogger(__name__)

POSIX_PORT = 5432
SERVICE_USER = "shopstream-pg"
CONF_FILE = "shopstream.conf"
INCLUDE_LINE = f"include_if_exists = '{CONF_FILE}'"
# sun_path is 108 bytes on Linux and 104 on macOS; stay clear of both.
MAX_SOCKET_PATH = 100
START_TIMEOUT_S = 60


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be provisioned, started, stopped or reached.

    The message's first line says what failed; when the server log is relevant the
    following lines hold its tail and ``log_file`` points at it.
    """

    def __init__(self, message: str, log_file: Path | None = None) -> None:
        super().__init__(message)
        self.log_file = log_file


@dataclass(frozen=True)
class ServerStatus:
    """A snapshot of the embedded server, read from its data directory."""

    running: bool
    pid: int | None
    socket_dir: Path | None
    host: str | None
    port: int | None
    data_dir: Path
    version: str | None

    @property
    def where(self) -> str:
        """Human-readable location the server listens on."""
        if self.socket_dir is not None:
            return f"unix socket in {self.socket_dir} (port {self.port})"
        if self.host:
            return f"{self.host}:{self.port}"
        return "nowhere (not running)"


def _quote_conf(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


class EmbeddedPostgres:
    """A PostgreSQL cluster living in ``data_dir`` (``pgdata/``, ``log/``, ``run/``).

    ``start()`` initialises the cluster on first use and is idempotent: when the
    server is already running it simply attaches. When the process runs as root on
    POSIX, PostgreSQL (which refuses to run as root) runs as the unprivileged
    system account ``shopstream-pg``, created on demand.
    """

    def __init__(
        self,
        data_dir: Path | str,
        *,
        durable: bool = True,
        max_connections: int = 300,
        shared_buffers: str = "128MB",
        service_user: str = SERVICE_USER,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().absolute()
        self.pgdata = self.data_dir / "pgdata"
        self.log_file = self.data_dir / "log" / "postgresql.log"
        self.durable = durable
        self.max_connections = max_connections
        self.shared_buffers = shared_buffers
        self._service_user = service_user if _osutil.is_root() else None
        self.started_here = False
        """True when the last ``start()`` launched the server (rather than attached)."""
        self._launched: tuple[int, float] | None = None
        """(pid, process start time) of the postmaster this object launched: the marker
        of ownership that ``stop_if_started_here`` checks."""

    # ------------------------------------------------------------------ layout

    @property
    def socket_dir(self) -> Path | None:
        """Directory of the unix socket (POSIX), ``None`` on Windows."""
        if IS_WINDOWS:
            return None
        candidate = self.data_dir / "run"
        if len(str(candidate / f".s.PGSQL.{POSIX_PORT}")) <= MAX_SOCKET_PATH:
            return candidate
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"shopstream-pg-{digest}"

    def is_initialized(self) -> bool:
        """Whether ``initdb`` has already created the cluster."""
        return (self.pgdata / "PG_VERSION").is_file()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> ServerStatus:
        """Start the server (initialising it first if needed) or attach to a running one."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with _osutil.file_lock(self.data_dir / ".server.lock"):
            if self._postmaster() is not None:
                log.info("Embedded PostgreSQL already running in %s; attaching", self.data_dir)
                self.started_here = False
                return self.status()
            began = time.monotonic()
            self._prepare_directories()
            if not self.is_initialized():
                self._initdb()
            self._write_config()
            self._remove_stale_pidfile()
            self._pg_ctl("start", "-w", "-t", str(START_TIMEOUT_S), "-l", str(self.log_file))
            status = self.status()
            if not status.running:
                raise self._error("PostgreSQL exited right after starting")
            self.started_here = True
            self._launched = self._identity()
            log.info("Embedded PostgreSQL started in %.2fs", time.monotonic() - began)
            return status

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are disconnected)."""
        if not self.data_dir.is_dir():
            return
        with _osutil.file_lock(self.data_dir / ".server.lock"):
            if self._postmaster() is None:
                return
            self._pg_ctl("stop", "-w", "-t", str(START_TIMEOUT_S), "-m", "fast")
            self.started_here, self._launched = False, None

    def stop_if_started_here(self) -> bool:
        """Stop the server only if it is the very one this object launched (same pid and
        process start time); True when it stopped it. A server that was attached to, or that
        someone else (the CLI) restarted meanwhile, keeps running."""
        if self._launched is None or not self.data_dir.is_dir():
            return False
        with _osutil.file_lock(self.data_dir / ".server.lock"):
            running = self._identity()
            if running is None:
                self._launched = None
                return False
            if running != self._launched:
                log.info("The local server (pid %d) was started by another process; leaving "
                         "it running", running[0])
                return False
            self._pg_ctl("stop", "-w", "-t", str(START_TIMEOUT_S), "-m", "fast")
            self.started_here, self._launched = False, None
            return True

    def _identity(self) -> tuple[int, float] | None:
        """(pid, start time) of the running postmaster: a reused pid has another start time."""
        pm = self._postmaster()
        if pm is None:
            return None
        try:
            return pm.pid, psutil.Process(pm.pid).create_time()
        except psutil.Error:
            return pm.pid, 0.0

    def is_running(self) -> bool:
        """Whether a live postmaster owns this data directory."""
        return self._postmaster() is not None

    def status(self) -> ServerStatus:
        """Where and whether the server runs, read from ``postmaster.pid``."""
        pm = self._postmaster()
        if pm is None:
            return ServerStatus(
                False, None, None, None, None, self.data_dir, pgbin.postgres_version()
            )
        return ServerStatus(
            True, pm.pid, pm.socket_dir, pm.host, pm.port, self.data_dir, pgbin.postgres_version()
        )

    # ------------------------------------------------------------------ connecting

    def dsn(self, dbname: str = "shopstream", user: str = "postgres") -> str:
        """A libpq connection URL for ``dbname`` (usable by psycopg and ``psql``)."""
        pm = self._postmaster()
        socket_dir = pm.socket_dir if pm else self.socket_dir
        if socket_dir is not None:
            port = (pm.port if pm else None) or POSIX_PORT
            host = quote(str(socket_dir), safe="")
            return f"postgresql://{quote(user)}@/{quote(dbname)}?host={host}&port={port}"
        if pm is None or pm.port is None:
            raise EmbeddedServerError("The embedded server is not running; start it first")
        return f"postgresql://{quote(user)}@{pm.host or '127.0.0.1'}:{pm.port}/{quote(dbname)}"

    def connect(self, dbname: str = "postgres", *, autocommit: bool = True) -> psycopg.Connection:
        """Open a psycopg connection to ``dbname`` as the ``postgres`` superuser."""
        try:
            return db.connect(self.dsn(dbname), autocommit=autocommit)
        except psycopg.OperationalError as exc:
            raise EmbeddedServerError(f"Cannot connect to the embedded server: {exc}") from exc

    def ensure_database(self, name: str) -> bool:
        """Create database ``name`` unless it exists; returns True when it was created."""
        with self.connect() as conn:
            if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
                return False
            try:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            except errors.DuplicateDatabase:
                return False
            return True

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists (even a template), disconnecting its sessions."""
        ident = sql.Identifier(name)
        with self.connect() as conn:
            row = conn.execute(
                "select datistemplate from pg_database where datname = %s", (name,)
            ).fetchone()
            if row is None:
                return
            if row[0]:
                conn.execute(sql.SQL("alter database {} is_template false").format(ident))
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(ident))

    def create_database_from_template(self, name: str, template: str) -> None:
        """Create ``name`` as a copy of ``template`` (sessions on the template are ended)."""
        stmt = sql.SQL("create database {} template {}").format(
            sql.Identifier(name), sql.Identifier(template)
        )
        with self.connect() as conn:
            for attempt in range(20):
                conn.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity"
                    " where datname = %s and pid <> pg_backend_pid()",
                    (template,),
                )
                try:
                    conn.execute(stmt)
                    return
                except errors.ObjectInUse:
                    # A session was still closing (or reconnected); give it a moment.
                    time.sleep(0.05 * (attempt + 1))
            raise EmbeddedServerError(f"Template database {template!r} stayed busy; giving up")

    # ------------------------------------------------------------------ internals

    def _postmaster(self) -> pgbin.Postmaster | None:
        return pgbin.read_postmaster(self.pgdata)

    def _remove_stale_pidfile(self) -> None:
        pidfile = self.pgdata / "postmaster.pid"
        if pidfile.exists() and self._postmaster() is None:
            log.warning("Removing stale %s", pidfile)
            pidfile.unlink(missing_ok=True)

    def _prepare_directories(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        if not self.pgdata.exists():
            self.pgdata.mkdir(mode=0o700)
        socket_dir = self.socket_dir
        if socket_dir is not None:
            _osutil.make_private_dir(socket_dir)
        if self._service_user is None:
            return
        # Running as root: hand the server's directories to the service account and
        # make sure it can reach them and the bundled binaries.
        account = _osutil.ensure_service_user(self._service_user)
        owned = [self.pgdata, self.log_file.parent]
        if self.log_file.exists():
            owned.append(self.log_file)
        if socket_dir is not None:
            owned.append(socket_dir)
        for path in owned:
            _osutil.chown(path, account)
        _osutil.ensure_traversable(self.data_dir)
        _osutil.ensure_traversable(pgbin.bin_dir())
        install_dir = pgbin.bin_dir().parent  # pgserver/pginstall
        _osutil.ensure_readable_tree(install_dir)
        bundled_libs = install_dir.parent.parent / "pgserver.libs"  # libpq vendored by auditwheel
        if bundled_libs.is_dir():
            _osutil.ensure_readable_tree(bundled_libs)

    def _initdb(self) -> None:
        if any(self.pgdata.iterdir()):
            raise EmbeddedServerError(
                f"{self.pgdata} is not empty but holds no PostgreSQL cluster; move it away"
            )
        args = [
            pgbin.exe("initdb"), "-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8",
            "-U", "postgres", "--no-instructions", *pgbin.locale_args(),
        ]  # fmt: skip
        if not self.durable:
            args.append("--no-sync")
        self._run(args, what="initdb", timeout=120)

    def _write_config(self) -> None:
        durable = "on" if self.durable else "off"
        settings: dict[str, str] = {
            "max_connections": str(self.max_connections),
            "shared_buffers": _quote_conf(self.shared_buffers),
            "fsync": durable,
            "synchronous_commit": durable,
            "full_page_writes": durable,
            "timezone": "'UTC'",
            "log_timezone": "'UTC'",
            "logging_collector": "off",
        }
        if IS_WINDOWS:
            settings["listen_addresses"] = "'127.0.0.1'"
            settings["port"] = str(_osutil.free_tcp_port("127.0.0.1"))
            settings["unix_socket_directories"] = "''"
        else:
            settings["listen_addresses"] = "''"
            settings["port"] = str(POSIX_PORT)
            settings["unix_socket_directories"] = _quote_conf(str(self.socket_dir))
        body = "".join(f"{key} = {value}\n" for key, value in settings.items())
        conf = self.pgdata / CONF_FILE
        conf.write_text("# Written by ShopStream Studio on every start; edits are lost.\n" + body)
        main_conf = self.pgdata / "postgresql.conf"
        text = main_conf.read_text()
        if INCLUDE_LINE not in text:
            main_conf.write_text(text.rstrip("\n") + f"\n\n{INCLUDE_LINE}\n")
        if self._service_user is not None:
            _osutil.chown(conf, _osutil.ensure_service_user(self._service_user))

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._run(
            [pgbin.exe("pg_ctl"), "-D", str(self.pgdata), *options, action],
            what=f"pg_ctl {action}",
            timeout=START_TIMEOUT_S + 30,
        )

    def _run(self, args: list[str], *, what: str, timeout: float) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        run_as = _osutil.run_as_kwargs(self._service_user)
        # Output goes to a file, not a pipe: the postmaster pg_ctl spawns would
        # otherwise inherit the pipe and keep us waiting.
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out:
            try:
                proc = subprocess.run(
                    args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    cwd=self.data_dir, env=env, timeout=timeout, check=False, **run_as,
                )  # fmt: skip
            except subprocess.TimeoutExpired as exc:
                raise self._error(f"{what} timed out") from exc
            except OSError as exc:
                raise EmbeddedServerError(f"Cannot run {what}: {exc}") from exc
            out.seek(0)
            output = out.read()
        if proc.returncode != 0:
            detail = f"{what} failed (exit {proc.returncode}): {self._failure_reason(output)}"
            if output.strip().count("\n"):
                detail += "\n--- output ---\n" + output.strip()
            raise self._error(detail)
        return output

    def _failure_reason(self, output: str) -> str:
        """The most telling line: the server's last FATAL, else the tool's own complaint."""
        with contextlib.suppress(OSError):
            fatal = [
                line.split("FATAL:", 1)[1].strip()
                for line in self.log_file.read_text(errors="replace").splitlines()[-50:]
                if "FATAL:" in line
            ]
            if fatal:
                return fatal[-1]
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        tool_lines = [line for line in lines if line.split(":", 1)[0] in ("pg_ctl", "initdb")]
        return (tool_lines or lines or ["no output"])[-1]

    def _error(self, message: str, lines: int = 25) -> EmbeddedServerError:
        """An error whose message ends with the tail of the server log."""
        try:
            tail = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return EmbeddedServerError(f"{message}\n(no server log at {self.log_file})")
        text = f"{message}\n--- last lines of {self.log_file} ---\n" + "\n".join(tail)
        return EmbeddedServerError(text, self.log_file)

    def destroy(self) -> None:
        """Stop the server if it runs and delete the whole data directory."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=False)
        socket_dir = self.socket_dir
        if socket_dir is not None and socket_dir.exists():
            shutil.rmtree(socket_dir, ignore_errors=True)
