"""Build hook: packages the Supabase schema (migrations, seed) into wheels as studio/_schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SCHEMA_SOURCE = Path("backend_schema") / "supabase"
SCHEMA_TARGET = "studio/_schema"


class CustomBuildHook(BuildHookInterface):
    """Adds backend_schema/supabase to regular wheels when it exists."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            # Editable installs use the checkout's backend_schema/ directly.
            return
        source = Path(self.root) / SCHEMA_SOURCE
        if source.is_dir() and any(source.rglob("*.sql")):
            build_data["force_include"][str(source)] = SCHEMA_TARGET
