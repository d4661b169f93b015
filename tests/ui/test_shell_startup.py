"""The composed studio with a fake workspace: first run, failure + Retry, switching user, Supabase,
sync signals reaching the status bar, and a clean shutdown that saves the window."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from studio.app import Studio, close_on_signals
from studio.core.paths import app_paths
from studio.core.settings import Settings, WindowSettings, WorkspaceSettings, load_settings
from studio.server.demo_accounts import DEMO_HOST, DEMO_PASSWORD, DEMO_WHOLESALER
from studio.ui.settings_screen import WorkspaceRequest
from studio.ui.workspace_controller import failure_text

URL = "https://abcdefgh.supabase.co"
KEY = "sb_publishable_test"


@dataclass
class Status:
    state: str
    pending_ops: int
    detail: str = ""
    last_synced_at: Any = None


class FakeEngine:
    def __init__(self) -> None:
        self.listeners: list[Any] = []
        self.status = Status("syncing", 0)
        self.sync_requests = 0

    def add_listener(self, listener: Any) -> None:
        self.listeners.append(listener)

    def remove_listener(self, listener: Any) -> None:
        self.listeners.remove(listener)

    def sync_now(self) -> None:
        self.sync_requests += 1


class FakeWorkspace:
    """The Workspace seam over a real cache (from fake_context); users are the demo accounts."""

    USERS: ClassVar[dict[str, tuple[Any, str]]] = {
        DEMO_HOST.email: (DEMO_HOST, "host"),
        DEMO_WHOLESALER.email: (DEMO_WHOLESALER, "wholesaler"),
    }

    def __init__(self, ctx: Any, email: str | None = DEMO_HOST.email) -> None:
        self.reader, self.submit = ctx.reader, ctx.submit
        self.engine = FakeEngine()
        self.backend = SimpleNamespace(current_user=None)
        self.closed = False
        self.sign_ins: list[str] = []
        self._become(email)

    def _become(self, email: str | None) -> None:
        self.email = email
        if email is None:
            self.user_id, self.roles, self.profile_ids = None, frozenset(), {}
            self.backend.current_user = None
            return
        account, role = self.USERS[email]
        self.user_id, self.roles = account.user_id, frozenset({role})
        self.profile_ids = {role: account.profile_id}
        self.backend.current_user = SimpleNamespace(id=account.user_id, email=email)

    async def submit_batch(self, ops: list[Any]) -> list[str]:
        return [await self.submit(op) for op in ops]

    async def sign_in(self, email: str, password: str) -> None:
        await asyncio.sleep(0)
        if email not in self.USERS or password != DEMO_PASSWORD:
            raise RuntimeError("Invalid login credentials")
        self.sign_ins.append(email)
        self._become(email)

    async def sign_out(self) -> None:
        self._become(None)

    async def close(self) -> None:
        await asyncio.sleep(0)
        self.closed = True


class FakeOpener:
    """Returns (or raises) the prepared outcomes in order and records every call."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple] = []

    async def _next(self) -> Any:
        await asyncio.sleep(0.01)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def open_local(self, data_dir: Path, *, email=None, password=None, on_progress=None):
        self.calls.append(("local", data_dir, email, password))
        if on_progress is not None:
            on_progress("Starting the local server…")
        return await self._next()

    async def open_supabase(self, data_dir: Path, url: str, anon_key: str, *,
                            session_store=None):
        self.calls.append(("supabase", data_dir, url, anon_key))
        return await self._next()


async def _project_answers(url: str, key: str) -> None:
    """Stands in for the check Settings makes before switching to a Supabase project."""


@pytest.fixture
def make_studio(qtbot, qloop, qapp: QApplication):
    made: list[Studio] = []
    palette, sheet = qapp.palette(), qapp.styleSheet()

    def make(opener: FakeOpener, settings: Settings | None = None) -> Studio:
        studio = Studio(qapp, app_paths(), settings or Settings(), opener=opener)
        studio.settings_screen.project_check = _project_answers  # no network in these tests
        qtbot.addWidget(studio.window)
        studio.window.show()
        qtbot.waitExposed(studio.window)
        made.append(studio)
        return studio

    yield make
    for studio in made:
        studio.window.set_close_guard(None)
        studio.theme.deleteLater()
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


def test_first_run_opens_the_local_workspace_without_questions(
        make_studio, run, wait_until, fake_context, shopstream_home: Path) -> None:
    workspace = FakeWorkspace(fake_context())
    opener = FakeOpener(workspace)
    studio = make_studio(opener)
    window = studio.window
    task = studio.controller.open_in_background()
    assert window.status.progress_text == "Opening the local workspace…"  # busy at once
    wait_until(lambda: window.status.progress_text == "Starting the local server…")
    run(task)
    assert opener.calls == [("local", shopstream_home / "data", None, None)]
    assert not window.banner.isVisible()
    assert type(window.screen("catalog")).__name__ == "CatalogScreen"
    assert window.current_nav_id == "catalog"
    assert window.status.identity_label.text() == (
        f"Local workspace — {DEMO_HOST.email} (host)")
    assert window.status.badge.text() == "⟳ Syncing…"  # the engine's state at open
    assert not window.is_nav_visible("lineup_preview")
    assert workspace.engine.listeners == [studio.controller.bridge]
    saved = load_settings(app_paths().settings_file)
    assert saved.workspace == WorkspaceSettings("local", local_email=DEMO_HOST.email)


