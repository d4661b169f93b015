"""Quitting the app stops only a local server this app process started: not one the CLI
started, nor one the CLI restarted after the app had started it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from studio.server.embedded import EmbeddedPostgres
from studio.sync.workspace import Workspace


class ClosingBackend:
    """All a signed-out workspace asks of its backend when it closes."""

    current_user = None

    async def close(self) -> None:
        return None


def test_a_server_the_cli_restarted_is_left_running(server_dir: Path) -> None:
    app = EmbeddedPostgres(server_dir, durable=False)
    app.start()
    assert app.started_here
    cli = EmbeddedPostgres(server_dir, durable=False)
    cli.stop()  # `local-server stop`, then `local-server start`, while the app runs
    cli.start()
    try:
        assert app.stop_if_started_here() is False
        assert cli.is_running()
        attached = EmbeddedPostgres(server_dir, durable=False)
        attached.start()  # an app opened on the CLI's server attaches to it
        assert not attached.started_here
        assert attached.stop_if_started_here() is False and cli.is_running()
    finally:
        assert cli.stop_if_started_here() is True  # the CLI's own process may stop it
    assert not cli.is_running()
    assert cli.stop_if_started_here() is False  # nothing left to stop


def test_closing_the_workspace_leaves_the_clis_server_running(server_dir: Path,
                                                              tmp_path: Path) -> None:
    app_server = EmbeddedPostgres(server_dir, durable=False)
    app_server.start()
    workspace = Workspace(tmp_path / "data", ClosingBackend(), "local",  # type: ignore[arg-type]
                          server=app_server, stop_server=app_server.started_here)
    cli = EmbeddedPostgres(server_dir, durable=False)
    cli.stop()
    cli.start()
    try:
        asyncio.run(workspace.close())
        assert cli.is_running()
    finally:
        cli.stop()


def test_closing_the_workspace_stops_the_server_it_started(server_dir: Path,
                                                           tmp_path: Path) -> None:
    app_server = EmbeddedPostgres(server_dir, durable=False)
    app_server.start()
    workspace = Workspace(tmp_path / "data", ClosingBackend(), "local",  # type: ignore[arg-type]
                          server=app_server, stop_server=app_server.started_here)
    asyncio.run(workspace.close())
    assert not EmbeddedPostgres(server_dir, durable=False).is_running()
