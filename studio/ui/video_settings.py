"""Settings › Video: the host's own 100ms account (access key, app secret, room template,
Prebuilt subdomain) and restream keys per platform, kept in the OS keyring only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.session.rooms.credentials import (
    PLATFORMS,
    CredentialStore,
    HmsCredentials,
    check_stream_key,
)
from studio.session.rooms.errors import RoomError

log = logging.getLogger(__name__)

STORED = "Stored in the system keyring — type to replace"


class VideoSettings(QGroupBox):
    """Enter or clear the 100ms credentials and stream keys. Secrets are never shown back: a
    stored one reads "stored"; an empty secret field on Save keeps the stored secret."""

    def __init__(self, store: Any = None, parent: QWidget | None = None) -> None:
        super().__init__("Video (100ms)", parent)
        self.setObjectName("videoSettings")
        self.store = store or CredentialStore()
        self._stored: HmsCredentials | None = None
        self._loaded = False
        self._tasks: set[asyncio.Future[Any]] = set()
        self.access_key = QLineEdit()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.template_id = QLineEdit()
        self.subdomain = QLineEdit()
        self.subdomain.setPlaceholderText("myshop (of myshop.app.100ms.live)")
        self.save_button = QPushButton("Save")
        self.clear_button = QPushButton("Clear")
        self.keys = {p: QLineEdit() for p in PLATFORMS}
        self.clear_keys = {p: QPushButton("Clear") for p in PLATFORMS}
        self.save_keys_button = QPushButton("Save stream keys")
        self.status = QLabel("")
        self.status.setObjectName("videoSettingsStatus")
        self.status.setWordWrap(True)

        intro = QLabel("Local workspace: go live with video through your own 100ms account. "
                       "A Supabase project uses the project's account instead. Stream keys "
                       "let the control room restream to your other platforms.")
        intro.setWordWrap(True)
        form = QFormLayout()
        for label, edit in (("Access key", self.access_key), ("App secret", self.secret),
                            ("Room template id", self.template_id),
                            ("Subdomain", self.subdomain)):
            edit.setAccessibleName(label)
            form.addRow(label, edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        keys = QFormLayout()
        for platform, (name, _url) in PLATFORMS.items():
            edit = self.keys[platform]
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setAccessibleName(f"{name} stream key")
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(self.clear_keys[platform])
            keys.addRow(f"{name} stream key", row)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addLayout(keys)
        layout.addWidget(self.save_keys_button)
        layout.addWidget(self.status)

        self.save_button.clicked.connect(lambda: self._start(self.save()))
        self.clear_button.clicked.connect(lambda: self._start(self.clear()))
        self.save_keys_button.clicked.connect(lambda: self._start(self.save_stream_keys()))
        for platform, button in self.clear_keys.items():
            button.clicked.connect(
                lambda _checked=False, p=platform: self._start(self.clear_stream_key(p)))

    # ------------------------------------------------------------------ running
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self._start(self.load())

    def _start(self, work: Awaitable[None]) -> asyncio.Future[None] | None:
        try:
            task = asyncio.ensure_future(self._guarded(work))
        except RuntimeError:  # no event loop (a bare widget test): nothing runs
            if asyncio.iscoroutine(work):
                work.close()
            return None
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guarded(self, work: Awaitable[None]) -> None:
        try:
            await work
        except RoomError as exc:  # bad input or no keyring: said here, nothing changed
            self.status.setText(f"✕ {exc.message}")
        except Exception as exc:
            log.exception("Video settings failed")
            self.status.setText(f"✕ That failed ({type(exc).__name__})")

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ------------------------------------------------------------------ the account
    async def load(self) -> None:
        self._stored = await asyncio.to_thread(self.store.load)
        keys = await asyncio.to_thread(self.store.stream_keys)
        stored = self._stored
        self.access_key.setText(stored.access_key if stored else "")
        self.template_id.setText(stored.template_id if stored else "")
        self.subdomain.setText(stored.subdomain if stored else "")
        self.secret.clear()
        self.secret.setPlaceholderText(STORED if stored else "")
        for platform, edit in self.keys.items():
            edit.clear()
            edit.setPlaceholderText(STORED if platform in keys else "")
        self.status.setText("100ms account: set" if stored else "No 100ms account set: a "
                            "local show goes live as a rehearsal without video")

    async def save(self) -> None:
        secret = self.secret.text() or (self._stored.secret if self._stored else "")
        credentials = HmsCredentials.checked(self.access_key.text(), secret,
                                             self.template_id.text(), self.subdomain.text())
        await asyncio.to_thread(self.store.save, credentials)
        await self.load()
        self.status.setText("✓ Saved in the system keyring")

    async def clear(self) -> None:
        await asyncio.to_thread(self.store.clear)
        await self.load()
        self.status.setText("✓ The 100ms account was removed from the system keyring")

    # ------------------------------------------------------------------ stream keys
    async def save_stream_keys(self) -> None:
        typed = {p: e.text().strip() for p, e in self.keys.items() if e.text().strip()}
        if not typed:
            raise RoomError("Type a stream key to save", code="bad_input")
        checked = {p: check_stream_key(p, key) for p, key in typed.items()}  # all, first
        for platform, key in checked.items():
            await asyncio.to_thread(self.store.save_stream_key, platform, key)
        await self.load()
        names = ", ".join(PLATFORMS[p][0] for p in checked)
        self.status.setText(f"✓ Stream keys saved: {names}")

    async def clear_stream_key(self, platform: str) -> None:
        await asyncio.to_thread(self.store.clear_stream_key, platform)
        await self.load()
        self.status.setText(f"✓ {PLATFORMS[platform][0]} stream key removed")
