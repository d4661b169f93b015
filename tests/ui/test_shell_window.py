"""The main window: navigation by click and shortcut, roles, workspace states, geometry, actions."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from studio.app import screen_entries
from studio.core.paths import app_paths
from studio.core.settings import Settings
from studio.ui.actions import ActionRegistry, ActionSpec
from studio.ui.main_window import MainWindow, ScreenEntry, lazy_screen
from studio.ui.placeholder_screen import PlaceholderScreen, placeholder_factory
from studio.ui.settings_screen import SettingsScreen
from studio.ui.shortcuts_dialog import ShortcutsDialog

NAV_ORDER = ["dashboard", "live", "catalog", "shows", "lineup_preview", "settings"]


class FakeScreen(QWidget):
    """Stands in for a real screen: counts activations, has a search box and one action."""

    def __init__(self, ctx: Any, actions: ActionRegistry, parent: QWidget | None = None,
                 nav_id: str = "fake") -> None:
        super().__init__(parent)
        self.nav_id, self.ctx, self.activations = nav_id, ctx, 0
        self.search = QLineEdit()
        QVBoxLayout(self).addWidget(self.search)
        self.action = actions.register(
            ActionSpec(f"{nav_id}.refresh", f"Refresh {nav_id}", "Ctrl+R", "Reload"),
            lambda: None, owner=self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def activate(self) -> None:
        self.activations += 1

    def focus_search(self) -> None:
        self.search.setFocus()


def fake(nav_id: str):
    return lambda ctx, actions, parent: FakeScreen(ctx, actions, parent, nav_id)


class Ctx:
    def __init__(self, roles: set[str]) -> None:
        self.roles = frozenset(roles)


@pytest.fixture
def window(qtbot) -> MainWindow:
    settings_page = QWidget()
    entries = [
        ScreenEntry("dashboard", "Dashboard",
                    placeholder_factory("dashboard", "Dashboard", "Soon")),
        ScreenEntry("live", "Live", placeholder_factory("live", "Live", "Soon")),
        ScreenEntry("catalog", "Catalog", fake("catalog")),
        ScreenEntry("shows", "Shows", fake("shows")),
        ScreenEntry("lineup_preview", "Lineup preview", fake("lineup_preview"),
                    roles=frozenset({"wholesaler"})),
        ScreenEntry("settings", "Settings", widget=settings_page),
    ]
    win = MainWindow(entries, ActionRegistry())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    return win


def test_before_the_workspace_opens_pages_wait_and_settings_works(window: MainWindow) -> None:
    assert window.current_nav_id == "dashboard"
    assert window.screen("catalog") is None
    window.show_opening("Opening the local workspace…")
    state = window.findChild(QWidget, "state_catalog")
    assert state.title_label.text() == "Opening your workspace…"
    assert not state.busy_bar.isHidden()
    assert window.status.progress_text == "Opening the local workspace…"
    assert window.status.activity_label.isVisibleTo(window)
    assert window.navigate("settings")
    assert window.stack.currentWidget().currentWidget() is window.screen("settings")
    assert not window.is_nav_visible("lineup_preview")  # roles unknown yet


def test_navigation_by_click_and_shortcut(qtbot, window: MainWindow) -> None:
    window.install_screens(Ctx({"host"}))
    changes: list[str] = []
    window.screen_changed.connect(changes.append)
    catalog = window.screen("catalog")
    shows = window.screen("shows")
    assert isinstance(catalog, FakeScreen) and isinstance(shows, FakeScreen)

    row = NAV_ORDER.index("shows")
    rect = window.nav.visualItemRect(window.nav.item(row))
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_nav_id == "shows"
    assert window.stack.currentIndex() == row
    assert shows.activations == 1
    assert window.windowTitle() == "Shows — ShopStream Studio"

    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_nav_id == "catalog"
    assert catalog.activations >= 1
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.current_nav_id == "settings"
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_nav_id == "dashboard"
    assert isinstance(window.screen("dashboard"), PlaceholderScreen)
    # Ctrl+5 is the wholesaler-only screen: hidden for a host, so nothing happens.
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.current_nav_id == "dashboard"
    assert changes == ["shows", "catalog", "settings", "dashboard"]


def test_ctrl_k_opens_the_catalog_and_focuses_its_search(qtbot, window: MainWindow) -> None:
    window.install_screens(Ctx({"host"}))
    window.navigate("settings")
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.current_nav_id == "catalog"
    qtbot.waitUntil(lambda: window.screen("catalog").search.hasFocus())


def test_wholesaler_only_item_follows_roles(window: MainWindow) -> None:
    window.install_screens(Ctx({"wholesaler"}))
    assert window.is_nav_visible("lineup_preview")
    assert window.navigate("lineup_preview")
    assert window.current_nav_id == "lineup_preview"

    window.install_screens(Ctx({"host"}))  # e.g. switched user
    assert not window.is_nav_visible("lineup_preview")
    assert window.current_nav_id == "catalog"  # left the screen that disappeared
    assert window.navigate("lineup_preview") is False
    assert window.navigate("nowhere") is False


def test_reinstalling_screens_replaces_them_and_their_actions(window: MainWindow) -> None:
    window.install_screens(Ctx({"host"}))
    first = window.screen("catalog")
    window.install_screens(Ctx({"host"}))  # same action ids register again without error
    second = window.screen("catalog")
    assert second is not first
    assert window.actions_registry.action("catalog.refresh") is second.action
    assert window.stack.currentWidget() is not None
    assert window.findChild(QWidget, "slot_catalog").currentWidget() is second


def test_error_banner_then_retry_signal(qtbot, window: MainWindow) -> None:
    window.install_screens(Ctx({"host"}))
    window.show_workspace_error("Could not open the local workspace: disk full.")
    assert window.banner.isVisible()
    assert window.banner.message_label.text() == "Could not open the local workspace: disk full."
    assert window.screen("catalog") is None  # screens are down until it opens again
    assert window.status.badge.text() == "✕ No workspace"
    with qtbot.waitSignal(window.retry_requested, timeout=1000):
        qtbot.mouseClick(window.banner.retry_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.banner.settings_button, Qt.MouseButton.LeftButton)
    assert window.current_nav_id == "settings"


def test_a_screen_that_fails_to_build_says_so(window: MainWindow) -> None:
    def broken(ctx: Any, actions: ActionRegistry, parent: QWidget | None) -> QWidget:
        raise RuntimeError("no such table: products")

    window._entries["shows"] = ScreenEntry("shows", "Shows", broken)
    window.install_screens(Ctx({"host"}))
    state = window.findChild(QWidget, "state_shows")
    assert state.title_label.text() == "Shows could not open"
    assert "no such table: products" in state.text_label.text()
    assert isinstance(window.screen("catalog"), FakeScreen)  # the others still work


def test_lazy_screen_falls_back_when_the_module_is_missing(caplog) -> None:
    factory = lazy_screen("studio.ui.screens.no_such_screen", "NoSuchScreen",
                          placeholder_factory("x", "X", "Not in this build"))
    screen = factory(None, ActionRegistry(), None)
    assert isinstance(screen, PlaceholderScreen)
    assert "no_such_screen.NoSuchScreen is not available" in caplog.text
    screen.deleteLater()


def test_real_screens_are_used_when_they_exist(qtbot, qloop, fake_context) -> None:
    settings_screen = SettingsScreen(None, settings=Settings(), paths=app_paths(),
                                     on_apply=None, on_sign_out=None, on_theme=lambda _t: None)
    qtbot.addWidget(settings_screen)
    entries = {entry.nav_id: entry for entry in screen_entries(settings_screen)}
    assert list(entries) == NAV_ORDER
    assert entries["settings"].widget is settings_screen
    modules = {"catalog": ("catalog_screen", "CatalogScreen"),
               "shows": ("shows_screen", "ShowsScreen"),
               "lineup_preview": ("wholesaler_preview_screen", "WholesalerPreviewScreen")}
    ctx = fake_context(roles=frozenset({"host", "wholesaler"}),
                       profile_ids={"host": "h", "wholesaler": "w"})
    for nav_id, (module, class_name) in modules.items():
        screen = entries[nav_id].factory(ctx, ActionRegistry(), None)
        qtbot.addWidget(screen)
        name = f"studio.ui.screens.{module}"
        if importlib.util.find_spec(name) is not None:
            assert type(screen).__name__ == class_name
            assert screen.nav_id == nav_id
        else:
            assert isinstance(screen, PlaceholderScreen)


def test_shortcuts_dialog_lists_every_registered_action(qtbot, window: MainWindow) -> None:
    window.install_screens(Ctx({"host"}))
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    registry = window.actions_registry
    assert dialog.action_ids() == sorted(
        (s.action_id for s in registry.specs()), key=lambda a: registry.action(a).text())
    rows = {command: keys for command, keys, _tip in dialog.rows()}
    assert rows["Go to Catalog"] == "Ctrl+3"
    assert rows["Keyboard shortcuts"] == "F1 or Ctrl+/"
    assert rows["Sync now"] == "F5"
    assert rows["Quit"] == "Ctrl+Q"
    assert rows["Search the catalog"] == "Ctrl+K"
    assert rows["Refresh catalog"] == "Ctrl+R"  # screens' own actions are listed too
    dialog.filter_edit.setText("sync")
    assert [row[0] for row in dialog.rows()] == ["Sync now"]
    dialog.filter_edit.setText("zzz")
    assert dialog.rows() == [] and dialog.empty_label.isVisibleTo(dialog)
    dialog.close()


def test_f5_and_ctrl_q_emit_their_requests(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.sync_now_requested, timeout=1000):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    with qtbot.waitSignal(window.quit_requested, timeout=1000):
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)


def test_close_guard_defers_closing(qtbot, window: MainWindow) -> None:
    asked: list[bool] = []
    window.set_close_guard(lambda: asked.append(True))
    window.close()
    assert asked == [True] and window.isVisible()
    window.close_now()
    assert not window.isVisible()


def test_geometry_restored_across_two_windows(qtbot) -> None:
    first = MainWindow([ScreenEntry("settings", "Settings", widget=QWidget())], ActionRegistry())
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.setGeometry(40, 60, 700, 520)  # inside the 800x800 offscreen screen
    qtbot.waitUntil(lambda: first.size().width() == 700)
    geometry, state = first.saved_window()
    assert geometry and state

    second = MainWindow([ScreenEntry("settings", "Settings", widget=QWidget())], ActionRegistry())
    qtbot.addWidget(second)
    assert second.restore_window(geometry, state)
    second.show()
    qtbot.waitExposed(second)
    assert second.size() == first.size()
    assert second.pos() == first.pos() != QPoint(0, 0)


def test_unusable_geometry_keeps_defaults(qtbot) -> None:
    win = MainWindow([ScreenEntry("settings", "Settings", widget=QWidget())], ActionRegistry())
    qtbot.addWidget(win)
    assert win.restore_window("bm90IGEgZ2VvbWV0cnk=", "") is False
    assert win.width() > 400 and win.height() > 300
