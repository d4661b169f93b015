"""The Settings screen: field validation in words, what Apply / Sign in hand to the app, theme."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from studio.core.paths import app_paths
from studio.core.settings import Settings, WorkspaceSettings
from studio.server.demo_accounts import DEMO_PASSWORD, DEMO_WHOLESALER
from studio.sync.supabase.project_check import ProjectCheckFailed
from studio.ui.settings_screen import SettingsScreen, WorkspaceRequest


def jwt(payload: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


ANON_KEY = jwt({"iss": "supabase", "ref": "abcdefgh", "role": "anon"})
SERVICE_KEY = jwt({"iss": "supabase", "ref": "abcdefgh", "role": "service_role"})
URL = "https://abcdefgh.supabase.co"


class Host:
    """Records what the screen asks the app to do; can be told to fail. Its project check
    passes unless `check_fails` is set, and waits for `check_gate` when one is given."""

    def __init__(self) -> None:
        self.requests: list[WorkspaceRequest] = []
        self.sign_outs = 0
        self.themes: list[str] = []
        self.fail_with: str | None = None
        self.checks: list[tuple[str, str]] = []
        self.check_fails: ProjectCheckFailed | None = None
        self.check_gate: asyncio.Event | None = None

    async def check(self, url: str, key: str) -> None:
        self.checks.append((url, key))
        if self.check_gate is not None:
            await self.check_gate.wait()
        if self.check_fails is not None:
            raise self.check_fails

    async def apply(self, request: WorkspaceRequest) -> None:
        self.requests.append(request)
        if self.fail_with:
            raise RuntimeError(self.fail_with)

    async def sign_out(self) -> None:
        self.sign_outs += 1


@pytest.fixture
def host() -> Host:
    return Host()


@pytest.fixture
def screen(qtbot, qloop, host: Host) -> SettingsScreen:
    page = SettingsScreen(None, settings=Settings(), paths=app_paths(), on_apply=host.apply,
                          on_sign_out=host.sign_out, on_theme=host.themes.append,
                          check_project=host.check)
    qtbot.addWidget(page)
    page.resize(900, 900)
    page.show()
    return page


def choose_supabase(screen: SettingsScreen, url: str, key: str) -> None:
    screen.supabase_radio.setChecked(True)
    screen.url_edit.setText(url)
    screen.key_edit.setText(key)


def test_local_workspace_apply(qtbot, run, screen: SettingsScreen, host: Host) -> None:
    assert screen.local_radio.isChecked()
    assert screen.supabase_form.isHidden()
    assert screen.demo_row.isVisible()
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    run(screen._task)
    assert host.requests == [WorkspaceRequest("local")]
    assert screen.workspace_result.label.text() == "Done."
    assert screen.apply_button.isEnabled()


@pytest.mark.parametrize(
    ("url", "key", "url_error", "key_error"),
    [
        ("", "", "Enter the project URL", "Paste the project's anon (public) key"),
        ("abcdefgh.supabase.co", ANON_KEY, "must start with https://", None),
        (URL, SERVICE_KEY, None, "This is a service-role (secret) key"),
        (URL, "sb_secret_0123456789", None, "This is a service-role (secret) key"),
        (URL, "hello", None, "Not a Supabase API key"),
        (f"{URL}/rest/v1/", ANON_KEY, f"without a path ({URL})", None),
        ("http://abcdefgh.supabase.co", ANON_KEY, "Use https://", None),
    ],
)
def test_bad_supabase_fields_show_messages_and_send_nothing(
    qtbot, screen: SettingsScreen, host: Host, url: str, key: str, url_error: str | None,
    key_error: str | None,
) -> None:
    choose_supabase(screen, url, key)
    assert screen.supabase_form.isVisible() and screen.demo_row.isHidden()
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    assert host.requests == [] and host.checks == []
    assert screen._task is None
    for label, expected in ((screen.url_error, url_error), (screen.key_error, key_error)):
        if expected is None:
            assert label.isHidden()
        else:
            assert label.isVisible() and expected in label.text()


def test_supabase_apply_sends_url_and_key(qtbot, run, screen: SettingsScreen,
                                          host: Host) -> None:
    choose_supabase(screen, f"  {URL}/ ", f" {ANON_KEY} ")
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    run(screen._task)
    assert host.checks == [(URL, ANON_KEY)]  # checked before switching
    assert host.requests == [WorkspaceRequest("supabase", URL, ANON_KEY)]
    assert screen.url_error.isHidden() and screen.key_error.isHidden()


def test_publishable_key_is_accepted(run, screen: SettingsScreen, host: Host) -> None:
    choose_supabase(screen, URL, "sb_publishable_abc123")
    run(screen.apply_workspace())
    assert host.requests == [WorkspaceRequest("supabase", URL, "sb_publishable_abc123")]


def test_sign_in_validates_then_sends_credentials(qtbot, run, screen: SettingsScreen,
                                                  host: Host) -> None:
    qtbot.mouseClick(screen.sign_in_button, Qt.MouseButton.LeftButton)
    assert host.requests == []
    assert screen.email_error.text() == "Enter your email address"
    assert screen.password_error.text() == "Enter the password"
    screen.email_edit.setText("not-an-email")
    screen.password_edit.setText("secret")
    qtbot.mouseClick(screen.sign_in_button, Qt.MouseButton.LeftButton)
    assert host.requests == []
    assert screen.email_error.text() == "That does not look like an email address"

    screen.email_edit.setText("host2@demo.shopstream.app")
    qtbot.keyClick(screen.password_edit, Qt.Key.Key_Return)
    run(screen._task)
    assert host.requests == [WorkspaceRequest("local", email="host2@demo.shopstream.app",
                                              password="secret")]
    assert screen.email_error.isHidden() and screen.password_error.isHidden()
    assert screen.password_edit.text() == ""  # not left on screen
    assert "secret" not in repr(host.requests[0])


def test_demo_quick_button_signs_in_as_the_demo_wholesaler(qtbot, run, screen: SettingsScreen,
                                                           host: Host) -> None:
    qtbot.mouseClick(screen.demo_buttons["Demo wholesaler"], Qt.MouseButton.LeftButton)
    run(screen._task)
    assert host.requests == [WorkspaceRequest("local", email=DEMO_WHOLESALER.email,
                                              password=DEMO_PASSWORD)]


def test_failure_is_shown_in_words_and_the_form_comes_back(qtbot, run, screen: SettingsScreen,
                                                           host: Host) -> None:
    host.fail_with = "Could not sign in as a@b.co: Invalid login credentials."
    screen.email_edit.setText("a@b.co")
    screen.password_edit.setText("wrong")
    task = screen.sign_in()
    row = screen.account_result
    assert row.busy_bar.isVisible() and not screen.sign_in_button.isEnabled()
    assert row.label.text() == "Signing in as a@b.co…"
    run(task)
    assert row.label.text() == "Could not sign in as a@b.co: Invalid login credentials."
    assert row.label.objectName() == "fieldError"
    assert row.busy_bar.isHidden() and screen.sign_in_button.isEnabled()
    assert screen.workspace_result.label.text() == ""  # said where the action was


def test_sign_out_only_for_a_signed_in_supabase_project(qtbot, run, qloop, host: Host) -> None:
    settings = Settings(workspace=WorkspaceSettings("supabase", URL, ANON_KEY))
    page = SettingsScreen(None, settings=settings, paths=app_paths(), on_apply=host.apply,
                          on_sign_out=host.sign_out, on_theme=host.themes.append)
    qtbot.addWidget(page)
    page.show()
    assert page.supabase_radio.isChecked() and page.url_edit.text() == URL
    page.set_identity(None, frozenset())
    assert page.identity_label.text() == "Supabase project: not signed in"
    assert page.sign_out_button.isHidden()
    page.set_identity("host@demo.shopstream.app", frozenset({"host"}))
    assert page.identity_label.text() == (
        "Supabase project: signed in as host@demo.shopstream.app (host)")
    qtbot.mouseClick(page.sign_out_button, Qt.MouseButton.LeftButton)
    run(page._task)
    assert host.sign_outs == 1
    page.set_identity("w@x.io", frozenset({"wholesaler"}), kind="local")
    assert page.sign_out_button.isHidden()
    assert page.identity_label.text() == "Local workspace: signed in as w@x.io (wholesaler)"


def test_theme_choice_is_applied_at_once(screen: SettingsScreen, host: Host) -> None:
    screen.theme_combo.setCurrentIndex(screen.theme_combo.findData("dark"))
    screen.theme_combo.setCurrentIndex(screen.theme_combo.findData("system"))
    assert host.themes == ["dark", "system"]


def test_paths_are_shown(screen: SettingsScreen, shopstream_home: Path) -> None:
    assert screen.path_labels["Data"].text() == str(shopstream_home / "data")
    assert screen.path_labels["Logs"].text() == str(shopstream_home / "log")
    assert screen.path_labels["Settings"].text() == str(shopstream_home / "config")


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("key", "The project refused this key (Invalid API key): copy the anon key of this "
                "project from Project Settings > API"),
        ("url", "Could not reach abcdefgh.supabase.co: timed out after 10 s while connecting"),
    ],
)
def test_a_failed_check_shows_why_at_the_field_and_switches_nothing(
    qtbot, run, screen: SettingsScreen, host: Host, field: str, message: str,
) -> None:
    host.check_fails = ProjectCheckFailed(field, message)
    choose_supabase(screen, URL, ANON_KEY)
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    run(screen._task)
    assert host.checks == [(URL, ANON_KEY)]
    assert host.requests == []  # nothing switched
    shown, other = ((screen.key_error, screen.url_error) if field == "key"
                    else (screen.url_error, screen.key_error))
    assert shown.isVisible() and shown.text() == message
    assert other.isHidden()
    assert screen.workspace_result.label.text() == "Nothing was changed."
    assert screen.apply_button.isEnabled() and screen.workspace_result.busy_bar.isHidden()

    host.check_fails = None  # fixed: the next attempt clears the message and switches
    run(screen.apply_workspace())
    assert shown.isHidden()
    assert host.requests == [WorkspaceRequest("supabase", URL, ANON_KEY)]


def test_the_check_runs_in_the_background_with_progress(
    qtbot, run, wait_until, screen: SettingsScreen, host: Host,
) -> None:
    host.check_gate = asyncio.Event()
    choose_supabase(screen, URL, ANON_KEY)
    task = screen.apply_workspace()
    wait_until(lambda: host.checks)
    # The event loop (and the window) keep running while the request is out.
    row = screen.workspace_result
    assert row.busy_bar.isVisible() and row.label.text() == "Checking the project…"
    assert not screen.apply_button.isEnabled()
    screen.theme_combo.setCurrentIndex(screen.theme_combo.findData("dark"))
    assert host.themes == ["dark"]
    host.check_gate.set()
    run(task)
    assert host.requests == [WorkspaceRequest("supabase", URL, ANON_KEY)]
    assert row.label.text() == "Done."


def test_signing_in_to_a_project_checks_it_first(run, screen: SettingsScreen, host: Host) -> None:
    host.check_fails = ProjectCheckFailed("key", "The project refused this key (Invalid API key)")
    choose_supabase(screen, URL, ANON_KEY)
    screen.email_edit.setText("host@demo.shopstream.app")
    screen.password_edit.setText("secret")
    run(screen.sign_in())
    assert host.requests == []
    assert screen.key_error.text() == "The project refused this key (Invalid API key)"
    assert screen.account_result.label.text() == "Nothing was changed."


def test_session_notice_shows_only_when_there_is_one(screen: SettingsScreen) -> None:
    assert screen.session_notice.isHidden()
    notice = ("The system keyring is locked (its unlock prompt was dismissed or failed): you "
              "stay signed in until the app closes (not remembered).")
    screen.set_session_notice(notice)
    assert screen.session_notice.isVisible() and screen.session_notice.text() == notice
    screen.set_session_notice(None)
    assert screen.session_notice.isHidden()
