"""The PostgreSQL binaries bundled in the pgserver wheel, and a cluster's postmaster.pid."""

from __future__ import annotations

import subprocess
import sys
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psutil

from studio.server import _osutil

IS_WINDOWS = sys.platform == "win32"


@cache
def bin_dir() -> Path:
    """Directory holding the PostgreSQL executables shipped in the pgserver wheel."""
    with warnings.catch_warnings():
        # Importing pgserver makes platformdirs warn about XDG_RUNTIME_DIR; irrelevant here.
        warnings.simplefilter("ignore")
        from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def exe(name: str) -> str:
    """Full path of the bundled executable ``name`` (``initdb``, ``pg_ctl``, ...)."""
    return str(bin_dir() / (f"{name}.exe" if IS_WINDOWS else name))


@cache
def postgres_version() -> str | None:
    """Version of the bundled PostgreSQL, e.g. ``"16.2"``."""
    try:
        out = subprocess.run(
            [exe("pg_ctl"), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().rsplit(" ", 1)[-1] or None


@dataclass(frozen=True)
class Postmaster:
    """The running server described by ``postmaster.pid``."""

    pid: int
    port: int | None
    socket_dir: Path | None
    host: str | None
    state: str


def read_postmaster(pgdata: Path) -> Postmaster | None:
    """The live postmaster of cluster ``pgdata``, or None (no pid file, or a stale one)."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    try:
        pid = int(lines[0])
    except (IndexError, ValueError):
        return None
    if not _is_postgres_process(pid):
        return None
    # Lines: pid, data dir, start time, port, socket dir, listen address, shmem key, state.
    field = [line.strip() for line in lines] + [""] * (8 - len(lines))
    port = int(field[3]) if field[3].isdigit() else None
    socket_dir = Path(field[4]) if field[4] else None
    return Postmaster(pid, port, socket_dir, field[5] or None, field[7])


def _is_postgres_process(pid: int) -> bool:
    """Whether ``pid`` is a live PostgreSQL process.

    A postmaster that died but was never reaped (its parent does not wait, as under some
    container inits) is a zombie: it still has a pid and a name, but serves nothing and
    ``pg_ctl stop`` waits on it in vain, so it counts as not running.
    """
    try:
        process = psutil.Process(pid)
        if process.status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
            return False
        name = process.name()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True  # alive, owned by someone else; trust the pid file
    return name.lower().startswith("postgres")


@cache
def locale_args() -> tuple[str, ...]:
    """initdb locale options: C.UTF-8 (what new Supabase projects use) where the C library
    has it, otherwise the plain C locale, which exists everywhere."""
    if sys.platform.startswith("linux") and _osutil.has_locale("C.UTF-8"):
        return ("--locale=C.UTF-8",)
    return ("--no-locale",)
