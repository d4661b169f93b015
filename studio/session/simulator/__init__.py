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

from studio.session.simulator.audience import Audience
from studio.session.simulator.config import AudienceConfig, SimulatorError
from studio.session.simulator.progress import AudienceProgress
from studio.session.simulator.show import local_database

__all__ = ["Audience", "AudienceConfig", "AudienceProgress", "SimulatorError", "local_database"]
