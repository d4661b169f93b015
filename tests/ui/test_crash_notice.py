"""The crash notice: a message box naming the report file, opened on the GUI thread even when the
crash happened on another; one box at a time. And the app log: a rotating file in the log dir."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from studio.app import configure_logging
from studio.core.paths import APP_AUTHOR, APP_NAME, app_paths
from studio.crash import CrashReporter
from studio.ui.crash_notice import CrashNotice


def test_a_crash_report_is_announced_with_its_path(qtbot: QtBot, tmp_path: Path) -> None:
    notice = CrashNotice()
    reporter = CrashReporter(tmp_path / "log", notice.notify)
    try:
        raise RuntimeError("lineup order broke")
    except RuntimeError as exc:
        path = reporter.report(RuntimeError, exc, exc.__traceback__, where="main thread")
    assert path is not None
    qtbot.waitUntil(lambda: notice.box is not None and notice.box.isVisible())
    box = notice.box
    assert isinstance(box, QMessageBox)
    assert str(path) in box.informativeText()
    assert box.detailedText() == "RuntimeError: lineup order broke"
    assert [b.text() for b in box.buttons()
            if b.text() == "Open report folder"] == ["Open report folder"]
    box.done(0)
    qtbot.waitUntil(lambda: notice.box is None)


def test_a_crash_on_another_thread_opens_the_box_on_the_gui_thread(
        qtbot: QtBot, tmp_path: Path) -> None:
    notice = CrashNotice()
    reporter = CrashReporter(tmp_path, notice.notify)

    def crash() -> None:
        raise ValueError("sync thread broke")

    reporter.install()
    try:
        worker = threading.Thread(target=crash, name="sync")
        worker.start()
        worker.join()
    finally:
        reporter.uninstall()
    qtbot.waitUntil(lambda: notice.box is not None)
    assert notice.box.thread() is QApplication.instance().thread()
    assert "ValueError: sync thread broke" in notice.box.detailedText()
    notice.box.done(0)


def test_a_failed_task_on_the_qt_asyncio_loop_is_reported_and_announced(
        qloop, wait_until, tmp_path: Path) -> None:
    notice = CrashNotice()
    reporter = CrashReporter(tmp_path, notice.notify)
    reporter.install_on_loop(qloop)

    async def publish() -> None:
        raise ValueError("publish broke")

    task = asyncio.ensure_future(publish())
    wait_until(task.done)
    del task  # nobody retrieves its exception: the loop reports it when the task is collected
    gc.collect()
    wait_until(lambda: notice.box is not None)
    [report] = tmp_path.glob("crash-*.txt")
    assert "Task exception was never retrieved" in report.read_text()
    assert "ValueError: publish broke" in report.read_text()
    assert str(report) in notice.box.informativeText()
    notice.box.done(0)


def test_the_box_outlives_the_window_that_was_active(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = QDialog()
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    notice = CrashNotice()
    notice.notify(tmp_path / "crash-1.txt", "first")
    qtbot.waitUntil(lambda: notice.box is not None)
    destroyed = []
    dialog.destroyed.connect(lambda: destroyed.append(True))
    dialog.deleteLater()
    qtbot.waitUntil(lambda: destroyed == [True])
    assert notice.box is not None and notice.box.isVisible()
    notice.box.done(0)


def test_while_a_box_is_open_further_reports_are_only_written(qtbot: QtBot,
                                                               tmp_path: Path) -> None:
    notice = CrashNotice()
    notice.notify(tmp_path / "crash-1.txt", "first")
    qtbot.waitUntil(lambda: notice.box is not None)
    first = notice.box
    notice.notify(tmp_path / "crash-2.txt", "second")
    qtbot.wait(50)  # let a queued second request arrive, if one were sent
    assert notice.box is first
    assert first is not None and first.detailedText() == "first"
    first.done(0)


def test_the_app_log_rotates_in_the_platform_log_directory(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SHOPSTREAM_HOME", raising=False)
    assert app_paths().log_dir == platformdirs.user_log_path(APP_NAME, APP_AUTHOR)
    log_file = app_paths(tmp_path).log_file
    root = logging.getLogger()
    before = list(root.handlers)
    configure_logging(log_file)
    [handler] = [h for h in root.handlers if h not in before]
    try:
        assert isinstance(handler, RotatingFileHandler)
        assert Path(handler.baseFilename) == log_file
        assert handler.maxBytes > 0 and handler.backupCount > 0
        logging.getLogger("studio.test").info("first file")
        handler.doRollover()
        logging.getLogger("studio.test").info("second file")
        handler.flush()
    finally:
        root.removeHandler(handler)
        handler.close()
    assert "first file" in log_file.with_name(log_file.name + ".1").read_text()
    assert "second file" in log_file.read_text()
