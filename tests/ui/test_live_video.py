"""The control room's video over a real local workspace and a local 100ms stand-in: going live
with the host's own 100ms account, the host room code and Prebuilt link, the embedded view or the
browser, restreams, ending the room with the show, and a clearly labelled rehearsal without
video."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWebEngineCore import QWebEnginePermission
from test_live_control_room import WAIT, go_live
from test_live_support import LiveWorld, live_world, open_room

from studio.session.rooms.client import HmsClient, RetryPolicy
from studio.session.rooms.credentials import HmsCredentials
from studio.session.rooms.providers import DirectRooms, NoVideoRooms
from studio.ui.screens.live import video_panel, video_view
from studio.ui.screens.live.control_room import LiveScreen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "session"))
from hms_mock import HmsMock

__all__ = ["live_world", "open_room"]
FAST = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02, total_s=10.0)


class VideoFunctions:
    """The show server with the rooms migration's record/clear functions kept in memory."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.rooms: dict[str, Any] = {}

    async def rpc(self, function: str, params: Mapping[str, Any] | None = None) -> Any:
        params = dict(params or {})
        if function == "record_show_room":
            self.rooms[str(params["p_session_id"])] = params["p_codes"]
            return None
        if function == "clear_show_room":
            self.rooms[str(params["p_session_id"])] = None
            return None
        return await self.inner.rpc(function, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class Keys:
    """Stream keys as the keyring would hand them out."""

    def rtmp_urls(self, platforms: list[str]) -> list[str]:
        return [f"rtmp://a.rtmp.youtube.com/live2/key-{p}" for p in platforms]


@pytest.fixture
def hms() -> Iterator[HmsMock]:
    with HmsMock() as mock:
        yield mock


@pytest.fixture
def own_account(monkeypatch: pytest.MonkeyPatch, hms: HmsMock) -> dict[str, Any]:
    """The workspace's provider: the host's own 100ms account (the local stand-in)."""
    made: dict[str, Any] = {}

    async def provider(ctx: Any, _store: Any) -> tuple[Any, None]:
        creds = HmsCredentials.checked(hms.access_key, hms.secret, "tpl-1", hms.subdomain)
        server = made.setdefault("server", VideoFunctions(ctx.show_server))
        client = HmsClient(creds.access_key, creds.secret, base_url=hms.base_url, retry=FAST)
        return DirectRooms(creds, server, client=client), None

    monkeypatch.setattr(video_panel, "default_provider", provider)
    return made


def status(world: LiveWorld) -> str:
    return world.one("select status::text from public.live_stream_sessions where id = %s",
                     (world.session_id,))


def test_go_live_with_the_hosts_own_account_shows_the_host_code(
        qtbot, run, wait_until, live_world, open_room, hms, own_account) -> None:
    screen: LiveScreen = open_room()
    assert screen.video.code.text() == "" and not screen.video.open_button.isEnabled()

    go_live(qtbot, run, wait_until, screen, live_world)

    (room,) = hms.rooms.values()
    assert screen.video.code.text() == f"Host room code: {room.codes['host']}"
    assert "your own 100ms account" in screen.video.mode.text()
    assert own_account["server"].rooms[live_world.session_id] == room.codes
    assert screen.video.video_url() == (
        f"https://{hms.subdomain}.app.100ms.live/meeting/{room.codes['host']}")
    assert screen.video.open_button.isEnabled()


def test_open_video_embeds_the_prebuilt_page(qtbot, run, wait_until, live_world, open_room,
                                             hms, own_account,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []

    def real_view_offline(parent: Any) -> Any:
        view = video_view.make_web_view(parent)  # the real view; the page is not fetched
        view.load = lambda url: loaded.append(url.toString())
        return view

    monkeypatch.setattr(video_panel, "make_web_view", real_view_offline)
    screen: LiveScreen = open_room()
    go_live(qtbot, run, wait_until, screen, live_world)
    url = screen.video.video_url()

    qtbot.mouseClick(screen.video.open_button, Qt.MouseButton.LeftButton)

    view = screen.video.web_view
    assert type(view).__name__ == "QWebEngineView" and view.parent() is screen.video
    assert loaded == [url]
    assert screen.video.close_button.isVisible() and not screen.video.open_button.isEnabled()
    qtbot.mouseClick(screen.video.close_button, Qt.MouseButton.LeftButton)
    assert screen.video.web_view is None and screen.video.open_button.isEnabled()


def test_without_web_engine_the_video_opens_in_the_browser(
        qtbot, run, wait_until, live_world, open_room, hms, own_account,
        monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setenv(video_view.BROWSER_ENV, "1")
    monkeypatch.setattr(video_panel, "open_in_browser", lambda url: opened.append(url) or True)
    screen: LiveScreen = open_room()
    go_live(qtbot, run, wait_until, screen, live_world)

    qtbot.mouseClick(screen.video.open_button, Qt.MouseButton.LeftButton)

    assert opened == [screen.video.video_url()] and screen.video.web_view is None


def test_camera_and_microphone_only_for_100ms_pages() -> None:
    kind = QWebEnginePermission.PermissionType
    prebuilt = QUrl("https://shop.app.100ms.live/meeting/abc-defg-hij")
    assert video_view.grants(kind.MediaAudioVideoCapture, prebuilt)
    assert video_view.grants(kind.MediaVideoCapture, prebuilt)
    assert not video_view.grants(kind.Geolocation, prebuilt)
    assert not video_view.grants(kind.MediaAudioVideoCapture,
                                 QUrl("https://evil.example/app.100ms.live"))
    assert not video_view.grants(kind.MediaAudioVideoCapture,
                                 QUrl("http://shop.app.100ms.live/meeting/x"))


def test_restream_start_and_stop_from_the_control_room(
        qtbot, run, wait_until, live_world, open_room, hms, own_account) -> None:
    screen: LiveScreen = open_room()
    assert not screen.video.restream_start.isEnabled()  # not live yet
    go_live(qtbot, run, wait_until, screen, live_world)
    screen.video.store = Keys()  # type: ignore[assignment]
    (room,) = hms.rooms.values()

    qtbot.mouseClick(screen.video.restream_start, Qt.MouseButton.LeftButton)
    run(screen.wait_idle(), timeout=WAIT)
    assert any("Tick the platforms" in t for t in screen.notices.texts())
    assert room.stream is None

    screen.video.platforms["youtube"].setChecked(True)
    qtbot.mouseClick(screen.video.restream_start, Qt.MouseButton.LeftButton)
    run(screen.wait_idle(), timeout=WAIT)
    assert room.stream is not None
    assert room.stream["rtmp_urls"] == ["rtmp://a.rtmp.youtube.com/live2/key-youtube"]
    assert screen.video.restream_state.text() == "● Restreaming to YouTube"
    assert screen.video.restream_stop.isEnabled() and not screen.video.restream_start.isEnabled()

    qtbot.mouseClick(screen.video.restream_stop, Qt.MouseButton.LeftButton)
    run(screen.wait_idle(), timeout=WAIT)
    assert room.stream is None and screen.video.restream_start.isEnabled()


def test_ending_the_show_ends_its_room(qtbot, run, wait_until, live_world, open_room, hms,
                                       own_account) -> None:
    screen: LiveScreen = open_room()
    go_live(qtbot, run, wait_until, screen, live_world)
    (room,) = hms.rooms.values()

    screen._end_confirmed()
    run(screen.wait_idle(), timeout=WAIT)

    assert status(live_world) == "ended"
    assert [body["lock"] for body in room.end_bodies] == [True]
    assert own_account["server"].rooms[live_world.session_id] is None
    assert screen.video.code.text() == "" and not screen.video.open_button.isEnabled()


def test_a_refused_room_keeps_the_show_scheduled_and_says_why(
        qtbot, run, wait_until, live_world, open_room, hms, own_account) -> None:
    screen: LiveScreen = open_room()
    before = live_world.state()
    hms.fail_next("POST", "/rooms", 401)

    qtbot.mouseClick(screen.header.go_live, Qt.MouseButton.LeftButton)
    run(screen.wait_idle(), timeout=WAIT)

    assert live_world.state() == before and status(live_world) == "scheduled"
    assert any("refused the access key or app secret" in t for t in screen.notices.texts())
    assert screen.header.go_live.isEnabled()


def test_with_no_account_go_live_is_a_labelled_rehearsal_without_video(
        qtbot, run, wait_until, live_world, open_room, monkeypatch: pytest.MonkeyPatch) -> None:
    async def provider(_ctx: Any, _store: Any) -> tuple[Any, str]:
        return NoVideoRooms(), "no system keyring"

    monkeypatch.setattr(video_panel, "default_provider", provider)
    screen: LiveScreen = open_room()

    go_live(qtbot, run, wait_until, screen, live_world)

    text = screen.video.mode.text()
    assert text.startswith("▢ Rehearsal without video") and "(no system keyring)" in text
    assert "Settings › Video" in text
    assert not screen.video.open_button.isEnabled()
    assert not screen.video.restream_start.isEnabled()
    assert status(live_world) == "live"


def test_a_cohost_opens_the_show_read_only_with_their_own_code(
        qtbot, run, wait_until, live_world, open_room, tmp_path: Path) -> None:
    from test_live_support import FAST as ENGINE_FAST
    from test_live_support import SYNC_TIMEOUT, f

    from studio.server.demo_accounts import DEMO_PASSWORD, DEMO_PASSWORD_BCRYPT
    from studio.sync.local.backend import LocalBackend
    from studio.sync.show_server import BackendShowServer
    from studio.sync.workspace import Workspace
    from studio.ui.actions import ActionRegistry
    from studio.ui.context import ScreenContext
    from studio.ui.sync_bridge import SyncBridge

    with live_world.owner.cursor() as cur:
        guest = f.create_influencer(cur)
    email = live_world.one("update auth.users set encrypted_password = %s where id = %s"
                           " returning email", (DEMO_PASSWORD_BCRYPT, guest.user_id))
    host = live_world.workspace.backend
    show = live_world.session_id
    codes = {"host": "hst-aaaa-bbb", "co-host": "coh-cccc-ddd", "viewer": "vwr-eeee-fff"}
    run(host.rpc("invite_cohost", {"p_session_id": show, "p_influencer_id": guest.profile_id}))
    run(host.rpc("record_show_room", {"p_session_id": show, "p_room_id": "room-guest-1",
                                      "p_codes": codes}))
    run(host.rpc("start_show", {"p_session_id": show}))

    workspace = Workspace(tmp_path / "guest", LocalBackend(live_world.conninfo), "local",
                          engine_options=ENGINE_FAST)
    run(workspace.sign_in(email, DEMO_PASSWORD), timeout=SYNC_TIMEOUT)
    bridge = SyncBridge()
    bridge.attach(workspace.engine)
    ctx = ScreenContext(reader=workspace.reader, submit=workspace.submit,
                        submit_batch=workspace.submit_batch, signals=bridge.signals,
                        user_id=workspace.user_id, roles=workspace.roles,
                        profile_ids=dict(workspace.profile_ids),
                        show_server=BackendShowServer(workspace.backend),
                        follow_show=workspace.engine.follow_show, workspace_kind="local",
                        local_conninfo=live_world.conninfo)
    try:
        screen = LiveScreen(ctx, ActionRegistry())
        qtbot.addWidget(screen)
        screen.show()
        run(screen.wait_idle(), timeout=WAIT)
        wait_until(lambda: screen.video.cohosting_row.isVisible(), WAIT)
        assert screen.video.cohosting.currentData() == show

        qtbot.mouseClick(screen.video.cohost_open, Qt.MouseButton.LeftButton)
        run(screen.wait_idle(), timeout=WAIT)
        wait_until(lambda: "coh-cccc-ddd" in screen.video.code.text(), WAIT)

        assert screen.video.code.text() == (
            "Co-host view (read-only) — your room code: coh-cccc-ddd")
        # The show opens with its lineup and figures (the server answers co-hosts' stats).
        wait_until(lambda: screen.room.session is not None, WAIT)
        wait_until(lambda: screen.queue.count() == len(live_world.items), WAIT)
        # Read-only: every host action is off.
        assert not screen.header.end.isEnabled() and not screen.header.go_live.isEnabled()
        assert not screen.flash.start_button.isEnabled()
        assert not screen.video.invite_button.isEnabled()
        assert not screen.video.restream_start.isEnabled()
        screen.close()
    finally:
        bridge.detach()
        ctx.close()
        run(workspace.close(), timeout=30)


# ---------------------------------------------------------------------- which provider
class _Ctx:
    def __init__(self, kind: str, server: Any) -> None:
        self.workspace_kind, self.show_server = kind, server


class _Store:
    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def load(self) -> Any:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_a_supabase_workspace_uses_the_projects_edge_function(run, qloop) -> None:
    from studio.session.rooms.providers import EdgeFunctionRooms
    from studio.sync.session_store import MemorySessionStore
    from studio.sync.show_server import BackendShowServer
    from studio.sync.supabase.backend import SupabaseBackend

    backend = SupabaseBackend("https://abc.supabase.co", "sb_publishable_test_key_123",
                              MemorySessionStore())
    try:
        provider, why = run(video_panel.default_provider(
            _Ctx("supabase", BackendShowServer(backend)), _Store(None)))
        headers = run(backend.function_headers())
    finally:
        run(backend.close())
    assert isinstance(provider, EdgeFunctionRooms) and why is None
    assert provider.url == "https://abc.supabase.co/functions/v1/hms-rooms"
    # Signed out, the bearer is the anon key; signed in it is the user's access token.
    assert headers == {"Authorization": "Bearer sb_publishable_test_key_123",
                       "apikey": "sb_publishable_test_key_123"}


def test_a_local_workspace_uses_the_keyring_account_or_says_why_not(run, qloop) -> None:
    from studio.session.rooms.credentials import CredentialsUnavailable

    creds = HmsCredentials.checked("ak_1234", "x" * 32, "tpl-1", "shop")
    own, why = run(video_panel.default_provider(_Ctx("local", object()), _Store(creds)))
    assert isinstance(own, DirectRooms) and why is None
    run(own.aclose())
    none, why = run(video_panel.default_provider(_Ctx("local", object()), _Store(None)))
    assert isinstance(none, NoVideoRooms) and why is None
    locked = CredentialsUnavailable("The system keyring is locked; unlock it and try again")
    none, why = run(video_panel.default_provider(_Ctx("local", object()), _Store(locked)))
    assert isinstance(none, NoVideoRooms) and why == locked.message


def test_the_host_invites_a_cohost_by_handle_and_removes_them(
        qtbot, run, wait_until, live_world, open_room) -> None:
    from test_live_support import f

    with live_world.owner.cursor() as cur:
        guest = f.create_influencer(cur)
    handle = live_world.one("select handle from public.influencers where id = %s",
                            (guest.profile_id,))
    screen: LiveScreen = open_room()
    wait_until(lambda: screen.video.cohosts.text() == "No co-hosts invited", WAIT)

    screen.video.cohost_handle.setText("@nobody_by_that_name")
    qtbot.mouseClick(screen.video.invite_button, Qt.MouseButton.LeftButton)
    run(screen.wait_idle(), timeout=WAIT)
    assert any("No host has the handle @nobody_by_that_name" in t
               for t in screen.notices.texts())
    assert live_world.one("select count(*) from public.live_session_cohosts") == 0

    screen.video.cohost_handle.setText(f"@{handle}")
    qtbot.mouseClick(screen.video.invite_button, Qt.MouseButton.LeftButton)
    run(screen.wait_idle(), timeout=WAIT)
    assert live_world.one("select influencer_id::text from public.live_session_cohosts"
                          " where session_id = %s", (live_world.session_id,)) == guest.profile_id
    assert screen.video.cohosts.text() == f"Invited @{handle} as co-host. Co-hosts: @{handle}"
    assert screen.video.remove_button.isVisible()

    qtbot.mouseClick(screen.video.remove_button, Qt.MouseButton.LeftButton)
    run(screen.wait_idle(), timeout=WAIT)
    assert live_world.one("select count(*) from public.live_session_cohosts") == 0
    assert screen.video.cohosts.text() == f"Removed @{handle}. No co-hosts invited"
    assert not screen.video.remove_button.isVisible()


def test_a_live_room_with_its_video_open_fits_the_room_at_1280x720(
        qtbot, run, wait_until, live_world, open_room, hms, own_account, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The room as the host sees it at 1280x720 (the sidebar's 210 px aside): live, the host
    code, the embedded view open; nothing scrolls sideways or is cut."""
    def real_view_offline(parent: Any) -> Any:
        view = video_view.make_web_view(parent)
        view.load = lambda url: None  # the real view; the page is not fetched
        return view

    monkeypatch.setattr(video_panel, "make_web_view", real_view_offline)
    screen: LiveScreen = open_room(size=(1070, 680))
    go_live(qtbot, run, wait_until, screen, live_world)
    qtbot.mouseClick(screen.video.open_button, Qt.MouseButton.LeftButton)
    qtbot.wait(100)

    centre = screen.centre_scroll
    assert centre.widget().width() <= centre.viewport().width() + 1
    assert screen.video.code.text().startswith("Host room code: ")
    assert screen.video.code.height() >= screen.video.code.heightForWidth(
        screen.video.code.width())
    assert screen.video.web_view is not None and screen.video.web_view.isVisible()
    folder = Path(os.environ.get("SHOPSTREAM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert screen.grab().save(str(folder / "control_room_live_video_1070x680.png"))
