"""Rehearsal audience: simulated customers who join, chat and buy in a live local show.

Public API (no Qt; the app's "Rehearse" button and `shopstream-studio simulate` use it):

    Audience(conninfo, show_id, AudienceConfig(...), on_progress=callback)
        await run() -> AudienceProgress     plays the audience, then leaves and closes
        await stop() -> AudienceProgress    stops promptly (same clean-up)
        progress                            the counts so far
    AudienceConfig(viewers, chat_rate, buy_probability, duration_s, seed)
    SimulatorError                          bad settings, or a show / workspace it refuses
    local_database(workspace.server) -> conninfo   (SimulatorError for a Supabase workspace)
"""

from typing import TYPE_CHECKING, Any

from studio.session.simulator.config import AudienceConfig, SimulatorError
from studio.session.simulator.progress import AudienceProgress

if TYPE_CHECKING:
    from studio.session.simulator.audience import Audience
    from studio.session.simulator.show import local_database

__all__ = ["Audience", "AudienceConfig", "AudienceProgress", "SimulatorError", "local_database"]


def __getattr__(name: str) -> Any:
    # Audience and local_database bring the database driver: imported on first use, so a
    # screen that only shows an audience's progress does not load it.
    if name == "Audience":
        from studio.session.simulator.audience import Audience

        return Audience
    if name == "local_database":
        from studio.session.simulator.show import local_database

        return local_database
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
