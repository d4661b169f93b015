"""Settings › Video: the host's 100ms account and stream keys go to the OS keyring (a memory
keyring here), are never shown back, bad input changes nothing, and no keyring is said plainly."""

from __future__ import annotations

import keyring
import keyring.errors
import pytest
from keyring.backends import fail
from memory_keyring import MemoryKeyring, memory
from PySide6.QtCore import Qt

from studio.core.paths import app_paths
from studio.core.settings import Settings
from studio.session.rooms.credentials import NO_KEYRING, SERVICE, CredentialStore
from studio.ui.settings_screen import SettingsScreen
from studio.ui.video_settings import STORED, VideoSettings

__all__ = ["memory"]
SECRET = "app-secret-0123456789abcdef-0123456789"


@pytest.fixture
def page(qtbot, qloop, run, memory: MemoryKeyring) -> VideoSettings:
    widget = VideoSettings(CredentialStore())
    qtbot.addWidget(widget)
    widget.show()
    run(widget.wait_idle())
    return widget


def fill(page: VideoSettings, access: str, secret: str, template: str, sub: str) -> None:
    for edit, text in ((page.access_key, access), (page.secret, secret),
                       (page.template_id, template), (page.subdomain, sub)):
        edit.setText(text)


def click(qtbot, run, page: VideoSettings, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    run(page.wait_idle())


def test_the_account_is_saved_to_the_keyring_and_the_secret_never_shown(
        qtbot, run, page: VideoSettings, memory: MemoryKeyring) -> None:
    assert page.status.text().startswith("No 100ms account set")
    fill(page, "ak_6612ab", SECRET, "tpl-6612", "myshop")

    click(qtbot, run, page, page.save_button)

    assert CredentialStore().load().secret == SECRET
    assert page.status.text() == "✓ Saved in the system keyring"
    assert page.secret.text() == "" and page.secret.placeholderText() == STORED
    assert page.access_key.text() == "ak_6612ab" and page.subdomain.text() == "myshop"
    assert all(SECRET not in label.text() for label in page.findChildren(type(page.status)))


def test_an_empty_secret_field_keeps_the_stored_secret(qtbot, run, page: VideoSettings) -> None:
    fill(page, "ak_6612ab", SECRET, "tpl-6612", "myshop")
    click(qtbot, run, page, page.save_button)
    page.template_id.setText("tpl-7777")

    click(qtbot, run, page, page.save_button)

    stored = CredentialStore().load()
    assert (stored.template_id, stored.secret) == ("tpl-7777", SECRET)


def test_bad_input_is_refused_and_changes_nothing(qtbot, run, page: VideoSettings,
                                                  memory: MemoryKeyring) -> None:
    fill(page, "ak_6612ab", SECRET, "", "myshop")
    click(qtbot, run, page, page.save_button)
    assert page.status.text() == "✕ Enter the 100ms template id"
    fill(page, "ak_6612ab", SECRET, "tpl-1", "not a subdomain!")
    click(qtbot, run, page, page.save_button)
    assert "subdomain" in page.status.text()
    assert memory.items == {}


def test_clear_removes_the_account(qtbot, run, page: VideoSettings) -> None:
    fill(page, "ak_6612ab", SECRET, "tpl-6612", "myshop")
    click(qtbot, run, page, page.save_button)

    click(qtbot, run, page, page.clear_button)

    assert CredentialStore().load() is None
    assert page.access_key.text() == "" and page.secret.placeholderText() == ""


def test_stream_keys_are_saved_all_or_none_and_cleared(qtbot, run, page: VideoSettings,
                                                       memory: MemoryKeyring) -> None:
    page.keys["youtube"].setText("abcd-efgh-ijkl-mnop")
    page.keys["twitch"].setText("not a key")
    click(qtbot, run, page, page.save_keys_button)
    assert "does not look like a Twitch stream key" in page.status.text()
    assert memory.items == {}

    page.keys["twitch"].setText("live_123456_abcdef")
    click(qtbot, run, page, page.save_keys_button)
    assert CredentialStore().stream_keys() == {"youtube": "abcd-efgh-ijkl-mnop",
                                               "twitch": "live_123456_abcdef"}
    assert page.keys["youtube"].text() == "" and page.keys["youtube"].placeholderText() == STORED

    click(qtbot, run, page, page.clear_keys["youtube"])
    assert CredentialStore().stream_keys() == {"twitch": "live_123456_abcdef"}
    assert ("ShopStream Studio 100ms", "stream-key:youtube") not in memory.items
    assert {service for service, _ in memory.items} == {SERVICE}


def test_without_a_keyring_the_section_says_so(qtbot, qloop, run) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        widget = VideoSettings(CredentialStore())
        qtbot.addWidget(widget)
        widget.show()
        run(widget.wait_idle())
        assert widget.status.text() == f"✕ {NO_KEYRING}"
        fill(widget, "ak_6612ab", SECRET, "tpl-6612", "myshop")
        click(qtbot, run, widget, widget.save_button)
        assert widget.status.text() == f"✕ {NO_KEYRING}"
    finally:
        keyring.set_keyring(previous)


def test_the_settings_screen_has_the_video_section(qtbot) -> None:
    async def nothing(*_args: object) -> None:
        return None

    screen = SettingsScreen(None, settings=Settings(), paths=app_paths(), on_apply=nothing,
                            on_sign_out=nothing, on_theme=lambda _theme: None)
    qtbot.addWidget(screen)
    assert isinstance(screen.video, VideoSettings)
    assert screen.video.title() == "Video (100ms)"
