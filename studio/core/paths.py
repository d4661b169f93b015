"""Where the studio keeps its settings, data, logs and caches (per OS, or under SHOPSTREAM_HOME)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "ShopStream Studio"
APP_AUTHOR = "ShopStream"
HOME_ENV = "SHOPSTREAM_HOME"
SETTINGS_FILE = "settings.json"
LOG_FILE = "studio.log"


@dataclass(frozen=True)
class AppPaths:
    """The four directories of the app. Nothing is created until someone writes there."""

    config_dir: Path
    data_dir: Path
    log_dir: Path
    cache_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / SETTINGS_FILE

    @property
    def log_file(self) -> Path:
        return self.log_dir / LOG_FILE


def app_paths(home: str | os.PathLike[str] | None = None) -> AppPaths:
    """The app's directories.

    `home` (or the SHOPSTREAM_HOME environment variable) puts everything under one directory,
    for portable installs and tests; otherwise platformdirs gives the OS conventions.
    """
    root = home if home is not None else os.environ.get(HOME_ENV, "").strip() or None
    if root is not None:
        base = Path(root).expanduser().absolute()
        return AppPaths(base / "config", base / "data", base / "log", base / "cache")
    return AppPaths(
        config_dir=platformdirs.user_config_path(APP_NAME, APP_AUTHOR),
        data_dir=platformdirs.user_data_path(APP_NAME, APP_AUTHOR),
        log_dir=platformdirs.user_log_path(APP_NAME, APP_AUTHOR),
        cache_dir=platformdirs.user_cache_path(APP_NAME, APP_AUTHOR),
    )


def default_local_server_dir() -> Path:
    """Where the local server keeps its cluster, log and socket by default."""
    return platformdirs.user_data_path(APP_NAME, APP_AUTHOR) / "local-server"
