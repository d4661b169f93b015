"""Empty states and the problem banner: what will be here, or why it is not available yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.status_bar import breakable, tooltip_text

if TYPE_CHECKING:  # the context pulls in the cache; keep it off the start-up path
    from studio.ui.actions import ActionRegistry
    from studio.ui.context import ScreenContext


class EmptyState(QWidget):
    """A centred symbol, title, explanation and optional button (and busy bar)."""

    def __init__(self, title: str, text: str = "", *, symbol: str = "",
                 button_text: str = "", on_button: Callable[[], object] | None = None,
                 busy: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        self.symbol_label = QLabel(symbol)
        self.symbol_label.setObjectName("emptyStateSymbol")
        self.symbol_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        symbol_font = self.symbol_label.font()
        symbol_font.setPointSizeF(symbol_font.pointSizeF() * 3.2)
        self.symbol_label.setFont(symbol_font)
        self.symbol_label.setVisible(bool(symbol))
        self.title_label = QLabel(title)
        self.title_label.setObjectName("emptyStateTitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label = QLabel(text)
        self.text_label.setObjectName("emptyStateText")
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label.setWordWrap(True)
        self.text_label.setMinimumWidth(320)
        self.text_label.setMaximumWidth(520)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedWidth(240)
        self.busy_bar.setVisible(busy)
        self.button = QPushButton(button_text)
        self.button.setVisible(bool(button_text))
        self._on_button = on_button
        self.button.clicked.connect(self._button_clicked)
        layout.addWidget(self.symbol_label)
        layout.addSpacing(6)
        layout.addWidget(self.title_label)
        layout.addSpacing(4)
        # A wrapped label needs its row's width to size its height: centre it with
        # stretches, not an alignment flag (which would clip the wrapped lines).
        text_row = QHBoxLayout()
        text_row.addStretch(1)
        text_row.addWidget(self.text_label, 4)
        text_row.addStretch(1)
        layout.addLayout(text_row)
        layout.addSpacing(12)
        layout.addWidget(self.busy_bar, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)

    def _button_clicked(self) -> None:
        if self._on_button is not None:
            self._on_button()

    def set_button(self, text: str, on_button: Callable[[], object] | None) -> None:
        """Show a button (or hide it: empty text) calling `on_button`."""
        self.button.setText(text)
        self.button.setVisible(bool(text))
        self._on_button = on_button

    def set_text(self, title: str, text: str = "", *, busy: bool | None = None) -> None:
        self.title_label.setText(title)
        self.text_label.setText(text)
        if busy is not None:
            self.busy_bar.setVisible(busy)


class PlaceholderScreen(EmptyState):
    """A screen that arrives with a later release: says so, and does nothing else."""

    nav_id = "placeholder"
    nav_title = "Coming soon"

    def __init__(self, ctx: ScreenContext | None, actions: ActionRegistry | None,
                 parent: QWidget | None = None, *, nav_id: str = "placeholder",
                 title: str = "Coming soon", text: str = "", symbol: str = "◇") -> None:
        super().__init__(title, text, symbol=symbol, parent=parent)
        self.nav_id = nav_id
        self.nav_title = title
        self.setObjectName(f"placeholder_{nav_id}")

    def activate(self) -> None:
        """Nothing to refresh: the page is static."""


def placeholder_factory(nav_id: str, title: str, text: str, symbol: str = "◇"
                        ) -> Callable[..., QWidget]:
    """A screen factory (ctx, actions, parent) building a PlaceholderScreen."""

    def build(ctx: ScreenContext | None, actions: ActionRegistry | None,
              parent: QWidget | None = None) -> QWidget:
        return PlaceholderScreen(ctx, actions, parent, nav_id=nav_id, title=title, text=text,
                                 symbol=symbol)

    return build


class WorkspaceBanner(QFrame):
    """A problem with the workspace, in words, with Retry and a way to Settings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspaceBanner")
        self.message_label = QLabel()
        self.message_label.setObjectName("bannerMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("retryButton")
        self.settings_button = QPushButton("Open Settings")
        icon = QLabel("⚠")
        icon.setAccessibleName("Problem")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(icon)
        layout.addWidget(self.message_label, 1)
        layout.addWidget(self.settings_button)
        layout.addWidget(self.retry_button)
        self.hide()

    def show_message(self, message: str) -> None:
        # Break chances inside long words (paths, ids) keep the wrapped label from widening
        # the window; the label stays selectable for copying.
        self.message_label.setText(breakable(message))
        self.message_label.setToolTip(tooltip_text(message))
        self.show()
