"""The control room's video: where it comes from (edge function, own 100ms account, or a
rehearsal without video), the host room code, the embedded Prebuilt view, restreams and
co-hosts. The rules live in studio.session.rooms; this module is widgets and wiring."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.show_state import ShowState
from studio.session.errors import SessionError
from studio.session.rooms.credentials import PLATFORMS, CredentialStore
from studio.session.rooms.errors import RoomError
from studio.session.rooms.models import prebuilt_url
from studio.session.rooms.providers import NO_VIDEO
from studio.session.rooms.show_video import ShowVideo
from studio.ui.context import ScreenContext
from studio.ui.screens.live.room import LiveRoom
from studio.ui.screens.live.video_sources import (
    CohostedShows,
    HandleLookup,
    ProviderSource,
    ShowCohosts,
    default_provider,
    server_cohosted_shows,
    server_host_lookup,
    server_show_cohosts,
)
from studio.ui.screens.live.video_view import make_web_view, open_in_browser, web_engine_available

log = logging.getLogger(__name__)

class VideoPanel(QGroupBox):
    """Video of the open show. `go_live()` and `end_show()` replace the room's own: the room
    opens before the show starts and closes after it ends."""

    notice = Signal(str, str)  # (words, level) for the control room's toasts

    def __init__(self, ctx: ScreenContext, room: LiveRoom, parent: QWidget | None = None, *,
                 providers: ProviderSource | None = None, store: CredentialStore | None = None,
                 find_host: HandleLookup | None = None,
                 cohosted: CohostedShows | None = None,
                 show_cohosts: ShowCohosts | None = None) -> None:
        super().__init__("Video", parent)
        self.setObjectName("liveVideo")
        self.ctx, self.room = ctx, room
        self.store = store or CredentialStore()
        self._providers = providers or (lambda: default_provider(ctx, self.store))
        self._find_host = find_host or server_host_lookup(ctx)
        self._cohosted = cohosted or server_cohosted_shows(ctx)
        self._show_cohosts = show_cohosts or server_show_cohosts(ctx)
        self.video: ShowVideo | None = None
        self.web_view: Any = None
        self.cohost_code: str | None = None
        self.cohost_show: str | None = None
        self._why_none: str | None = None

        self.mode = QLabel("")
        self.mode.setObjectName("liveVideoMode")
        self.mode.setWordWrap(True)
        self.code = QLabel("")
        self.code.setObjectName("liveVideoCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setWordWrap(True)
        self.open_button = QPushButton("Open video")
        self.close_button = QPushButton("Close video")
        self.platforms = {p: QCheckBox(name) for p, (name, _url) in PLATFORMS.items()}
        self.restream_start = QPushButton("Start restream")
        self.restream_stop = QPushButton("Stop restream")
        self.restream_state = QLabel("")
        self.cohost_handle = QLineEdit()
        self.cohost_handle.setPlaceholderText("Co-host's handle")
        self.cohost_handle.setAccessibleName("Co-host's handle")
        self.invite_button = QPushButton("Invite co-host")
        self.cohosts = QLabel("")
        self.cohosts.setWordWrap(True)
        self.invited = QComboBox()
        self.invited.setAccessibleName("Invited co-hosts")
        self.remove_button = QPushButton("Remove co-host")
        self.cohosting = QComboBox()
        self.cohosting.setAccessibleName("Shows you co-host")
        self.cohost_open = QPushButton("Open as co-host")
        self.cohosting_row = QWidget()

        # Short rows, so the panel fits the control room's centre column at 1280x720 without
        # a sideways scroll: each row holds at most a label or field and two buttons.
        buttons = QHBoxLayout()
        buttons.addWidget(self.code, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.close_button)
        platforms = QHBoxLayout()
        platforms.addWidget(QLabel("Restream to"))
        for box in self.platforms.values():
            platforms.addWidget(box)
        platforms.addStretch(1)
        restream_buttons = QHBoxLayout()
        restream_buttons.addStretch(1)
        restream_buttons.addWidget(self.restream_start)
        restream_buttons.addWidget(self.restream_stop)
        restream = QVBoxLayout()
        restream.addLayout(platforms)
        restream.addLayout(restream_buttons)
        invite = QHBoxLayout()
        invite.addWidget(self.cohost_handle, 1)
        invite.addWidget(self.invite_button)
        remove = QHBoxLayout()
        remove.addWidget(self.invited, 1)
        remove.addWidget(self.remove_button)
        cohost = QVBoxLayout()
        cohost.addLayout(invite)
        cohost.addLayout(remove)
        cohosting = QHBoxLayout(self.cohosting_row)
        cohosting.setContentsMargins(0, 0, 0, 0)
        cohosting.addWidget(QLabel("You co-host"))
        cohosting.addWidget(self.cohosting, 1)
        cohosting.addWidget(self.cohost_open)
        self.cohosting_row.setVisible(False)
        self.view_area = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.mode)
        layout.addLayout(buttons)
        layout.addLayout(self.view_area)
        layout.addLayout(restream)
        layout.addWidget(self.restream_state)
        layout.addLayout(cohost)
        layout.addWidget(self.cohosts)
        layout.addWidget(self.cohosting_row)

        self.open_button.clicked.connect(self.open_video)
        self.close_button.clicked.connect(self.close_video)
        self.restream_start.clicked.connect(
            lambda: self.room.spawn(self.start_restream(), "Starting the restream"))
        self.restream_stop.clicked.connect(
            lambda: self.room.spawn(self.stop_restream(), "Stopping the restream"))
        self.invite_button.clicked.connect(
            lambda: self.room.spawn(self.invite_cohost(), "Inviting the co-host"))
        self.cohost_open.clicked.connect(self.open_cohosted)
        self.remove_button.clicked.connect(
            lambda: self.room.spawn(self.remove_cohost(), "Removing the co-host"))
        room.opened.connect(self._show_opened)
        room.shows_changed.connect(
            lambda _rows: self.room.spawn(self.load_cohosted(), "Reading co-hosted shows",
                                          busy=False))
        room.changed.connect(self.render)
        self.render()

    # ------------------------------------------------------------------ the provider
    async def _video(self, *, fresh: bool = False) -> ShowVideo:
        """The show's video; `fresh` asks the workspace again (credentials may have changed
        in Settings) unless a room is open."""
        if self.video is not None and (not fresh or self.video.room is not None):
            return self.video
        provider, why = await self._providers()
        if self.video is not None:
            await self.video.provider.aclose()
        self.video, self._why_none = ShowVideo(provider, self.ctx.show_server), why
        self.render()
        return self.video

    def _mine(self) -> bool:
        session = self.room.session
        if self.cohost_show is not None and (session is None
                                             or session.session_id == self.cohost_show):
            return False
        return session is None or not self.room.host_id or session.host_id == self.room.host_id

    # ------------------------------------------------------------------ going live and ending
    async def go_live(self) -> None:
        """Open the room (when this workspace has video), then go live; see ShowVideo."""
        session = self.room.session
        if session is None:
            raise SessionError("Choose a show first")
        video = await self._video(fresh=True)
        await video.go_live(session.session_id, lambda: self.room.go_live(False), session.title)
        self.render()

    async def end_show(self) -> None:
        session = self.room.session
        if session is None:
            raise SessionError("Choose a show first")
        video = await self._video()
        _report, problem = await video.end_show(session.session_id, self.room.end_show)
        self.close_video()
        if problem:
            self.notice.emit(problem, "warning")
        self.render()

    def _show_opened(self, show_id: str) -> None:
        self.close_video()
        if self.video is not None:
            self.video.forget()
        if show_id != self.cohost_show:
            self.cohost_show, self.cohost_code = None, None
        session = self.room.session
        if session is not None and (session.state is ShowState.LIVE or not self._mine()):
            self.room.spawn(self._resume(), "Opening the video room", busy=False)
        self.room.spawn(self.load_cohosts(), "Reading the co-hosts", busy=False)
        self.render()

    async def _resume(self) -> None:
        """A show already live (after a restart, or as co-host): find its room again."""
        session = self.room.session
        if session is None:
            return
        video = await self._video(fresh=True)
        if not self._mine():  # the co-host's code is the server's to give, video or not
            self.cohost_code = await video.my_cohost_code(session.session_id)
        elif video.has_video:
            await video.resume(session.session_id, session.title)
        self.render()

    # ------------------------------------------------------------------ the view
    def video_url(self) -> str | None:
        video = self.video
        if video is None:
            return None
        if not self._mine():  # a co-host joins with their own code, where the app is known
            subdomain = getattr(getattr(video.provider, "credentials", None), "subdomain", "")
            code = self.cohost_code
            return prebuilt_url(subdomain, code) if subdomain and code else None
        if video.room is None:
            return None
        return video.room.url_for("host")

    def open_video(self) -> None:
        url = self.video_url()
        if url is None:
            self.notice.emit("There is no video room to open yet: go live first", "error")
            return
        if not web_engine_available():
            if not open_in_browser(url):
                self.notice.emit(f"No browser opened the video; open {url} yourself", "error")
            return
        if self.web_view is None:
            from PySide6.QtCore import QUrl

            self.web_view = make_web_view(self)
            self.web_view.setMinimumHeight(320)
            self.view_area.addWidget(self.web_view)
            self.web_view.load(QUrl(url))
        self.render()

    def close_video(self) -> None:
        view, self.web_view = self.web_view, None
        if view is not None:
            self.view_area.removeWidget(view)
            view.setParent(None)
            view.deleteLater()
        self.render()

    # ------------------------------------------------------------------ restreams and co-hosts
    def chosen_platforms(self) -> list[str]:
        return [p for p, box in self.platforms.items() if box.isChecked()]

    async def start_restream(self) -> None:
        video = await self._video()
        chosen = self.chosen_platforms()
        if not chosen:
            raise RoomError("Tick the platforms to restream to", code="bad_input")
        urls = await asyncio.to_thread(self.store.rtmp_urls, chosen)
        await video.start_restream(urls)
        names = ", ".join(PLATFORMS[p][0] for p in chosen)
        self.restream_state.setText(f"● Restreaming to {names}")
        self.render()

    async def stop_restream(self) -> None:
        video = await self._video()
        await video.stop_restream()
        self.restream_state.setText("Restream stopped")
        self.render()

    async def invite_cohost(self) -> None:
        session = self.room.session
        if session is None:
            raise SessionError("Choose a show first")
        handle = self.cohost_handle.text().strip().lstrip("@").lower()
        if not handle:
            raise RoomError("Type the co-host's handle", code="bad_input")
        if self._find_host is None:
            raise RoomError("Co-hosts cannot be looked up in this workspace", code="no_server")
        influencer = await self._find_host(handle)
        if influencer is None:
            raise RoomError(f"No host has the handle @{handle}", code="bad_input")
        video = await self._video()
        await video.invite_cohost(session.session_id, influencer)
        self.cohost_handle.clear()
        await self.load_cohosts()
        self.cohosts.setText(f"Invited @{handle} as co-host. {self.cohosts.text()}")

    async def remove_cohost(self) -> None:
        session = self.room.session
        influencer = self.invited.currentData()
        if session is None or not influencer:
            raise RoomError("Choose a co-host to remove", code="bad_input")
        handle = self.invited.currentText()
        await (await self._video()).remove_cohost(session.session_id, str(influencer))
        await self.load_cohosts()
        self.cohosts.setText(f"Removed {handle}. {self.cohosts.text()}")

    async def load_cohosts(self) -> None:
        """The open show's co-hosts (its host's view)."""
        session = self.room.session
        rows = []
        if session is not None and self._mine() and self._show_cohosts is not None:
            rows = await self._show_cohosts(session.session_id)
        self.invited.clear()
        for row in sorted(rows, key=lambda r: str(r.get("handle"))):
            self.invited.addItem(f"@{row.get('handle')}", str(row["id"]))
        names = ", ".join(self.invited.itemText(i) for i in range(self.invited.count()))
        self.cohosts.setText(f"Co-hosts: {names}" if names else "No co-hosts invited")
        self.render()

    async def load_cohosted(self) -> None:
        """The shows this host is invited to co-host, offered to open read-only."""
        if self._cohosted is None:
            return
        rows = await self._cohosted()
        current = self.cohosting.currentData()
        self.cohosting.clear()
        for row in rows:
            self.cohosting.addItem(f"{row.get('title') or 'Untitled'} — {row.get('status')}",
                                   str(row["id"]))
        index = self.cohosting.findData(current)
        self.cohosting.setCurrentIndex(max(index, 0))
        self.cohosting_row.setVisible(bool(rows))

    def open_cohosted(self) -> None:
        show_id = self.cohosting.currentData()
        if show_id:
            self.room.spawn(self._open_as_cohost(str(show_id)), "Opening the show as co-host")

    async def _open_as_cohost(self, show_id: str) -> None:
        """My co-host code first (the server gives it to invited co-hosts), then the show's
        control room, read-only, as far as the server lets a co-host read it."""
        video = await self._video(fresh=True)
        self.close_video()
        self.cohost_show = show_id
        self.cohost_code = await video.my_cohost_code(show_id)
        self.render()
        try:
            await self.room.open(show_id)
        except SessionError as exc:
            self.notice.emit(f"Your co-host room code is shown; the show's control room is "
                             f"not readable here ({exc.message})", "warning")

    # ------------------------------------------------------------------ painting
    def _mode_text(self) -> str:
        video = self.video
        if video is None:
            return "Video: checked when you go live"
        if not video.has_video:
            why = f" ({self._why_none})" if self._why_none else ""
            return f"▢ {NO_VIDEO}{why}"
        return f"▣ {video.provider.label}"

    def render(self) -> None:
        session = self.room.session
        video = self.video
        live = session is not None and session.state is ShowState.LIVE
        room = video.room if video is not None else None
        mine = self._mine()
        self.mode.setText(self._mode_text())
        if not mine:
            code = self.cohost_code
            self.code.setText(f"Co-host view (read-only) — your room code: {code}" if code
                              else "Co-host view (read-only) — no room code yet")
        elif room is not None:
            self.code.setText(f"Host room code: {room.host_code}")
        else:
            self.code.setText("")
        self.open_button.setEnabled(self.video_url() is not None and self.web_view is None)
        self.close_button.setVisible(self.web_view is not None)
        restreaming = bool(video and video.restreaming)
        can_restream = live and mine and room is not None
        for box in self.platforms.values():
            box.setEnabled(can_restream and not restreaming)
        self.restream_start.setEnabled(can_restream and not restreaming)
        self.restream_stop.setEnabled(can_restream and restreaming)
        can_invite = mine and session is not None and session.state in (
            ShowState.SCHEDULED, ShowState.LIVE)
        self.cohost_handle.setEnabled(can_invite)
        self.invite_button.setEnabled(can_invite)
        self.invited.setVisible(mine and self.invited.count() > 0)
        self.remove_button.setVisible(mine and self.invited.count() > 0)
        self.remove_button.setEnabled(can_invite)
