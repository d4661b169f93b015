"""The Rehearse button's audience: the session layer's simulated customers, run as a task on the
app's loop, with their progress as Qt signals."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from studio.session.simulator import AudienceConfig, AudienceProgress, SimulatorError

if TYPE_CHECKING:
    from studio.session.simulator import Audience

log = logging.getLogger(__name__)

# A lively room for a rehearsal: a few hundred viewers chatting and buying for half an hour.
REHEARSAL_AUDIENCE = AudienceConfig(viewers=150, chat_rate=12.0, buy_probability=0.08,
                                    duration_s=1800.0)


class RehearsalAudience(QObject):
    """`start(conninfo, show_id)` plays an audience until it ends or `stop()`;
    `progress(AudienceProgress)` about once a second, `finished(AudienceProgress)` at the end,
    `failed(str)` when it could not start."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, config: AudienceConfig = REHEARSAL_AUDIENCE,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.audience: Audience | None = None
        self.task: asyncio.Task[Any] | None = None
        self.last: AudienceProgress | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, conninfo: str, show_id: str) -> None:
        if self.running:
            return
        # Imported when first needed: the audience brings the database driver, which the
        # studio's start-up does without.
        from studio.session.simulator import Audience

        try:
            self.audience = Audience(conninfo, show_id, self.config,
                                     on_progress=self._on_progress)
        except SimulatorError as exc:
            self.failed.emit(str(exc))
            return
        self.task = asyncio.ensure_future(self._run(self.audience))

    async def _run(self, audience: Audience) -> None:
        try:
            final = await audience.run()
        except SimulatorError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:
            log.exception("The rehearsal audience failed")
            self.failed.emit(f"The simulated audience stopped: {exc}")
            return
        self.last = final
        self.finished.emit(final)

    def _on_progress(self, progress: AudienceProgress) -> None:
        self.last = progress
        self.progress.emit(progress)

    async def stop(self) -> None:
        """Stop the audience (viewers leave, connections close) and wait for it."""
        audience, task = self.audience, self.task
        if audience is None or task is None or task.done():
            return
        await audience.stop()
        await asyncio.gather(task, return_exceptions=True)
