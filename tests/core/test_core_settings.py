"""Settings: paths, JSON round-trip, migration of version 1, bad files reset to defaults."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from studio.core.paths import APP_NAME, HOME_ENV, app_paths
from studio.core.settings import (
    SETTINGS_VERSION,
    AppearanceSettings,
    Settings,
    SettingsError,
    WindowSettings,
    WorkspaceSettings,
    email_problem,
    load_settings,
    migrate,
    save_settings,
    supabase_url_problem,
)


def test_paths_follow_the_home_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    paths = app_paths()
    assert paths.config_dir == tmp_path / "config"
    assert paths.data_dir == tmp_path / "data"
    assert paths.log_dir == tmp_path / "log"
    assert paths.cache_dir == tmp_path / "cache"
    assert paths.settings_file == tmp_path / "config" / "settings.json"
    assert paths.log_file == tmp_path / "log" / "studio.log"
    assert not (tmp_path / "config").exists()  # nothing is created by asking


def test_paths_without_home_use_the_app_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HOME_ENV, raising=False)
    paths = app_paths()
    for directory in (paths.config_dir, paths.data_dir, paths.log_dir, paths.cache_dir):
        assert APP_NAME in str(directory)


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "settings.json")
    assert settings == Settings()
    assert settings.workspace.kind == "local"
    assert settings.appearance.theme == "system"
    assert settings.window.last_screen == "catalog"
    assert not (tmp_path / "settings.json").exists()


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "settings.json"
    settings = Settings(
        workspace=WorkspaceSettings(
            kind="supabase",
            supabase_url="https://abcdefgh.supabase.co",
            supabase_anon_key="sb_publishable_abc",
            local_email="wholesaler@demo.shopstream.app",
        ),
        window=WindowSettings(geometry="AdnQywAD", state="AAAA/w==", last_screen="shows"),
        appearance=AppearanceSettings(theme="dark"),
    )
    assert save_settings(settings, path)
    assert json.loads(path.read_text())["version"] == SETTINGS_VERSION
    assert load_settings(path) == settings
    assert not path.with_name("settings.json.tmp").exists()


def test_version_1_file_migrates(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({
        "version": 1,
        "workspace": "supabase",
        "supabase_url": "https://proj.supabase.co",
        "supabase_key": "sb_publishable_xyz",
        "email": "host2@demo.shopstream.app",
        "geometry": "Z2VvbQ==",
        "window_state": "c3RhdGU=",
        "theme": "light",
        "screen": "shows",
    }))
    settings = load_settings(path)
    assert settings == Settings(
        workspace=WorkspaceSettings("supabase", "https://proj.supabase.co",
                                    "sb_publishable_xyz", "host2@demo.shopstream.app"),
        window=WindowSettings("Z2VvbQ==", "c3RhdGU=", "shows"),
        appearance=AppearanceSettings("light"),
    )
    assert not path.with_name("settings.json.bak").exists()


def test_unversioned_file_is_version_1() -> None:
    assert migrate({"theme": "dark"})["appearance"] == {"theme": "dark"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({"version": 99}), "newer studio"),
        (json.dumps({"version": 2, "appearance": {"theme": "purple"}}), "appearance.theme"),
        (json.dumps({"version": 2, "workspace": {"kind": "ftp"}}), "workspace.kind"),
        (json.dumps({"version": 2, "window": {"geometry": 12}}), "window.geometry must be text"),
        (json.dumps({"version": "2"}), "not a settings version"),
    ],
)
def test_bad_file_gives_defaults_and_is_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str, reason: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content)
    with caplog.at_level(logging.WARNING, logger="studio.core.settings"):
        settings = load_settings(path)
    assert settings == Settings()
    assert not path.exists()
    assert path.with_name("settings.json.bak").read_text() == content
    assert reason in caplog.text
    # Saving afterwards writes a fresh, readable file.
    assert save_settings(settings, path)
    assert load_settings(path) == Settings()


def test_save_failure_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("a file where the directory should be")
    assert save_settings(Settings(), blocker / "settings.json") is False


def test_from_dict_rejects_wrong_version() -> None:
    with pytest.raises(SettingsError, match="expected settings version"):
        Settings.from_dict({"version": 1})


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "Enter the project URL"),
        ("abcdefgh.supabase.co", "must start with https://"),
        ("ftp://abcdefgh.supabase.co", "must start with https://"),
        ("https://", "must start with https://"),
        ("http://abcdefgh.supabase.co", "Use https://"),
        ("https://abcdefgh.supabase.co/?x=1", "no query or fragment"),
        ("https://abcdefgh.supabase.co", None),
        ("http://localhost:54321", None),
    ],
)
def test_supabase_url_problem(url: str, problem: str | None) -> None:
    found = supabase_url_problem(url)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("email", "ok"),
    [("host@demo.shopstream.app", True), ("", False), ("host", False), ("a@b", False),
     ("@demo.app", False), ("a b@c.de", False)],
)
def test_email_problem(email: str, ok: bool) -> None:
    assert (email_problem(email) is None) is ok
