"""Help › About: versions of the studio, Python, Qt/PySide6, PostgreSQL and SQLite, and the
data and log folders; registered as "help.about" and opened by the action."""

from __future__ import annotations

import platform
import sqlite3

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from studio import __version__
from studio.core.paths import app_paths
from studio.server import pgbin
from studio.ui.about_dialog import ABOUT_ACTION, AboutDialog, register_about
from studio.ui.actions import ActionRegistry


def test_the_dialog_shows_every_version_and_the_data_and_log_folders(qtbot: QtBot) -> None:
    paths = app_paths()
    dialog = AboutDialog(paths)
    qtbot.addWidget(dialog)
    shown = {label: field.text() for label, field in dialog.values.items()}
    assert shown["ShopStream Studio"] == __version__
    assert shown["Python"].startswith(platform.python_version())
    assert shown["Qt"] == qVersion()
    assert shown["PySide6"] == PySide6.__version__
    postgres = pgbin.postgres_version()
    assert postgres is not None and shown["PostgreSQL (local server)"] == postgres
    assert shown["SQLite (offline cache)"] == sqlite3.sqlite_version
    assert shown["Data"] == str(paths.data_dir)
    assert shown["Logs"] == str(paths.log_dir)
    assert shown["Settings"] == str(paths.settings_file)


def test_copy_details_puts_every_row_on_the_clipboard(qtbot: QtBot) -> None:
    dialog = AboutDialog(app_paths())
    qtbot.addWidget(dialog)
    QGuiApplication.clipboard().clear()
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied == [f"{label}: {value}" for label, value in dialog.facts]
    assert f"ShopStream Studio: {__version__}" in copied


def test_the_help_about_action_opens_the_dialog_and_is_listed(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    actions = ActionRegistry()
    action = register_about(actions, window, app_paths())
    assert action is actions.action(ABOUT_ACTION)
    assert ABOUT_ACTION.startswith("help.")
    assert ABOUT_ACTION in [spec.action_id for spec in actions.specs()]
    assert window.findChild(AboutDialog) is None
    action.trigger()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.windowTitle() == "About ShopStream Studio"


def test_the_studio_offers_help_about(qtbot: QtBot, qapp: QApplication) -> None:
    from studio.app import Studio
    from studio.core.settings import Settings

    palette, sheet = qapp.palette(), qapp.styleSheet()
    studio = Studio(qapp, app_paths(), Settings(), opener=_never_opened)
    qtbot.addWidget(studio.window)
    try:
        action = studio.actions.action(ABOUT_ACTION)
        assert action.parent() is studio.window
        assert ABOUT_ACTION in [spec.action_id for spec in studio.actions.specs()]
    finally:  # closed by the test, not through the studio's asynchronous shutdown
        studio.window.set_close_guard(None)
        studio.theme.deleteLater()
        qapp.setPalette(palette)
        qapp.setStyleSheet(sheet)


async def _never_opened(*_args: object) -> object:
    raise AssertionError("the workspace is not opened in this test")
