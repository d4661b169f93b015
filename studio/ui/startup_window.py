"""Startup window: shows progress while the local workspace starts, then what it holds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

WINDOW_TITLE = "ShopStream Studio"
STARTING_TEXT = "Starting local workspace…"


class StartupResult(Protocol):
    """What the starter reports back (``studio.server.workspace.WorkspaceInfo`` fits)."""

    @property
    def product_count(self) -> int | None: ...

    @property
    def url(self) -> str: ...


Starter = Callable[[], StartupResult]


def ready_text(product_count: int | None) -> str:
    """Status line once the local server is up."""
    if product_count is None:
        return "Local server is up — the catalog isn't set up yet (no products table)"
    noun = "product" if product_count == 1 else "products"
    return f"Local server is up — {product_count} {noun} in the catalog"


def failed_text(message: str) -> str:
    """Status line when the workspace could not start."""
    first_line = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return f"Could not start the local workspace: {first_line}"


class StartupWindow(QMainWindow):
    """Main window shown while (and after) the local workspace starts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(720, 400)

        heading = QLabel(WINDOW_TITLE)
        heading_font = QFont(heading.font())
        heading_font.setPointSizeF(heading_font.pointSizeF() * 2)
        heading_font.setBold(True)
        heading.setFont(heading_font)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.status_label = QLabel(STARTING_TEXT)
        status_font = QFont(self.status_label.font())
        status_font.setPointSizeF(status_font.pointSizeF() * 1.3)
        self.status_label.setFont(status_font)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_label.setWordWrap(True)

        self.detail_label = QLabel("")
        self.detail_label.setObjectName("detailLabel")
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_label.setStyleSheet("color: palette(mid);")

        layout = QVBoxLayout()
        layout.addStretch(1)
        layout.addWidget(heading)
        layout.addSpacing(24)
        layout.addWidget(self.status_label)
        layout.addSpacing(8)
        layout.addWidget(self.detail_label)
        layout.addStretch(1)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

    @property
    def status_text(self) -> str:
        return self.status_label.text()

    def show_starting(self) -> None:
        self.status_label.setText(STARTING_TEXT)
        self.detail_label.setText("")

    def show_ready(self, product_count: int | None, detail: str = "") -> None:
        self.status_label.setText(ready_text(product_count))
        self.detail_label.setText(detail)

    def show_failed(self, message: str) -> None:
        self.status_label.setText(failed_text(message))
        self.detail_label.setText("")

    async def run_startup(self, starter: Starter) -> StartupResult | None:
        """Run the blocking ``starter`` in a worker thread and report what it returns.

        The UI thread never blocks: the event loop keeps painting while it runs.
        """
        self.show_starting()
        try:
            result = await asyncio.to_thread(starter)
        except Exception as exc:
            log.exception("Local workspace failed to start")
            self.show_failed(str(exc) or type(exc).__name__)
            return None
        self.show_ready(result.product_count, result.url)
        return result
