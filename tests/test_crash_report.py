"""Crash reports: unhandled errors on the main thread, another thread or the asyncio loop are
written under the log directory with versions and the traceback, secrets scrubbed, and the user
is notified with the file; a report that cannot be written never raises."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

import pytest

from studio import __version__
from studio.crash import REPORT_PREFIX, CrashReporter, scrub

JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
       "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Path, str]] = []

    def __call__(self, path: Path, summary: str) -> None:
        self.calls.append((path, summary))


def _reports(log_dir: Path) -> list[Path]:
    return sorted(log_dir.glob(f"{REPORT_PREFIX}*.txt"))


def _raise(message: str) -> None:
    raise ValueError(message)


def test_scrub_removes_tokens_keys_and_passwords_and_keeps_the_rest() -> None:
    text = scrub(
        f"access_token={JWT} refresh_token: abc123def password='hunter22' "
        "url postgresql://postgres:s3cret@db.example:5432/x Authorization: Bearer abcdefghijk "
        "key sb_secret_AbC123xyz apikey=sb_publishable_zzz999 product_id=42 price 19.99")
    for secret in (JWT, "abc123def", "hunter22", "s3cret", "abcdefghijk", "AbC123xyz", "zzz999"):
        assert secret not in text
    assert "product_id=42 price 19.99" in text
    assert "postgresql://postgres:[removed]@db.example:5432/x" in text


def test_an_unhandled_main_thread_error_writes_a_scrubbed_report_and_notifies(
        tmp_path: Path) -> None:
    notify = Recorder()
    reporter = CrashReporter(tmp_path / "log", notify)
    try:
        _raise(f"refresh failed for token={JWT}")
    except ValueError:
        reporter.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    [report] = _reports(tmp_path / "log")
    text = report.read_text()
    assert f"ShopStream Studio: {__version__}" in text
    assert f"Python: {sys.version.split()[0]}" in text
    assert "Where: main thread" in text
    assert "Traceback (most recent call last)" in text and "in _raise" in text
    assert "ValueError: refresh failed for token=[removed]" in text
    assert JWT not in text
    assert notify.calls == [(report, "ValueError: refresh failed for token=[removed]")]


def test_install_hooks_the_interpreter_and_a_threads_error_is_reported(tmp_path: Path) -> None:
    notify = Recorder()
    reporter = CrashReporter(tmp_path, notify)
    before = (sys.excepthook, threading.excepthook)
    reporter.install()
    try:
        assert sys.excepthook == reporter.excepthook
        worker = threading.Thread(target=_raise, args=("worker broke",), name="sync-worker")
        worker.start()
        worker.join()
    finally:
        reporter.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
    [report] = _reports(tmp_path)
    text = report.read_text()
    assert "Where: thread sync-worker" in text
    assert "ValueError: worker broke" in text
    assert notify.calls == [(report, "ValueError: worker broke")]


def test_an_error_nobody_handled_on_the_asyncio_loop_is_reported(tmp_path: Path) -> None:
    notify = Recorder()
    reporter = CrashReporter(tmp_path, notify)
    loop = asyncio.new_event_loop()
    try:
        reporter.install_on_loop(loop)
        loop.call_soon(_raise, "callback broke")
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    [report] = _reports(tmp_path)
    text = report.read_text()
    assert "Where: asyncio: Exception in callback" in text
    assert "ValueError: callback broke" in text
    assert [summary for _path, summary in notify.calls] == ["ValueError: callback broke"]


def test_loop_messages_without_an_exception_write_no_report(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    reporter = CrashReporter(tmp_path, Recorder())
    loop = asyncio.new_event_loop()
    try:
        reporter.asyncio_handler(loop, {"message": "Task was destroyed but it is pending!"})
    finally:
        loop.close()
    assert _reports(tmp_path) == []
    assert "Task was destroyed but it is pending!" in caplog.text


def test_keyboard_interrupt_is_not_a_crash(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    passed_on = []
    monkeypatch.setattr(sys, "__excepthook__", lambda *args: passed_on.append(args[0]))
    reporter = CrashReporter(tmp_path, Recorder())
    reporter.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert passed_on == [KeyboardInterrupt]
    assert _reports(tmp_path) == []


def test_a_report_that_cannot_be_written_logs_the_error_and_raises_nothing(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "log"
    blocker.write_text("a file where the log directory should be")
    notify = Recorder()
    reporter = CrashReporter(blocker, notify)
    try:
        _raise("disk trouble")
    except ValueError:
        assert reporter.report(*sys.exc_info(), where="main thread") is None  # type: ignore[misc]
    assert notify.calls == []
    assert blocker.read_text() == "a file where the log directory should be"
    assert "no crash report" in caplog.text and "disk trouble" in caplog.text


def test_two_crashes_in_the_same_second_get_two_files(tmp_path: Path) -> None:
    reporter = CrashReporter(tmp_path)
    for message in ("first", "second"):
        try:
            _raise(message)
        except ValueError:
            reporter.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    texts = [path.read_text() for path in _reports(tmp_path)]
    assert len(texts) == 2
    assert any("ValueError: first" in t for t in texts)
    assert any("ValueError: second" in t for t in texts)
