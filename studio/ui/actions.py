"""The action registry: every command of the studio, with its shortcut, in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence


@dataclass(frozen=True)
class ActionSpec:
    """A command: stable id (e.g. "lineup.move_up"), label, default shortcut, help text."""

    action_id: str
    text: str
    shortcut: str | QKeySequence.StandardKey | None = None
    tip: str = ""


class ActionRegistry(QObject):
    """Creates QActions once, by id, so menus, toolbars and the shortcut list share them.

    Screens register their actions with `context=Qt.WidgetWithChildrenShortcut` on their own
    widget so the same key can mean different things on different screens.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._actions: dict[str, QAction] = {}
        self._specs: dict[str, ActionSpec] = {}

    def register(
        self,
        spec: ActionSpec,
        handler: Callable[[], object],
        *,
        owner: QObject,
        context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
    ) -> QAction:
        if spec.action_id in self._actions:
            raise ValueError(f"action {spec.action_id!r} is already registered")
        action = QAction(spec.text, owner)
        action.setObjectName(spec.action_id)
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        action.setShortcutContext(context)
        if spec.tip:
            action.setToolTip(spec.tip)
            action.setStatusTip(spec.tip)
        action.triggered.connect(lambda _checked=False: handler())
        if owner.isWidgetType():
            owner.addAction(action)  # type: ignore[attr-defined]
        self._actions[spec.action_id] = action
        self._specs[spec.action_id] = spec
        action.destroyed.connect(lambda *_: self._forget(spec.action_id, action))
        return action

    def _forget(self, action_id: str, action: QAction) -> None:
        # A deleted owner's action must not take a newer registration of the same id with it.
        if self._actions.get(action_id) is action:
            self._actions.pop(action_id, None)
            self._specs.pop(action_id, None)

    def unregister_owned_by(self, owner: QObject) -> list[str]:
        """Forget every action owned by `owner` or its children, now (before a deferred delete).

        A screen being replaced calls this so its successor can register the same ids.
        """
        gone = []
        for action_id, action in list(self._actions.items()):
            parent = action.parent()
            while parent is not None and parent is not owner:
                parent = parent.parent()
            if parent is owner:
                if owner.isWidgetType():
                    owner.removeAction(action)  # type: ignore[attr-defined]
                action.setEnabled(False)
                self._forget(action_id, action)
                gone.append(action_id)
        return gone

    def action(self, action_id: str) -> QAction:
        try:
            return self._actions[action_id]
        except KeyError:
            raise KeyError(f"no action {action_id!r}") from None

    def set_available(self, action_id: str, available: bool) -> None:
        """Offer a command or not (e.g. a screen the user's role cannot use): an unavailable
        command's keys do nothing and the shortcut overview leaves it out."""
        action = self.action(action_id)
        action.setVisible(available)  # Qt ignores the shortcuts of an invisible action
        action.setEnabled(available)

    def specs(self) -> list[ActionSpec]:
        """The commands offered now (registered and available), for the shortcut overview."""
        return sorted((spec for action_id, spec in self._specs.items()
                       if self._actions[action_id].isVisible()),
                      key=lambda s: s.action_id)
