"""F5 says what it does when offline, and the app log records connectivity changes and user
switches without personal data beyond the email's domain and the user id."""

from __future__ import annotations

import logging

import pytest
import test_shell_startup as startup
from test_shell_startup import FakeOpener, FakeWorkspace, Status

from studio.server.demo_accounts import DEMO_HOST, DEMO_PASSWORD, DEMO_WHOLESALER
from studio.ui.settings_screen import WorkspaceRequest
from studio.ui.status_bar import OFFLINE_SYNC_LATER
from studio.ui.workspace_controller import WorkspaceError, email_domain

CONTROLLER_LOG = "studio.ui.workspace_controller"
make_studio = startup.make_studio  # the composed studio over a fake workspace (a fixture)


def test_f5_while_offline_says_so_and_tries_anyway(make_studio, run, wait_until,
                                                   fake_context) -> None:
    workspace = FakeWorkspace(fake_context())
    studio = make_studio(FakeOpener(workspace))
    run(studio.controller.open_in_background())
    bar = studio.window.status
    (listener,) = workspace.engine.listeners
    listener.on_status(Status("offline", 2, "network unreachable"))
    wait_until(lambda: bar.state == "offline")
    assert bar.notice == ""
    studio.window.actions_registry.action("sync.now").trigger()  # F5
    assert bar.notice == OFFLINE_SYNC_LATER == (
        "Offline — will sync when the connection returns")
    assert bar.notice_label.isVisible()
    assert workspace.engine.sync_requests == 1  # it tried anyway

    listener.on_status(Status("online", 0))
    wait_until(lambda: bar.state == "online")
    assert bar.notice == ""  # the connection is back: the notice no longer applies
    studio.window.actions_registry.action("sync.now").trigger()
    assert bar.notice == "" and workspace.engine.sync_requests == 2


def test_f5_without_a_signed_in_user_says_why(make_studio, run, fake_context) -> None:
    workspace = FakeWorkspace(fake_context(), email=None)
    studio = make_studio(FakeOpener(workspace))
    run(studio.controller.open_in_background())
    studio.window.actions_registry.action("sync.now").trigger()
    assert studio.window.status.notice == "Sign in to sync (Settings)"
    assert workspace.engine.sync_requests == 0


def test_the_log_records_offline_online_and_user_switches_without_emails(
        make_studio, run, wait_until, fake_context, caplog) -> None:
    caplog.set_level(logging.INFO, logger=CONTROLLER_LOG)
    workspace = FakeWorkspace(fake_context())
    studio = make_studio(FakeOpener(workspace))
    run(studio.controller.open_in_background())
    bar = studio.window.status
    (listener,) = workspace.engine.listeners
    for state in ("offline", "offline", "syncing", "online", "error", "online"):
        listener.on_status(Status(state, 0, "network unreachable" if state == "offline" else ""))
        wait_until(lambda state=state: bar.state == state)
    run(studio.controller.apply_request(WorkspaceRequest(
        "local", email=DEMO_WHOLESALER.email, password=DEMO_PASSWORD)))
    run(studio.controller.sign_out())

    messages = [r.getMessage() for r in caplog.records if r.name == CONTROLLER_LOG]
    connection = [m for m in messages if m.startswith("Connection")]
    assert connection == [
        "Connection: offline (network unreachable)",
        "Connection: back online",
        "Connection: sync error",
        "Connection: back online",
    ]
    users = [m for m in messages if m.startswith(("Signed in", "Signed out"))]
    assert users == [
        f"Signed in: user {DEMO_HOST.user_id} (@demo.shopstream.app, host) on the local "
        "workspace",
        f"Signed in: user {DEMO_WHOLESALER.user_id} (@demo.shopstream.app, wholesaler) on "
        "the local workspace",
        "Signed out of the local workspace",
    ]
    for record in caplog.records:  # no address anywhere in the log
        assert DEMO_HOST.email not in record.getMessage()
        assert DEMO_WHOLESALER.email not in record.getMessage()


def test_a_failed_sign_in_logs_the_domain_only(make_studio, run, fake_context,
                                               caplog) -> None:
    caplog.set_level(logging.INFO, logger=CONTROLLER_LOG)
    workspace = FakeWorkspace(fake_context())
    studio = make_studio(FakeOpener(workspace))
    run(studio.controller.open_in_background())
    request = WorkspaceRequest("local", email="maya.chen@example.org", password="wrong")
    with pytest.raises(WorkspaceError, match="Invalid login credentials"):
        run(studio.controller.apply_request(request))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "maya.chen" not in text and "@example.org" in text


def test_email_domain() -> None:
    assert email_domain("Maya.Chen@Example.org") == "@example.org"
    assert email_domain("no-at-sign") == "no email domain"
    assert email_domain(None) == "no email domain"
