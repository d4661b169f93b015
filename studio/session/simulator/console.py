"""The rehearsal audience in a terminal: progress once a second, Ctrl+C stops it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import TextIO

from studio.server import db
from studio.session.simulator.audience import Audience
from studio.session.simulator.config import AudienceConfig
from studio.session.simulator.progress import AudienceProgress
from studio.session.simulator.show import check_local, check_show_id
from studio.session.simulator.show import go_live as start_show


def run_in_console(
    conninfo: str, show_id: str, config: AudienceConfig, out: TextIO, *, go_live: bool = False
) -> int:
    """Run an audience until it ends or Ctrl+C; print progress to `out`. Returns the exit
    code: 0 when it finished or was stopped, 1 when it broke off (e.g. lost the server).
    With `go_live`, a scheduled public show is started first, as its host. Raises
    SimulatorError when the settings, the show or the database are refused."""
    config.validate()
    show_id = check_show_id(show_id)
    if go_live:
        with db.connect(conninfo, autocommit=True) as conn:
            check_local(conn)
            if start_show(conn, show_id):
                print("The show is live on the local server: a rehearsal, no real customer"
                      " can reach it.", file=out)
    return asyncio.run(_run(conninfo, show_id, config, out))


async def _run(conninfo: str, show_id: str, config: AudienceConfig, out: TextIO) -> int:
    loop = asyncio.get_running_loop()
    announced = False

    def heard(progress: AudienceProgress) -> None:
        nonlocal announced
        if not announced and audience.show is not None and progress.state == "running":
            announced = True
            c = audience.config
            print(f"Rehearsal audience for {audience.show.title!r}: {c.viewers} viewers, "
                  f"{c.chat_rate:g} messages/s, buy probability {c.buy_probability:g} per "
                  f"minute, {c.duration_s:g} s, seed {c.seed} (Ctrl+C stops)", file=out)
        if progress.state == "running":
            print(progress.summary(), file=out, flush=True)

    def interrupted() -> None:
        # The first Ctrl+C stops cleanly; a second one interrupts as usual.
        loop.remove_signal_handler(signal.SIGINT)
        print("Stopping: viewers are leaving…", file=out, flush=True)
        audience.request_stop()

    audience = Audience(conninfo, show_id, config, on_progress=heard)
    handled = False
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, interrupted)  # not on Windows' loop
        handled = True
    try:
        progress = await audience.run()
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGINT)
    print(_ending(progress), file=out, flush=True)
    return 1 if progress.error else 0


def _ending(progress: AudienceProgress) -> str:
    if progress.error:
        head = f"Broke off: {progress.error}"
    elif progress.stop_reason == "finished":
        head = "Finished"
    elif progress.stop_reason == "stopped":
        head = "Stopped"
    else:
        head = f"Ended early ({progress.stop_reason})"
    lines = [f"{head}. {progress.summary()}"]
    lines.append(f"Viewers joined {progress.joins} times and left {progress.leaves} times; "
                 f"{progress.buys_tried} purchases tried.")
    if progress.messages_held_back:
        lines.append(f"{progress.messages_held_back:,} messages not sent: the viewers picked "
                     "were at their chat limit.")
    if progress.refusals:
        listed = ", ".join(f"{kind} – {reason}: {n:,}"
                           for (kind, reason), n in sorted(progress.refusals.items()))
        lines.append(f"Refused by the server: {listed}")
    return "\n".join(lines)
