"""Help › About: the studio's version, the versions of its parts, and where data and logs live."""

from __future__ import annotations

import platform
import sqlite3

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio import __version__
from studio.core.paths import AppPaths
from studio.resources import icon_png
from studio.ui.actions import ActionRegistry, ActionSpec

ABOUT_ACTION = "help.about"


def about_facts(paths: AppPaths) -> list[tuple[str, str]]:
    """(label, value) rows of the dialog, in order; also what "Copy details" copies."""
    from studio.server import pgbin  # psutil and a subprocess: not on the start-up path

    return [
        ("ShopStream Studio", __version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("PostgreSQL (local server)", pgbin.postgres_version() or "not found"),
        ("SQLite (offline cache)", sqlite3.sqlite_version),
        ("Operating system", platform.platform()),
        ("Settings", str(paths.settings_file)),
        ("Data", str(paths.data_dir)),
        ("Logs", str(paths.log_dir)),
    ]


class AboutDialog(QDialog):
    """Shows `about_facts` (text selectable) with a button copying them for a support request."""

    def __init__(self, paths: AppPaths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About ShopStream Studio")
        self.setMinimumWidth(520)  # room for the folder paths on one line
        self.facts = about_facts(paths)
        icon = QLabel()
        icon.setPixmap(QPixmap(str(icon_png(64))))
        title = QLabel(f"<b>ShopStream Studio {__version__}</b><br>"
                       "The desktop studio for live-selling hosts.")
        header = QHBoxLayout()
        header.addWidget(icon)
        header.addWidget(title, 1)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for label, value in self.facts:
            field = QLabel(value)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            field.setWordWrap(True)
            form.addRow(f"{label}:", field)
            self.values[label] = field
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setToolTip("Copy these versions and paths, e.g. for a support request")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def details(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self.facts)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details())


def register_about(actions: ActionRegistry, window: QWidget, paths: AppPaths) -> QAction:
    """Register Help › About ("help.about") on `window`; it opens an AboutDialog."""

    def show() -> AboutDialog:
        dialog = AboutDialog(paths, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    return actions.register(
        ActionSpec(ABOUT_ACTION, "About ShopStream Studio", None,
                   "The versions of the studio and its parts, and where its data and logs are"),
        show, owner=window)
