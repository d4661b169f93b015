"""The audience's script without a server: reproducible, within the chat limit, buyers' focus."""

from __future__ import annotations

import random
from collections import Counter, deque

import pytest

from studio.session.simulator.config import TICK_S, AudienceConfig
from studio.session.simulator.lines import buyer_line, say
from studio.session.simulator.plan import Planner, Product, ShowView, Step

LINEUP = (Product("p1", "Silk Scarf"), Product("p2", "Glow Serum"), Product("p3", "Tote Bag"))
VIEW = ShowView(featured_id="p1", products=LINEUP)


def play(config: AudienceConfig, view: ShowView = VIEW, steps: int = 300) -> list[Step]:
    planner = Planner(config)
    return [planner.next_step(view) for _ in range(steps)]


def test_the_same_seed_gives_the_same_steps_and_another_seed_others() -> None:
    config = AudienceConfig(viewers=200, chat_rate=40, buy_probability=0.5, seed=9)
    assert play(config) == play(config)
    assert play(config) != play(AudienceConfig(viewers=200, chat_rate=40, buy_probability=0.5,
                                               seed=10))


def test_viewers_arrive_then_come_and_go_around_the_target() -> None:
    config = AudienceConfig(viewers=150, chat_rate=0, duration_s=120)
    planner = Planner(config)
    watching: set[int] = set()
    sizes = []
    for _ in range(1200):
        step = planner.next_step(VIEW)
        for leave in step.leaves:
            assert leave.viewer in watching
            watching.remove(leave.viewer)
        for join in step.joins:
            assert join.viewer not in watching and 1 <= join.viewer <= 150
            watching.add(join.viewer)
        sizes.append(len(watching))
    assert sizes[0] < 150 and max(sizes) == 150  # a ramp, never above the target
    assert sum(len(s.leaves) for s in play(config, steps=1200)) > 0  # people do leave


def test_chat_follows_the_rate_and_each_viewer_stays_under_the_server_limit() -> None:
    config = AudienceConfig(viewers=1000, chat_rate=350, seed=3, duration_s=60)
    steps = play(config, steps=600)
    sent = sum(len(s.chats) for s in steps[100:])  # after the ramp
    assert sent == pytest.approx(350 * 500 * TICK_S, rel=0.05)
    recent: dict[int, deque[int]] = {}
    for step in steps:
        authors = Counter(c.viewer for c in step.chats)
        assert max(authors.values(), default=0) <= 1  # one message per viewer per step
        for viewer in authors:
            window = recent.setdefault(viewer, deque())
            window.append(step.number)
            while window[0] <= step.number - round(10 / TICK_S):
                window.popleft()
            assert len(window) <= 4  # in any 10 s: the server allows 5


def test_buyers_rush_a_flash_sale_and_keep_trying_a_sold_out_product() -> None:
    flash = ShowView(featured_id="p1", products=(
        Product("p1", "Silk Scarf"), Product("p2", "Glow Serum", sold_out=True, flash_sale=True),
        Product("p3", "Tote Bag")))
    config = AudienceConfig(viewers=500, chat_rate=0, buy_probability=0.5, seed=1)
    calm = [b for s in play(config) for b in s.buys]
    rush = [b for s in play(config, flash) for b in s.buys]
    assert len(rush) > 4 * len(calm) > 0
    # Sold out or not, buyers go for the flash sale: the server refuses, not the simulator.
    assert Counter(b.live_product_id for b in rush).most_common(1)[0][0] == "p2"
    assert Counter(b.live_product_id for b in calm).most_common(1)[0][0] == "p1"  # featured


def test_nobody_chats_when_the_host_closes_the_chat() -> None:
    closed = ShowView(chat_enabled=False, featured_id="p1", products=LINEUP)
    steps = play(AudienceConfig(viewers=100, chat_rate=30), closed)
    assert not any(s.chats for s in steps)


def test_lines_include_buyer_intent_questions_and_the_product_on_screen() -> None:
    rng = random.Random(1)
    lines = [say(rng, "Silk Scarf Deluxe Edition") for _ in range(400)]
    texts = [line.text for line in lines]
    assert any(t.lower().startswith(("sold", "i'll take")) for t in texts)
    assert any("size" in t.lower() for t in texts)
    assert any(t.endswith("?") for t in texts)
    assert any("Silk Scarf Deluxe" in t for t in texts)
    assert {line.kind for line in lines} == {"message", "question"}
    assert all(0 < len(t) <= 500 and t.strip() for t in texts)


def test_with_no_product_on_screen_lines_say_this_not_the_this() -> None:
    rng = random.Random(7)
    lines = [say(rng, None, flash_sale=n % 3 == 0, sold_out=n % 5 == 0).text
             for n in range(600)] + [buyer_line(rng).text for _ in range(200)]
    assert not [text for text in lines if "the this" in text]
    assert any("this" in text for text in lines)
