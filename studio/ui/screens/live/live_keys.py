"""The control room's keyboard commands (registered in the ActionRegistry, so F1 lists them),
and the guard that keeps them quiet while the host types in a text field."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from studio.ui.actions import ActionRegistry, ActionSpec

# (spec, extra keys); the first key is the one the spec names.
LIVE_KEYS: tuple[tuple[ActionSpec, tuple[str, ...]], ...] = (
    (ActionSpec("live.select_next", "Select next product", "J",
                "Move the lineup selection down (also Down)"), ("Down",)),
    (ActionSpec("live.select_previous", "Select previous product", "K",
                "Move the lineup selection up (also Up)"), ("Up",)),
    (ActionSpec("live.feature", "Feature selected product", "F",
                "Put the selected product on screen (also Enter)"), ("Return", "Enter")),
    (ActionSpec("live.next", "Feature next product", "N",
                "Feature the product after the featured one"), ()),
    (ActionSpec("live.previous", "Feature previous product", "P",
                "Feature the product before the featured one"), ()),
    (ActionSpec("live.flash_start", "Start flash sale", "S",
                "Start a flash sale on the selected product with the panel's price and "
                "duration"), ()),
    (ActionSpec("live.flash_cancel", "Cancel flash sale", "X",
                "End the running flash sale now"), ()),
    (ActionSpec("live.end_show", "End show…", "Ctrl+E", "End the show (asks first)"), ()),
)


def is_text_field(widget: QWidget | None) -> bool:
    """Whether keys typed now belong to a field (line edits, spin boxes, editors, and combo
    boxes, whose arrows and letters choose an entry)."""
    return isinstance(widget, QLineEdit | QAbstractSpinBox | QTextEdit | QPlainTextEdit
                      | QComboBox)


class LiveKeys:
    """Registers LIVE_KEYS on `owner` (its own shortcuts, WidgetWithChildrenShortcut) and
    disables them while a text field inside `owner` has the focus, so the keys reach it."""

    def __init__(self, actions: ActionRegistry, owner: QWidget,
                 handlers: Mapping[str, Callable[[], object]]) -> None:
        self.owner = owner
        self.actions: dict[str, QAction] = {}
        here = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for spec, extra in LIVE_KEYS:
            action = actions.register(spec, handlers[spec.action_id], owner=owner, context=here)
            action.setShortcuts([QKeySequence(k) for k in (str(spec.shortcut), *extra)])
            self.actions[spec.action_id] = action
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.typing = False

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not shiboken6.isValid(self.owner):
            self.disconnect()
            return
        typing = is_text_field(new) and self.owner.isAncestorOf(new)
        if typing == self.typing:
            return
        self.typing = typing
        for action in self.actions.values():
            action.setEnabled(not typing)

    def disconnect(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            with contextlib.suppress(RuntimeError, TypeError):
                app.focusChanged.disconnect(self._focus_changed)
