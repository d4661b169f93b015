"""Operating-system helpers for the embedded server: users, permissions, locks, ports."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Account:
    """A system account the server runs as."""

    name: str
    uid: int
    gid: int


def is_root() -> bool:
    """True for the POSIX superuser (never on Windows)."""
    return os.name == "posix" and os.geteuid() == 0


@cache
def ensure_service_user(name: str) -> Account:
    """Return the system account ``name``, creating it (no login, no home) if missing."""
    import pwd

    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = None
    if entry is None:
        if sys.platform == "darwin":
            raise PermissionError(
                "PostgreSQL cannot run as root; start ShopStream Studio as a normal user"
            )
        nologin = shutil.which("nologin") or "/bin/false"
        if shutil.which("useradd"):
            cmd = ["useradd", "--system", "--user-group", "--no-create-home",
                   "--home-dir", "/nonexistent", "--shell", nologin, name]  # fmt: skip
        elif shutil.which("adduser"):  # busybox (Alpine)
            cmd = ["adduser", "-S", "-D", "-H", "-h", "/nonexistent", "-s", nologin, name]
        else:
            raise PermissionError(f"Cannot create system user {name!r}: no useradd/adduser")
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            raise PermissionError(
                f"Cannot create system user {name!r}: {result.stderr.strip()}"
            ) from None
    return Account(name, entry.pw_uid, entry.pw_gid)


def run_as_kwargs(user: str | None) -> dict[str, Any]:
    """``subprocess.run`` arguments that drop root privileges to ``user``."""
    if user is None:
        return {}
    account = ensure_service_user(user)
    return {"user": account.uid, "group": account.gid, "extra_groups": []}


def chown(path: Path, account: Account) -> None:
    """Give ``path`` to ``account`` (no-op when it already owns it)."""
    st = path.stat()
    if (st.st_uid, st.st_gid) != (account.uid, account.gid):
        os.chown(path, account.uid, account.gid)


def ensure_traversable(path: Path) -> None:
    """Let other users pass through ``path`` and each of its parents (adds o+x only)."""
    for p in (path, *path.parents):
        mode = p.stat().st_mode
        if not mode & stat.S_IXOTH:
            p.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def ensure_readable_tree(root: Path) -> None:
    """Let other users read every file under ``root`` and run its executables."""
    for dirpath, _dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        _add_mode(d, stat.S_IROTH | stat.S_IXOTH)
        for filename in filenames:
            f = d / filename
            if f.is_symlink():
                continue
            wanted = stat.S_IROTH
            if f.stat().st_mode & stat.S_IXUSR:
                wanted |= stat.S_IXOTH
            _add_mode(f, wanted)


def _add_mode(path: Path, bits: int) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & bits != bits:
        path.chmod(mode | bits)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (mode 0700) unless it exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive inter-process lock on ``path`` for the ``with`` block."""
    with open(path, "a+b") as handle:
        if os.name == "nt":
            import msvcrt

            handle.seek(0)
            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:  # LK_LOCK gives up after ~10 s; keep waiting
                    continue
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def free_tcp_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@cache
def has_locale(name: str) -> bool:
    """Whether the C library knows locale ``name`` (checked without touching process state)."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    try:
        libc = ctypes.CDLL(libc_name)
        newlocale = libc.newlocale
        freelocale = libc.freelocale
    except (OSError, AttributeError):
        return False
    newlocale.restype = ctypes.c_void_p
    newlocale.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p]
    freelocale.argtypes = [ctypes.c_void_p]
    lc_ctype_mask, lc_collate_mask = 1 << 0, 1 << 3  # glibc's LC_CTYPE / LC_COLLATE masks
    handle = newlocale(lc_ctype_mask | lc_collate_mask, name.encode(), None)
    if not handle:
        return False
    freelocale(handle)
    return True
