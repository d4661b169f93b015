"""Crash reports: unhandled errors become scrubbed report files in the log dir; the user is told.

An error nothing handled (main thread, another thread, the asyncio loop) is written to a report
file under the log directory, with secrets scrubbed, and the user is told where it is.

This module has no Qt: the app passes a `notify` callback that shows a message box.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import platform
import re
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from studio import __version__

log = logging.getLogger(__name__)

REPORT_PREFIX = "crash-"
Notifier = Callable[[Path, str], None]
"""notify(report_file, summary): tell the user; called from the thread that failed."""

_REMOVED = "[removed]"
# Order matters: whole tokens first, then whatever a key=value pair or a URL still holds.
_SECRETS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*"), _REMOVED),  # JWTs
    (re.compile(r"\bsb_(secret|publishable)_[A-Za-z0-9_-]+"), r"sb_\1_" + _REMOVED),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + _REMOVED),
    (re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@"), r"\1" + _REMOVED + "@"),
    (re.compile(
        r"(?i)(\b[\w-]*(?:password|passwd|secret|token|api[_-]?key|apikey|anon[_-]?key|"
        r"access[_-]?key|private[_-]?key|authorization|cookie|session)[\w-]*\b"
        r"['\"]?\s*[:=]\s*['\"]?)(?!\[removed\])([^\s'\",;&)}\]]+)"), r"\1" + _REMOVED),
]


def scrub(text: str) -> str:
    """`text` with tokens, keys, passwords and credentials in URLs replaced by "[removed]"."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def versions() -> list[tuple[str, str]]:
    """The versions a report carries (Qt only when the app had loaded it)."""
    found = [
        ("ShopStream Studio", __version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Platform", platform.platform()),
        ("Frozen", "yes" if getattr(sys, "frozen", False) else "no"),
    ]
    pyside = sys.modules.get("PySide6")
    if pyside is not None:
        found.append(("PySide6", str(getattr(pyside, "__version__", "?"))))
        qtcore = sys.modules.get("PySide6.QtCore")
        if qtcore is not None:
            found.append(("Qt", qtcore.qVersion()))
    return found


class CrashReporter:
    """Writes crash reports into `log_dir` and calls `notify` with each report's path."""

    def __init__(self, log_dir: Path, notify: Notifier | None = None) -> None:
        self.log_dir = Path(log_dir)
        self.notify = notify
        self._lock = threading.Lock()
        self._previous: tuple[Any, Any] | None = None

    # ------------------------------------------------------------------ reports

    def write_report(self, exc_type: type[BaseException], exc: BaseException,
                     tb: TracebackType | None, *, where: str) -> Path:
        """Write one report file; returns its path. Raises OSError when it cannot be written."""
        now = dt.datetime.now(dt.UTC)
        lines = [f"ShopStream Studio crash report, {now:%Y-%m-%d %H:%M:%S} UTC", ""]
        lines += [f"{name}: {value}" for name, value in versions()]
        lines += [f"Where: {where}", f"Process: {os.getpid()}", "", "Traceback:"]
        lines += "".join(traceback.format_exception(exc_type, exc, tb)).rstrip().splitlines()
        text = scrub("\n".join(lines)) + "\n"
        with self._lock:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            stem = f"{REPORT_PREFIX}{now:%Y%m%d-%H%M%S}-{os.getpid()}"
            path = self.log_dir / f"{stem}.txt"
            counter = 1
            while path.exists():
                counter += 1
                path = self.log_dir / f"{stem}-{counter}.txt"
            path.write_text(text, encoding="utf-8")
        return path

    def report(self, exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None, *, where: str) -> Path | None:
        """Write a report, log it and notify the user; never raises (None: not written)."""
        summary = scrub(f"{exc_type.__name__}: {exc}".strip().splitlines()[0])
        try:
            path: Path | None = self.write_report(exc_type, exc, tb, where=where)
        except Exception as error:
            path = None
            # The log (or stderr) still gets the traceback.
            log.error("Unhandled error in %s (no crash report: %s)", where, error,
                      exc_info=(exc_type, exc, tb))
        else:
            log.error("Unhandled error in %s: %s; report written to %s", where, summary, path)
        if path is not None and self.notify is not None:
            try:
                self.notify(path, summary)
            except Exception:
                log.exception("Could not tell the user about the crash report %s", path)
        return path

    # ------------------------------------------------------------------ hooks

    def excepthook(self, exc_type: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.report(exc_type, exc, tb, where="main thread")

    def threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "unknown"
        self.report(args.exc_type, args.exc_value, args.exc_traceback, where=f"thread {name}")

    def asyncio_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """An asyncio loop exception handler: reports errors nobody handled; other loop
        messages (a task destroyed while pending, ...) go to the default handler's log."""
        exc = context.get("exception")
        if not isinstance(exc, Exception):
            loop.default_exception_handler(context)
            return
        where = f"asyncio: {context.get('message') or 'unhandled exception'}"
        task = context.get("task") or context.get("future")
        if isinstance(task, asyncio.Task):
            where += f" (task {task.get_name()})"
        self.report(type(exc), exc, exc.__traceback__, where=where)

    def install(self) -> None:
        """Become sys.excepthook and threading.excepthook (asyncio: see `install_on_loop`)."""
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.threading_excepthook

    def install_on_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.set_exception_handler(self.asyncio_handler)

    def uninstall(self) -> None:
        """Put back the hooks found by `install`."""
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None