def test_failure_shows_a_banner_and_retry_opens(qtbot, make_studio, run, wait_until,
                                                fake_context) -> None:
    workspace = FakeWorkspace(fake_context())
    opener = FakeOpener(OSError("could not start the local server: port in use"), workspace)
    studio = make_studio(opener)
    window = studio.window
    run(studio.controller.open_in_background())
    assert window.banner.isVisible()
    assert window.banner.message_label.text() == (
        "Could not open the local workspace: could not start the local server: port in use. "
        "The log has the details (Settings › Data and logs).")
    assert window.screen("catalog") is None
    state = window.findChild(QWidget, "state_catalog")
    assert state.title_label.text() == "Not available right now"

    qtbot.mouseClick(window.banner.retry_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: window.screen("catalog") is not None)
    assert not window.banner.isVisible()
    assert len(opener.calls) == 2
    assert window.screen("catalog").isEnabled()


def test_switching_user_in_settings_signs_in_on_the_open_workspace(
        qtbot, make_studio, run, wait_until, fake_context) -> None:
    workspace = FakeWorkspace(fake_context())
    studio = make_studio(FakeOpener(workspace))
    window, page = studio.window, studio.settings_screen
    run(studio.controller.open_in_background())
    first_catalog = window.screen("catalog")
    window.navigate("settings")

    qtbot.mouseClick(page.demo_buttons["Demo wholesaler"], Qt.MouseButton.LeftButton)
    run(page._task)
    assert workspace.sign_ins == [DEMO_WHOLESALER.email]
    assert window.is_nav_visible("lineup_preview")
    assert window.screen("catalog") is not first_catalog  # rebuilt for the new user
    assert window.status.identity_label.text() == (
        f"Local workspace — {DEMO_WHOLESALER.email} (wholesaler)")
    assert "signed in as wholesaler@" in page.identity_label.text()
    assert load_settings(app_paths().settings_file).workspace.local_email == DEMO_WHOLESALER.email

    # A wrong password keeps the current workspace and says why at the form.
    page.email_edit.setText(DEMO_HOST.email)
    page.password_edit.setText("wrong")
    run(page.sign_in())
    assert page.account_result.label.text().startswith(
        f"Could not sign in as {DEMO_HOST.email}: Invalid login credentials.")
    assert window.status.identity_label.text().endswith("(wholesaler)")
    assert not workspace.closed


def test_supabase_project_signed_out_then_signed_in(qtbot, make_studio, run,
                                                    fake_context) -> None:
    local = FakeWorkspace(fake_context())
    cloud = FakeWorkspace(fake_context(), email=None)
    opener = FakeOpener(local, cloud)
    studio = make_studio(opener)
    window, page = studio.window, studio.settings_screen
    run(studio.controller.open_in_background())

    page.supabase_radio.setChecked(True)
    page.url_edit.setText(URL)
    page.key_edit.setText(KEY)
    run(page.apply_workspace())
    assert opener.calls[-1] == ("supabase", app_paths().data_dir, URL, KEY)
    assert local.closed
    assert window.screen("catalog") is None
    state = window.findChild(QWidget, "state_catalog")
    assert state.title_label.text() == "Sign in to continue"
    assert state.button.text() == "Sign in…"
    assert window.status.identity_label.text() == "Supabase project — not signed in"
    assert window.status.badge.text() == "○ Signed out"
    assert cloud.engine.listeners == []  # nothing to hear from a signed-out engine
    saved = load_settings(app_paths().settings_file).workspace
    assert (saved.kind, saved.supabase_url, saved.supabase_anon_key) == ("supabase", URL, KEY)

    page.email_edit.setText(DEMO_HOST.email)
    page.password_edit.setText(DEMO_PASSWORD)
    run(page.sign_in())
    assert cloud.sign_ins == [DEMO_HOST.email]  # same project: no reopen
    assert window.screen("catalog") is not None
    assert len(opener.calls) == 2

    run(page.sign_out())
    assert window.screen("catalog") is None


def test_engine_news_reaches_the_status_bar(make_studio, run, wait_until, fake_context) -> None:
    workspace = FakeWorkspace(fake_context())
    studio = make_studio(FakeOpener(workspace))
    run(studio.controller.open_in_background())
    bar = studio.window.status
    (listener,) = workspace.engine.listeners
    listener.on_progress(SimpleNamespace(table="products", done=1200, total=5000))
    wait_until(lambda: bar.progress_bar.format() == "Syncing catalog 1,200 / 5,000")
    listener.on_status(Status("offline", 3, "network unreachable"))
    wait_until(lambda: bar.state == "offline")
    assert bar.badge.text() == "◐ Offline — changes queued"
    assert bar.pending_label.text() == "3 changes waiting"
    assert bar.progress_bar.isHidden()

    studio.window.actions_registry.action("sync.now").trigger()  # F5
    assert workspace.engine.sync_requests == 1


