"""Start-up: the modules the window needs do not load the database driver or the keyring."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, sys
import studio.cli
studio.cli._build_parser()
import studio.app
import studio.ui.settings_screen
import studio.ui.screens.live.control_room
print(json.dumps(sorted(m for m in ("psycopg", "keyring") if m in sys.modules)))
"""


def test_opening_the_app_loads_neither_psycopg_nor_keyring_before_they_are_used() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_rehearsal_audience_is_still_there_when_asked_for() -> None:
    from studio.session import simulator
    from studio.session.simulator.audience import Audience
    from studio.session.simulator.show import local_database

    assert simulator.Audience is Audience and simulator.local_database is local_database
    with pytest.raises(AttributeError, match="no_such_name"):
        simulator.no_such_name  # noqa: B018
