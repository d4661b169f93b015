"""The studio's settings: typed, versioned, stored as JSON; older files migrate, bad ones reset.

Secrets never live here: a Supabase session goes to the OS keyring (the anon key is public
by design). Loading never raises: a corrupt file or one written by a newer studio is kept
beside the settings as ``settings.json.bak`` and the defaults are used, with a logged warning.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

SETTINGS_VERSION = 2

WorkspaceKind = Literal["local", "supabase"]
Theme = Literal["system", "light", "dark"]
WORKSPACE_KINDS: tuple[str, ...] = get_args(WorkspaceKind)
THEMES: tuple[str, ...] = get_args(Theme)
DEFAULT_SCREEN = "catalog"


class SettingsError(ValueError):
    """A settings file or value that cannot be used."""


@dataclass(frozen=True)
class WorkspaceSettings:
    """Which workspace opens at start: the local one, or a Supabase project (URL + anon key)."""

    kind: WorkspaceKind = "local"
    supabase_url: str = ""
    supabase_anon_key: str = ""
    local_email: str | None = None
    """Who last signed in to the local workspace (None: the demo host)."""


@dataclass(frozen=True)
class WindowSettings:
    """The main window as it was left: Qt's saveGeometry/saveState as base64, the last screen."""

    geometry: str = ""
    state: str = ""
    last_screen: str = DEFAULT_SCREEN


@dataclass(frozen=True)
class AppearanceSettings:
    """Light or dark; "system" follows the desktop's colour scheme."""

    theme: Theme = "system"


@dataclass(frozen=True)
class Settings:
    """Everything the studio remembers between runs."""

    version: int = SETTINGS_VERSION
    workspace: WorkspaceSettings = field(default_factory=WorkspaceSettings)
    window: WindowSettings = field(default_factory=WindowSettings)
    appearance: AppearanceSettings = field(default_factory=AppearanceSettings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Settings:
        """Build settings from the current version's JSON shape; SettingsError when invalid.

        Missing keys take their defaults (files stay readable when a field is added).
        """
        if not isinstance(data, dict):
            raise SettingsError("settings must be a JSON object")
        if data.get("version", SETTINGS_VERSION) != SETTINGS_VERSION:
            raise SettingsError(f"expected settings version {SETTINGS_VERSION}")
        settings = cls(
            workspace=_section(WorkspaceSettings, data.get("workspace", {}), "workspace"),
            window=_section(WindowSettings, data.get("window", {}), "window"),
            appearance=_section(AppearanceSettings, data.get("appearance", {}), "appearance"),
        )
        if settings.workspace.kind not in WORKSPACE_KINDS:
            raise SettingsError(f"workspace.kind must be one of {', '.join(WORKSPACE_KINDS)}")
        if settings.appearance.theme not in THEMES:
            raise SettingsError(f"appearance.theme must be one of {', '.join(THEMES)}")
        return settings


def _section(kind: type[Any], data: Any, name: str) -> Any:
    """One nested dataclass from a JSON object, checking every value's type."""
    if not isinstance(data, dict):
        raise SettingsError(f"{name} must be a JSON object")
    defaults = kind()
    values: dict[str, Any] = {}
    for f in fields(kind):
        if f.name not in data:
            continue
        value = data[f.name]
        default = getattr(defaults, f.name)
        nullable = default is None
        if value is None and nullable:
            values[f.name] = None
        elif isinstance(value, str):
            values[f.name] = value
        else:
            raise SettingsError(f"{name}.{f.name} must be text")
    return replace(defaults, **values)


# ------------------------------------------------------------------------------- migrations


def _from_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 was one flat object: workspace, supabase_url, supabase_key, email, geometry,
    window_state, theme, screen."""
    return {
        "version": 2,
        "workspace": {
            "kind": data.get("workspace", "local"),
            "supabase_url": data.get("supabase_url", ""),
            "supabase_anon_key": data.get("supabase_key", ""),
            "local_email": data.get("email"),
        },
        "window": {
            "geometry": data.get("geometry", ""),
            "state": data.get("window_state", ""),
            "last_screen": data.get("screen", DEFAULT_SCREEN),
        },
        "appearance": {"theme": data.get("theme", "system")},
    }


# MIGRATIONS[n] turns a version-n dict into a version-(n + 1) dict.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_v1}


def migrate(data: Any) -> dict[str, Any]:
    """Bring a decoded settings file up to SETTINGS_VERSION; SettingsError when impossible."""
    if not isinstance(data, dict):
        raise SettingsError("settings must be a JSON object")
    version = data.get("version", 1)  # the first release wrote no version field
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SettingsError(f"not a settings version: {version!r}")
    if version > SETTINGS_VERSION:
        raise SettingsError(
            f"written by a newer studio (settings version {version}; this one reads "
            f"up to {SETTINGS_VERSION})"
        )
    while version < SETTINGS_VERSION:
        data = MIGRATIONS[version](data)
        version = data["version"]
    return data


# ------------------------------------------------------------------------------- file I/O


def load_settings(path: Path) -> Settings:
    """The settings in `path`; defaults when it is missing, unreadable, corrupt or too new."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        log.warning("Could not read the settings (%s); using defaults", exc.strerror or exc)
        return Settings()
    try:
        settings = Settings.from_dict(migrate(json.loads(text)))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _keep_bad_file(path, f"not valid JSON ({exc})")
        return Settings()
    except SettingsError as exc:
        _keep_bad_file(path, str(exc))
        return Settings()
    return settings


def _keep_bad_file(path: Path, reason: str) -> None:
    backup = path.with_name(path.name + ".bak")
    try:
        os.replace(path, backup)
    except OSError as exc:
        log.warning("Settings file unusable (%s) and could not be moved aside: %s", reason, exc)
        return
    log.warning("Settings file unusable (%s); using defaults, old file kept as %s", reason, backup)


def save_settings(settings: Settings, path: Path) -> bool:
    """Write `settings` atomically (a crash leaves the old file or the new one, never half).

    Returns False (and logs) when the file cannot be written; the app keeps running.
    """
    text = json.dumps(settings.to_dict(), indent=2, sort_keys=True) + "\n"
    temp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    except OSError as exc:
        log.warning("Could not save the settings to %s: %s", path, exc)
        return False
    return True


# ------------------------------------------------------------------------------- validation


def supabase_url_problem(url: str) -> str | None:
    """Why `url` cannot be a Supabase project URL, or None when it can."""
    url = url.strip()
    if not url:
        return "Enter the project URL, e.g. https://abcdefgh.supabase.co"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The URL must start with https:// and name a host, e.g. https://abcdefgh.supabase.co"
    if parts.query or parts.fragment:
        return "The project URL has no query or fragment: copy it from Project Settings > API"
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        return "Use https:// (plain http is only accepted for a project on this computer)"
    return None


def email_problem(email: str) -> str | None:
    """Why `email` cannot be a sign-in email, or None when it can."""
    email = email.strip()
    if not email:
        return "Enter your email address"
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or domain.startswith(".") or " " in email:
        return "That does not look like an email address"
    return None
