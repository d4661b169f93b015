"""The main window: a navigation sidebar hosting the screens, a problem banner, the status bar.

Screens are their own modules; the window only hosts them. Each `ScreenEntry` says how to
build one from a ScreenContext (when a workspace is open) or gives a ready widget that works
without one (Settings). Until a workspace opens, or when it failed to, each page shows a calm
empty state saying why.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.ui.actions import ActionRegistry, ActionSpec
from studio.ui.conflicts_dialog import ConflictIndicator
from studio.ui.placeholder_screen import EmptyState, WorkspaceBanner
from studio.ui.shortcuts_dialog import ShortcutsDialog
from studio.ui.status_bar import SyncStatusBar

if TYPE_CHECKING:  # the context pulls in the cache; keep it off the start-up path
    from studio.ui.context import ScreenContext

log = logging.getLogger(__name__)

APP_TITLE = "ShopStream Studio"
ScreenFactory = Callable[["ScreenContext", ActionRegistry, QWidget | None], QWidget]


@dataclass(frozen=True)
class ScreenEntry:
    """One sidebar item. `factory(ctx, actions, parent)` builds the screen once a workspace is
    open; `widget` is a page that needs no workspace. `roles`: shown only to users holding one
    of them (empty: everyone)."""

    nav_id: str
    title: str
    factory: ScreenFactory | None = None
    widget: QWidget | None = None
    roles: frozenset[str] = frozenset()
    symbol: str = ""


def lazy_screen(module: str, class_name: str, fallback: ScreenFactory) -> ScreenFactory:
    """A factory importing `module.class_name` when first needed; `fallback` if that fails."""

    def build(ctx: ScreenContext, actions: ActionRegistry, parent: QWidget | None) -> QWidget:
        try:
            screen_class: Any = getattr(importlib.import_module(module), class_name)
        except Exception:
            log.warning("%s.%s is not available; showing a placeholder", module, class_name,
                        exc_info=True)
            return fallback(ctx, actions, parent)
        return screen_class(ctx, actions, parent)

    return build


class MainWindow(QMainWindow):
    """Hosts the screens of `entries` (sidebar order = Ctrl+1, Ctrl+2, …)."""

    retry_requested = Signal()
    sync_now_requested = Signal()
    quit_requested = Signal()
    screen_changed = Signal(str)
    first_exposed = Signal()

    def __init__(self, entries: list[ScreenEntry], actions: ActionRegistry,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_TITLE)
        self.actions_registry = actions
        self._entries = {entry.nav_id: entry for entry in entries}
        self._order = [entry.nav_id for entry in entries]
        self._slots: dict[str, QStackedWidget] = {}
        self._states: dict[str, EmptyState] = {}
        self._screens: dict[str, QWidget] = {}
        self._roles: frozenset[str] = frozenset()
        self._close_guard: Callable[[], None] | None = None
        self._exposed = False

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Navigation")
        self.nav.setFixedWidth(210)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.banner = WorkspaceBanner()
        self.banner.retry_button.clicked.connect(self.retry_requested)
        self.banner.settings_button.clicked.connect(lambda: self.navigate("settings"))
        self.stack = QStackedWidget()
        self.stack.setObjectName("screens")
        for position, entry in enumerate(entries, start=1):
            self._add_page(entry, position)
        self.nav.currentRowChanged.connect(self._on_row_changed)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(12, 10, 12, 6)
        content_layout.addWidget(self.banner)
        content_layout.addWidget(self.stack, 1)
        sidebar = QWidget()
        sidebar.setObjectName("sidebar")
        sidebar.setFixedWidth(self.nav.width())
        brand = QLabel(APP_TITLE)
        brand.setObjectName("brand")
        sidebar_layout = QVBoxLayout(sidebar)
        sidebar_layout.setContentsMargins(0, 0, 0, 0)
        sidebar_layout.setSpacing(0)
        sidebar_layout.addWidget(brand)
        sidebar_layout.addWidget(self.nav, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(sidebar)
        layout.addWidget(content, 1)
        self.setCentralWidget(central)
        self.status = SyncStatusBar()
        self.setStatusBar(self.status)
        self.conflicts = ConflictIndicator()  # shown while edits lost to another device
        self.status.addPermanentWidget(self.conflicts)
        self._register_actions(entries)
        self.set_roles(frozenset())  # role-bound screens appear once roles are known
        self.resize(1280, 800)
        if entries:
            self.navigate(entries[0].nav_id)

    # ----------------------------------------------------------------- building

    def _add_page(self, entry: ScreenEntry, position: int) -> None:
        item = QListWidgetItem(f"{entry.symbol}   {entry.title}" if entry.symbol else entry.title)
        item.setData(Qt.ItemDataRole.UserRole, entry.nav_id)
        if position <= 9:
            item.setToolTip(f"{entry.title} (Ctrl+{position})")
        self.nav.addItem(item)
        slot = QStackedWidget()
        slot.setObjectName(f"slot_{entry.nav_id}")
        if entry.widget is not None:
            slot.addWidget(entry.widget)
        else:
            state = EmptyState("Opening your workspace…", busy=True, symbol="◌")
            state.setObjectName(f"state_{entry.nav_id}")
            self._states[entry.nav_id] = state
            slot.addWidget(state)
        self._slots[entry.nav_id] = slot
        self.stack.addWidget(slot)
        item.setHidden(bool(entry.roles))  # role-bound items appear once roles are known

    def _register_actions(self, entries: list[ScreenEntry]) -> None:
        register = self.actions_registry.register
        for position, entry in enumerate(entries[:9], start=1):
            register(ActionSpec(f"nav.{entry.nav_id}", f"Go to {entry.title}", f"Ctrl+{position}",
                                f"Show the {entry.title} screen"),
                     lambda nav_id=entry.nav_id: self.navigate(nav_id), owner=self)
        register(ActionSpec("app.search_catalog", "Search the catalog", "Ctrl+K",
                            "Open the catalog and put the cursor in its search box"),
                 self.focus_catalog_search, owner=self)
        shortcuts = register(ActionSpec("app.shortcuts", "Keyboard shortcuts", "F1",
                                        "List every command and its keys"),
                             self.show_shortcuts, owner=self)
        shortcuts.setShortcuts([QKeySequence("F1"), QKeySequence("Ctrl+/")])
        register(ActionSpec("sync.now", "Sync now", "F5",
                            "Send waiting changes and fetch the latest data now"),
                 self.sync_now_requested.emit, owner=self)
        register(ActionSpec("app.quit", "Quit", "Ctrl+Q", "Close the studio"),
                 self.quit_requested.emit, owner=self)

    # ----------------------------------------------------------------- navigation

    def navigate(self, nav_id: str) -> bool:
        """Show the screen `nav_id`; False (nothing changes) if unknown or hidden for the role."""
        if nav_id not in self._entries:
            return False
        row = self._order.index(nav_id)
        if self.nav.item(row).isHidden():
            return False
        if self.nav.currentRow() == row:
            self._show_row(row)
        else:
            self.nav.setCurrentRow(row)
        return True

    def _on_row_changed(self, row: int) -> None:
        if row >= 0:
            self._show_row(row)

    def _show_row(self, row: int) -> None:
        nav_id = self._order[row]
        self.stack.setCurrentIndex(row)
        self.setWindowTitle(f"{self._entries[nav_id].title} — {APP_TITLE}")
        page = self.screen(nav_id)
        if page is not None and callable(getattr(page, "activate", None)):
            try:
                page.activate()
            except Exception:
                log.exception("Screen %s failed to activate", nav_id)
        self.screen_changed.emit(nav_id)

    @property
    def current_nav_id(self) -> str:
        row = self.nav.currentRow()
        return self._order[row] if row >= 0 else ""

    def is_nav_visible(self, nav_id: str) -> bool:
        return not self.nav.item(self._order.index(nav_id)).isHidden()

    def screen(self, nav_id: str) -> QWidget | None:
        """The installed screen (or the ready page) for `nav_id`, None while a state shows."""
        if nav_id in self._screens:
            return self._screens[nav_id]
        entry = self._entries.get(nav_id)
        return entry.widget if entry is not None else None

    def focus_catalog_search(self) -> None:
        self.navigate("catalog")
        focus = getattr(self._screens.get("catalog"), "focus_search", None)
        if callable(focus):
            focus()

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self.actions_registry, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # ----------------------------------------------------------------- workspace states

    def set_roles(self, roles: frozenset[str]) -> None:
        """Show the items the signed-in user's roles allow (their Ctrl+N and F1 entries too);
        leave a screen that became hidden."""
        self._roles = frozenset(roles)
        for row, nav_id in enumerate(self._order):
            allowed = self._allowed(nav_id)
            self.nav.item(row).setHidden(not allowed)
            if row < 9:
                self.actions_registry.set_available(f"nav.{nav_id}", allowed)
        current = self.current_nav_id
        if current and not self.is_nav_visible(current):
            self.navigate(self.default_screen())

    def _allowed(self, nav_id: str) -> bool:
        needed = self._entries[nav_id].roles
        return not needed or bool(needed & self._roles)

    def default_screen(self) -> str:
        for nav_id in ("catalog", *self._order):
            if nav_id in self._entries and self.is_nav_visible(nav_id):
                return nav_id
        return ""

    def show_opening(self, text: str) -> None:
        """The workspace is opening: pages say so, the status bar shows a busy bar."""
        self.banner.hide()
        self._set_states("Opening your workspace…", text, busy=True, symbol="◌")
        self.status.show_busy(text)

    def show_workspace_error(self, message: str) -> None:
        """Opening failed: the reason in the banner with Retry; pages explain, Settings works."""
        self.remove_screens()
        self.banner.show_message(message)
        self._set_states("Not available right now",
                         "The workspace did not open. Retry, or check Settings.",
                         busy=False, symbol="⚠")
        self.status.hide_progress()
        self.status.set_state("closed", 0, message)

    def show_signed_out(self, text: str) -> None:
        """A Supabase project without a signed-in user: pages point to Settings."""
        self.remove_screens()
        self.banner.hide()
        self._set_states("Sign in to continue", text, busy=False, symbol="○",
                         button=("Sign in…", lambda: self.navigate("settings")))
        self.status.hide_progress()

    def _set_states(self, title: str, text: str, *, busy: bool, symbol: str,
                    button: tuple[str, Callable[[], object]] | None = None) -> None:
        for nav_id, state in self._states.items():
            state.set_text(title, text, busy=busy)
            state.symbol_label.setText(symbol)
            state.symbol_label.setVisible(bool(symbol))
            state.set_button(*(button or ("", None)))
            if nav_id not in self._screens:
                self._slots[nav_id].setCurrentWidget(state)

    def install_screens(self, ctx: ScreenContext) -> None:
        """Build every workspace screen over `ctx` (replacing earlier ones) and show them."""
        self.remove_screens()
        self.banner.hide()
        self.status.hide_progress()
        self._roles = frozenset(ctx.roles)
        for nav_id in self._order:
            entry = self._entries[nav_id]
            if entry.factory is None or not self._allowed(nav_id):
                continue  # a screen the role cannot use is not built: none of its commands
            slot = self._slots[nav_id]
            try:
                screen = entry.factory(ctx, self.actions_registry, slot)
            except Exception as exc:
                log.exception("Screen %s could not be built", nav_id)
                self._states[nav_id].set_text(
                    f"{entry.title} could not open", f"{type(exc).__name__}: {exc}", busy=False)
                self._slots[nav_id].setCurrentWidget(self._states[nav_id])
                continue
            slot.addWidget(screen)
            slot.setCurrentWidget(screen)
            self._screens[nav_id] = screen
        self.set_roles(ctx.roles)
        current = self.current_nav_id
        if current:
            self._show_row(self._order.index(current))

    def remove_screens(self) -> None:
        """Take the workspace screens down (their actions go at once, the widgets later)."""
        for nav_id, screen in list(self._screens.items()):
            self.actions_registry.unregister_owned_by(screen)
            self._slots[nav_id].removeWidget(screen)
            self._slots[nav_id].setCurrentWidget(self._states[nav_id])
            screen.hide()
            screen.deleteLater()
        self._screens.clear()

    # ----------------------------------------------------------------- window state

    def restore_window(self, geometry: str, state: str) -> bool:
        """Restore base64 geometry/state from the settings; False (defaults kept) if unusable."""
        restored = False
        if geometry:
            restored = self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))
        if state:
            self.restoreState(QByteArray.fromBase64(state.encode("ascii")))
        if not restored:
            self._centre_on_screen()
        return restored

    def saved_window(self) -> tuple[str, str]:
        """(geometry, state) as base64 text for the settings."""
        geometry = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        state = bytes(self.saveState().toBase64().data()).decode("ascii")
        return geometry, state

    def _centre_on_screen(self) -> None:
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return
        available = screen.availableGeometry()
        self.resize(min(1280, int(available.width() * 0.9)),
                    min(800, int(available.height() * 0.9)))
        frame = self.frameGeometry()
        frame.moveCenter(available.center())
        self.move(frame.topLeft())

    def set_close_guard(self, guard: Callable[[], None] | None) -> None:
        """While set, closing the window calls `guard` instead (which shuts down, then calls
        `close_now`)."""
        self._close_guard = guard

    def close_now(self) -> None:
        self._close_guard = None
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._close_guard is not None:
            event.ignore()
            self._close_guard()
            return
        super().closeEvent(event)

    def showEvent(self, event: QEvent) -> None:
        super().showEvent(event)
        handle = self.windowHandle()
        if handle is not None and not self._exposed:
            handle.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose and not self._exposed:
            handle = self.windowHandle()
            if handle is not None and handle.isExposed():
                self._exposed = True
                handle.removeEventFilter(self)
                # After this event the first frame is painted; report then.
                QTimer.singleShot(0, self.first_exposed.emit)
        return super().eventFilter(watched, event)
