"""Light and dark: Fusion with a palette from the system colour scheme, or the user's choice."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

THEME_CHOICES: tuple[tuple[str, str], ...] = (
    ("system", "Follow the system"),
    ("light", "Light"),
    ("dark", "Dark"),
)

SIDEBAR_LIGHT = "#eceef1"
SIDEBAR_DARK = "#17181c"

# Badge colours are translucent over the window colour and the text uses the palette,
# so one stylesheet reads well on light and dark palettes alike.
_STYLESHEET = """
QWidget#sidebar, QListWidget#navigation {
    background: @sidebar;
}
QListWidget#navigation {
    border: none;
    padding: 4px 6px;
    font-size: 10.5pt;
}
QLabel#brand {
    padding: 14px 16px 10px 16px;
    font-weight: 700;
    font-size: 11pt;
    color: palette(highlight);
}
QListWidget#navigation::item {
    padding: 8px 10px;
    margin: 1px 0;
    border-radius: 6px;
}
QListWidget#navigation::item:selected {
    background: palette(highlight);
    color: palette(highlighted-text);
}
QListWidget#navigation::item:hover:!selected {
    background: rgba(127, 127, 127, 0.16);
}
QLabel#syncBadge {
    border-radius: 9px;
    padding: 1px 9px;
    border: 1px solid rgba(127, 127, 127, 0.5);
    background: rgba(127, 127, 127, 0.14);
}
QLabel#syncBadge[state="online"] {
    border-color: rgba(46, 160, 67, 0.75); background: rgba(46, 160, 67, 0.20);
}
QLabel#syncBadge[state="syncing"] {
    border-color: rgba(56, 132, 244, 0.75); background: rgba(56, 132, 244, 0.20);
}
QLabel#syncBadge[state="offline"] {
    border-color: rgba(210, 153, 34, 0.85); background: rgba(210, 153, 34, 0.22);
}
QLabel#syncBadge[state="error"], QLabel#syncBadge[state="closed"] {
    border-color: rgba(218, 54, 51, 0.85); background: rgba(218, 54, 51, 0.22);
}
QFrame#workspaceBanner {
    border: 1px solid rgba(218, 54, 51, 0.7);
    background: rgba(218, 54, 51, 0.12);
    border-radius: 6px;
}
QPushButton#rejectionButton {
    text-align: left;
    color: #c9511c;
    border: none;
    padding: 1px 6px;
}
QPushButton#rejectionButton:hover { text-decoration: underline; }
QLabel#emptyStateTitle { font-size: 15pt; font-weight: 600; }
QLabel#emptyStateText, QLabel#fieldHint { color: palette(placeholder-text); }
QLabel#fieldError { color: #d03b36; }
QLabel#screenTitle { font-size: 15pt; font-weight: 600; }
"""


def light_palette() -> QPalette:
    return _palette(
        window="#f4f5f7", text="#1d1f23", base="#ffffff", alternate="#eceef1",
        button="#f7f8fa", highlight="#2f6fdb", highlighted_text="#ffffff",
        disabled="#9a9ea6", link="#1f5fc7", placeholder="#6b7079", tooltip="#ffffe1",
    )


def dark_palette() -> QPalette:
    return _palette(
        # Fields and indicators a step lighter than the window: Fusion outlines them with a
        # darker window colour, which would vanish on a base darker than the window.
        window="#1e2025", text="#e6e7ea", base="#2a2d34", alternate="#30333b",
        button="#353841", highlight="#3d7be0", highlighted_text="#ffffff",
        disabled="#70747c", link="#7fb0ff", placeholder="#9298a2", tooltip="#2a2d33",
    )


def _palette(*, window: str, text: str, base: str, alternate: str, button: str, highlight: str,
             highlighted_text: str, disabled: str, link: str, placeholder: str,
             tooltip: str) -> QPalette:
    role = QPalette.ColorRole
    palette = QPalette()
    for r, colour in (
        (role.Window, window), (role.WindowText, text), (role.Base, base),
        (role.AlternateBase, alternate), (role.ToolTipBase, tooltip), (role.ToolTipText, text),
        (role.Text, text), (role.Button, button), (role.ButtonText, text),
        (role.BrightText, "#ff5555"), (role.Highlight, highlight),
        (role.HighlightedText, highlighted_text), (role.Link, link),
        (role.PlaceholderText, placeholder),
    ):
        palette.setColor(r, QColor(colour))
    palette.setColor(role.Light, QColor(button).lighter(150))
    palette.setColor(role.Midlight, QColor(button).lighter(115))
    palette.setColor(role.Mid, QColor(button).darker(130))
    palette.setColor(role.Dark, QColor(button).darker(180))
    palette.setColor(role.Shadow, QColor("#000000"))
    group = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group, r, QColor(disabled))
    return palette


def system_prefers_dark() -> bool:
    """Whether the desktop asks for a dark scheme (unknown counts as light)."""
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


class ThemeController(QObject):
    """Applies Fusion, the palette and the stylesheet; follows the system when asked to.

    `preference` is "system", "light" or "dark"; `dark_changed(bool)` fires when the
    effective scheme flips (for widgets that paint their own colours).
    """

    dark_changed = Signal(bool)

    def __init__(self, app: QApplication, preference: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self._preference = "system"
        self._dark: bool | None = None
        app.setStyle("Fusion")
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_changed)
        self.set_preference(preference)

    @property
    def preference(self) -> str:
        return self._preference

    @property
    def is_dark(self) -> bool:
        return bool(self._dark)

    def set_preference(self, preference: str) -> None:
        if preference not in {choice for choice, _label in THEME_CHOICES}:
            raise ValueError(f"unknown theme {preference!r}")
        self._preference = preference
        self._apply()

    def _on_system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._preference == "system":
            self._apply()

    def _apply(self) -> None:
        if self._preference == "system":
            dark = system_prefers_dark()
        else:
            dark = self._preference == "dark"
        if dark == self._dark:
            return
        self._dark = dark
        self._app.setPalette(dark_palette() if dark else light_palette())
        # palette() references in a stylesheet resolve when it is set: set it again.
        self._app.setStyleSheet(_STYLESHEET.replace("@sidebar", SIDEBAR_DARK if dark
                                                     else SIDEBAR_LIGHT))
        log.debug("Theme: %s (%s)", "dark" if dark else "light", self._preference)
        self.dark_changed.emit(dark)
