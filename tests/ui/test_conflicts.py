"""A conflict with another device reaches the status bar; its dialog re-applies or discards it."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from PySide6.QtWidgets import QMainWindow

from studio.server.demo_accounts import DEMO_HOST, DEMO_PASSWORD
from studio.server.migrations import MigrationRunner, schema_dir
from studio.sync.cache import CacheDatabase, CacheStore, CacheWriter, Operation, cache_path
from studio.sync.engine import SyncEngine
from studio.sync.local.backend import LocalBackend
from studio.sync.scope import plan_for
from studio.ui.actions import ActionRegistry
from studio.ui.conflicts_dialog import ConflictIndicator, conflict_rows, indicator_text
from studio.ui.main_window import MainWindow
from studio.ui.sync_bridge import SyncBridge

FAST = {"retry_base": 0.01, "retry_cap": 0.05, "poll_interval": 3600.0}
SYNC_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def seeded_copy(fresh_db_module) -> str:
    conninfo = fresh_db_module()
    MigrationRunner(conninfo, schema_dir()).apply(seed=True)
    return conninfo


@pytest.fixture
def devices(run, seeded_copy: str, tmp_path: Path):
    """Two devices of the demo host: each a backend, a cache and an engine (not started)."""
    made = []

    async def device(name: str):
        backend = LocalBackend(seeded_copy)
        await backend.sign_in(DEMO_HOST.email, DEMO_PASSWORD)
        profiles = await backend.my_profiles()
        ids = {role.value: profiles.profile_id(role) for role in profiles.roles}
        db = CacheDatabase.open(cache_path(tmp_path / name, "local", DEMO_HOST.email))
        writer = CacheWriter(db)
        engine = SyncEngine(backend, writer, plan_for(ids.keys(), ids), **FAST)
        made.append((backend, writer, db))
        await engine.sync_now()
        return engine

    a = run(device("a"), timeout=SYNC_TIMEOUT)
    b = run(device("b"), timeout=SYNC_TIMEOUT)
    yield a, b
    for backend, writer, db in made:
        run(backend.close())
        writer.close()
        db.close()


def _an_item(engine: SyncEngine) -> dict:
    with engine.writer.database.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT id, name, row_version FROM live_products lp WHERE EXISTS (SELECT 1 FROM"
            " live_stream_sessions s WHERE s.id = lp.session_id AND s.status = 'scheduled')"
            " ORDER BY id LIMIT 1").mappings().first()
    assert row is not None
    return dict(row)


def test_a_conflict_shows_in_the_status_bar_and_is_reapplied_on_the_new_version(
    qtbot, run, wait_until, devices, seeded_copy
) -> None:
    a, b = devices
    item = _an_item(a)
    bridge = SyncBridge()
    bridge.attach(a)
    window = MainWindow([], ActionRegistry())
    qtbot.addWidget(window)
    indicator = window.conflicts
    assert isinstance(indicator, ConflictIndicator) and isinstance(window, QMainWindow)
    indicator.attach(a, bridge.signals.conflict)
    window.show()
    assert not indicator.isVisible()

    run(b.submit(Operation("upsert", "live_products",
                           {"id": item["id"], "name": "Renamed on B"})), timeout=SYNC_TIMEOUT)
    run(b.sync_now(), timeout=SYNC_TIMEOUT)
    run(a.submit(Operation("upsert", "live_products",
                           {"id": item["id"], "name": "Renamed on A"})), timeout=SYNC_TIMEOUT)
    run(a.sync_now(), timeout=SYNC_TIMEOUT)

    wait_until(indicator.isVisible)
    assert indicator.text() == indicator_text(1) == "⚠ 1 conflict"
    dialog = indicator.open_dialog()
    assert dialog is not None
    wait_until(lambda: dialog.table.rowCount() == 1)
    cells = [dialog.table.item(0, c).text() for c in range(4)]
    assert cells == ["Lineup item “Renamed on B”", "name", "Renamed on A", "Renamed on B"]

    dialog.reapply_button.click()
    wait_until(lambda: dialog.table.rowCount() == 0 and not indicator.isVisible())
    pending = a.writer.call(CacheStore.next_pending)
    assert [(e.payload, e.base_version) for e in pending] == [
        ({"id": item["id"], "name": "Renamed on A"}, item["row_version"] + 1)]
    run(a.sync_now(), timeout=SYNC_TIMEOUT)
    with psycopg.connect(seeded_copy) as conn:
        name = conn.execute("select name from public.live_products where id = %s",
                            (item["id"],)).fetchone()[0]
    assert name == "Renamed on A"
    window.close()


def test_keep_theirs_closes_the_conflict_and_a_bad_choice_changes_nothing(
    qtbot, run, wait_until, devices
) -> None:
    a, b = devices
    item = _an_item(a)
    for engine, text in ((b, "Told by B"), (a, "Told by A")):
        run(engine.submit(Operation("upsert", "live_products",
                                    {"id": item["id"], "description": text})))
        run(engine.sync_now(), timeout=SYNC_TIMEOUT)
    indicator = ConflictIndicator()
    qtbot.addWidget(indicator)
    indicator.attach(a)
    wait_until(lambda: indicator.count == 1)
    [conflict] = run(a.conflicts())
    assert [row[2:] for row in conflict_rows([conflict])] == [
        ("description", "Told by A", "Told by B")]
    dialog = indicator.open_dialog()
    wait_until(lambda: dialog.table.rowCount() == 1)
    run(dialog.decide(conflict.id + 1000, reapply=True))  # no such conflict: refused
    assert dialog.message.text().startswith("Could not do that: no conflict")
    assert dialog.table.rowCount() == 1
    dialog.discard_button.click()
    wait_until(lambda: dialog.table.rowCount() == 0 and indicator.count == 0)
    assert a.writer.call(CacheStore.next_pending) == []
    cached = a.writer.call(CacheStore.get_conflict, conflict.id)
    assert cached.resolution == "discarded"
    with a.writer.database.read() as conn:
        kept = conn.exec_driver_sql(
            "SELECT description FROM live_products WHERE id = ?", (item["id"],)).scalar()
    assert kept == "Told by B"  # the other device's row stays
