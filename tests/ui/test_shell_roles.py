"""Screens, their shortcuts and their F1 entries follow the signed-in user's roles."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from studio.app import screen_entries
from studio.core.paths import app_paths
from studio.core.settings import Settings
from studio.ui.actions import ActionRegistry, ActionSpec
from studio.ui.main_window import MainWindow, ScreenEntry
from studio.ui.placeholder_screen import placeholder_factory
from studio.ui.settings_screen import SettingsScreen
from studio.ui.shortcuts_dialog import ShortcutsDialog


class RoleScreen(QWidget):
    """A screen with one action of its own, counting how often it was built."""

    built: ClassVar[list[str]] = []

    def __init__(self, ctx: Any, actions: ActionRegistry, parent: QWidget | None,
                 nav_id: str) -> None:
        super().__init__(parent)
        RoleScreen.built.append(nav_id)
        self.action = actions.register(
            ActionSpec(f"{nav_id}.refresh", f"Refresh {nav_id}", "Ctrl+R", "Reload"),
            lambda: None, owner=self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)


def screen(nav_id: str):
    return lambda ctx, actions, parent: RoleScreen(ctx, actions, parent, nav_id)


class Ctx:
    def __init__(self, *roles: str) -> None:
        self.roles = frozenset(roles)


@pytest.fixture
def window(qtbot) -> MainWindow:
    RoleScreen.built = []
    entries = [
        ScreenEntry("dashboard", "Dashboard", placeholder_factory("dashboard", "Dashboard", "")),
        ScreenEntry("live", "Live", placeholder_factory("live", "Live", "")),
        ScreenEntry("catalog", "Catalog", screen("catalog")),
        ScreenEntry("shows", "Shows", screen("shows"), roles=frozenset({"host"})),
        ScreenEntry("lineup_preview", "Lineup preview", screen("lineup_preview"),
                    roles=frozenset({"wholesaler"})),
        ScreenEntry("settings", "Settings", widget=QWidget()),
    ]
    win = MainWindow(entries, ActionRegistry())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    return win


def f1_rows(qtbot, window: MainWindow) -> dict[str, str]:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    [dialog] = [d for d in window.findChildren(ShortcutsDialog) if d.isVisible()]
    rows = {command: keys for command, keys, _tip in dialog.rows()}
    dialog.close()
    return rows


def test_a_wholesaler_has_no_shows_screen_shortcut_or_f1_entry(qtbot, window) -> None:
    window.install_screens(Ctx("wholesaler"))
    assert not window.is_nav_visible("shows") and window.is_nav_visible("lineup_preview")
    assert window.screen("shows") is None and "shows" not in RoleScreen.built
    window.navigate("catalog")
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.current_nav_id == "catalog"  # Ctrl+4 (Shows) does nothing
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.current_nav_id == "lineup_preview"
    rows = f1_rows(qtbot, window)
    assert rows["Go to Lineup preview"] == "Ctrl+5"
    assert "Go to Shows" not in rows and "Refresh shows" not in rows
    assert rows["Refresh lineup_preview"] == "Ctrl+R"


def test_a_host_has_no_lineup_preview_and_a_switch_of_user_follows(qtbot, window) -> None:
    window.install_screens(Ctx("host"))
    rows = f1_rows(qtbot, window)
    assert "Go to Lineup preview" not in rows and "Refresh lineup_preview" not in rows
    assert rows["Go to Shows"] == "Ctrl+4"
    window.navigate("catalog")
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.current_nav_id == "catalog"
    window.install_screens(Ctx("wholesaler"))  # switched user
    assert "Go to Shows" not in f1_rows(qtbot, window)
    window.install_screens(Ctx("host", "wholesaler"))
    rows = f1_rows(qtbot, window)
    assert rows["Go to Shows"] == "Ctrl+4" and rows["Go to Lineup preview"] == "Ctrl+5"


def test_signed_out_lists_only_what_works_without_a_role(qtbot, window) -> None:
    window.set_roles(frozenset())
    rows = f1_rows(qtbot, window)
    assert "Go to Shows" not in rows and "Go to Lineup preview" not in rows
    assert rows["Go to Settings"] == "Ctrl+6" and rows["Sync now"] == "F5"


def test_the_app_gives_shows_to_hosts_and_the_preview_to_wholesalers(qtbot) -> None:
    settings_screen = SettingsScreen(None, settings=Settings(), paths=app_paths(),
                                     on_apply=None, on_sign_out=None, on_theme=lambda _t: None)
    qtbot.addWidget(settings_screen)
    roles = {entry.nav_id: entry.roles for entry in screen_entries(settings_screen)}
    assert roles["shows"] == frozenset({"host"})
    assert roles["lineup_preview"] == frozenset({"wholesaler"})
    assert roles["catalog"] == roles["settings"] == frozenset()