def test_close_shuts_down_cleanly_and_saves_the_window(make_studio, run, wait_until,
                                                       fake_context) -> None:
    workspace = FakeWorkspace(fake_context())
    studio = make_studio(FakeOpener(workspace))
    run(studio.controller.open_in_background())
    studio.window.navigate("shows")
    studio.window.close()  # the close guard turns this into a clean shutdown
    run(studio.finished.wait())
    assert workspace.closed
    assert not studio.window.isVisible()
    assert workspace.engine.listeners == []
    saved = load_settings(app_paths().settings_file)
    assert saved.window.last_screen == "shows"
    assert saved.window.geometry and saved.window.state


def test_closing_while_opening_waits_then_closes_what_opened(make_studio, run,
                                                             fake_context) -> None:
    workspace = FakeWorkspace(fake_context())
    studio = make_studio(FakeOpener(workspace))
    studio.controller.open_in_background()
    studio.window.actions_registry.action("app.quit").trigger()  # Ctrl+Q
    run(studio.finished.wait())
    assert workspace.closed
    assert studio.controller.workspace is None


def test_last_screen_is_restored_once_roles_are_known(make_studio, run, fake_context) -> None:
    workspace = FakeWorkspace(fake_context(), email=DEMO_WHOLESALER.email)
    settings = Settings(window=WindowSettings(last_screen="lineup_preview"))
    studio = make_studio(FakeOpener(workspace), settings)
    assert studio.window.current_nav_id == "dashboard"  # hidden until the roles are known
    run(studio.controller.open_in_background())
    assert studio.window.current_nav_id == "lineup_preview"


@pytest.mark.parametrize(
    ("request_", "error", "text"),
    [
        (WorkspaceRequest("local"),
         NotADirectoryError(20, "Not a directory", "/home/me/data/local-server"),
         "Could not open the local workspace: Not a directory: /home/me/data/local-server."),
        (WorkspaceRequest("supabase", URL, KEY), RuntimeError("could not reach the server\n  at"),
         "Could not open the Supabase project: could not reach the server."),
    ],
)
def test_failure_text_is_one_sentence(request_: WorkspaceRequest, error: Exception,
                                      text: str) -> None:
    assert failure_text(request_, error) == (
        f"{text} The log has the details (Settings › Data and logs).")


def test_sign_in_failure_text_is_the_reason() -> None:
    request = WorkspaceRequest("local", email="a@b.co", password="x")
    assert failure_text(request, ValueError()) == "Could not sign in as a@b.co: ValueError."
    assert failure_text(request, RuntimeError("Invalid login credentials")) == (
        "Could not sign in as a@b.co: Invalid login credentials.")


def test_sigterm_closes_cleanly(make_studio, run, fake_context) -> None:
    workspace = FakeWorkspace(fake_context())
    studio = make_studio(FakeOpener(workspace))
    run(studio.controller.open_in_background())
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        close_on_signals(studio)
        os.kill(os.getpid(), signal.SIGTERM)
        run(studio.finished.wait())
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert workspace.closed and not studio.window.isVisible()


def test_theme_choice_applies_and_is_saved(make_studio, run, fake_context) -> None:
    studio = make_studio(FakeOpener(FakeWorkspace(fake_context())))
    combo = studio.settings_screen.theme_combo
    combo.setCurrentIndex(combo.findData("dark"))
    assert studio.theme.is_dark
    assert load_settings(app_paths().settings_file).appearance.theme == "dark"


def test_new_project_with_a_wrong_password_stays_open_signed_out(make_studio, run,
                                                                 fake_context) -> None:
    local = FakeWorkspace(fake_context())
    cloud = FakeWorkspace(fake_context(), email=None)
    opener = FakeOpener(local, cloud)
    studio = make_studio(opener)
    window, page = studio.window, studio.settings_screen
    run(studio.controller.open_in_background())
    page.supabase_radio.setChecked(True)
    page.url_edit.setText(URL)
    page.key_edit.setText(KEY)
    page.email_edit.setText(DEMO_HOST.email)
    page.password_edit.setText("wrong")
    run(page.sign_in())  # open the project and sign in, in one go
    assert opener.calls[-1][0] == "supabase"
    assert page.account_result.label.text().startswith(
        f"Could not sign in as {DEMO_HOST.email}: Invalid login credentials.")
    assert studio.controller.workspace is cloud and not cloud.closed
    assert window.status.identity_label.text() == "Supabase project — not signed in"
    assert load_settings(app_paths().settings_file).workspace.kind == "supabase"
