"""The audience's script: who joins, leaves, chats and buys at each step, from the seed."""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass

from studio.session.simulator.config import (
    CHAT_MESSAGES_PER_VIEWER,
    CHAT_WINDOW_S,
    TICK_S,
    AudienceConfig,
)
from studio.session.simulator.lines import buyer_line, say

MEAN_STAY_S = 120.0
"""How long a viewer watches on average before leaving (some come back later)."""
RAMP_S = 10.0
"""Viewers arrive over the first seconds of the run (a quarter of it when shorter)."""
FLASH_RUSH = 8.0
"""How much likelier a viewer is to buy while a flash sale is on."""
FLASH_FOCUS = 0.8
FEATURED_FOCUS = 0.7
BUYER_TALKS = 0.5
_WINDOW_STEPS = round(CHAT_WINDOW_S / TICK_S)
_AUTHOR_TRIES = 8


@dataclass(frozen=True)
class Product:
    """A lineup item as a viewer sees it."""

    id: str
    name: str
    sold_out: bool = False
    flash_sale: bool = False


@dataclass(frozen=True)
class ShowView:
    """What viewers see of the show at one moment: chat open, the lineup, what is featured."""

    chat_enabled: bool = True
    featured_id: str | None = None
    products: tuple[Product, ...] = ()

    def product(self, live_product_id: str | None) -> Product | None:
        return next((p for p in self.products if p.id == live_product_id), None)

    @property
    def flash_sale(self) -> Product | None:
        return next((p for p in self.products if p.flash_sale), None)


@dataclass(frozen=True)
class Join:
    viewer: int


@dataclass(frozen=True)
class Leave:
    viewer: int


@dataclass(frozen=True)
class Chat:
    viewer: int
    text: str
    kind: str


@dataclass(frozen=True)
class Buy:
    viewer: int
    live_product_id: str
    quantity: int


@dataclass
class Step:
    """Everything the audience does in one step, in the order it is sent."""

    number: int
    leaves: list[Leave]
    joins: list[Join]
    chats: list[Chat]
    buys: list[Buy]
    chats_held_back: int = 0
    """Messages not planned because every picked viewer was at its chat limit."""


class _Crowd:
    """Who is watching: O(1) pick, add and remove by index swap."""

    def __init__(self, members: list[int]) -> None:
        self.members = members
        self.index = {m: i for i, m in enumerate(members)}

    def __len__(self) -> int:
        return len(self.members)

    def add(self, member: int) -> None:
        self.index[member] = len(self.members)
        self.members.append(member)

    def remove(self, member: int) -> None:
        i = self.index.pop(member)
        last = self.members.pop()
        if last != member:
            self.members[i] = last
            self.index[last] = i

    def pick(self, rng: random.Random) -> int:
        return self.members[rng.randrange(len(self.members))]


def _rounded(rng: random.Random, expected: float) -> int:
    """`expected` rounded up or down at random so that the average is exact."""
    whole = math.floor(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


class Planner:
    """Plays the audience step by step. Viewers are numbered 1..viewers (their simulated
    accounts); the same config (seed included) and the same show give the same steps, whatever
    the server answers, so a rehearsal can be replayed."""

    def __init__(self, config: AudienceConfig) -> None:
        self.config = config.validate()
        seed = config.seed
        # One stream per concern: what one part draws never shifts the others.
        self._presence = random.Random(f"{seed}/presence")
        self._chat = random.Random(f"{seed}/chat")
        self._buying = random.Random(f"{seed}/buying")
        self.watching = _Crowd([])
        self.away = _Crowd(list(range(1, config.viewers + 1)))
        self._sent: dict[int, deque[int]] = {}
        self._step = 0
        self._ramp_steps = max(1, round(min(RAMP_S, config.duration_s / 4) / TICK_S))

    def next_step(self, view: ShowView) -> Step:
        """The actions of the next step, given what viewers see of the show now."""
        number = self._step
        self._step += 1
        leaves, joins = self._come_and_go(number)
        buys = self._buys(view)
        chats, held = self._chats(number, view, buys)
        return Step(number, leaves, joins, chats, buys, held)

    # ------------------------------------------------------------------------ presence
    def _come_and_go(self, number: int) -> tuple[list[Leave], list[Join]]:
        rng = self._presence
        leaving = _rounded(rng, len(self.watching) * TICK_S / MEAN_STAY_S)
        leavers = [self.watching.pick(rng) for _ in range(leaving)]
        leaves = []
        for viewer in dict.fromkeys(leavers):  # one leave per viewer, in drawn order
            self.watching.remove(viewer)
            leaves.append(Leave(viewer))
        target = min(1.0, (number + 1) / self._ramp_steps) * self.config.viewers
        joins = []
        for _ in range(min(len(self.away), max(0, round(target) - len(self.watching)))):
            viewer = self.away.pick(rng)
            self.away.remove(viewer)
            self.watching.add(viewer)
            joins.append(Join(viewer))
        for leave in leaves:  # back among those who may come again, from the next step on
            self.away.add(leave.viewer)
        return leaves, joins

    # ---------------------------------------------------------------------------- chat
    def _may_chat(self, viewer: int, number: int) -> bool:
        sent = self._sent.get(viewer)
        if sent is None:
            return True
        while sent and sent[0] <= number - _WINDOW_STEPS:
            sent.popleft()
        # One message per viewer per step: the server serialises each user's messages (rate
        # limit lock), so a viewer twice in one step could deadlock two batches.
        return len(sent) < CHAT_MESSAGES_PER_VIEWER and (not sent or sent[-1] != number)

    def _record(self, viewer: int, number: int) -> None:
        self._sent.setdefault(viewer, deque()).append(number)

    def _chats(self, number: int, view: ShowView, buys: list[Buy]) -> tuple[list[Chat], int]:
        rng = self._chat
        wanted = _rounded(rng, self.config.chat_rate * TICK_S)
        if not view.chat_enabled or not len(self.watching):
            return [], 0
        chats: list[Chat] = []
        for buy in buys:
            if rng.random() < BUYER_TALKS and self._may_chat(buy.viewer, number):
                line = buyer_line(rng)
                chats.append(Chat(buy.viewer, line.text, line.kind))
                self._record(buy.viewer, number)
        featured = view.product(view.featured_id)
        flash = view.flash_sale
        on_screen = flash or featured
        held = 0
        for _ in range(wanted):
            author = None
            for _try in range(_AUTHOR_TRIES):
                candidate = self.watching.pick(rng)
                if self._may_chat(candidate, number):
                    author = candidate
                    break
            if author is None:
                held += 1
                continue
            line = say(rng, on_screen.name if on_screen else None,
                       flash_sale=flash is not None,
                       sold_out=bool(on_screen and on_screen.sold_out))
            chats.append(Chat(author, line.text, line.kind))
            self._record(author, number)
        return chats, held

    # -------------------------------------------------------------------------- buying
    def _buys(self, view: ShowView) -> list[Buy]:
        rng = self._buying
        flash = view.flash_sale
        chance = self.config.buy_probability * TICK_S / 60.0 * (FLASH_RUSH if flash else 1.0)
        count = _rounded(rng, len(self.watching) * min(chance, 1.0))
        if not view.products or not len(self.watching):
            return []
        featured = view.product(view.featured_id)
        buys = []
        for _ in range(count):
            viewer = self.watching.pick(rng)
            roll = rng.random()
            # Buyers go for what is on screen, sold out or not: the server says no, not them.
            if flash is not None and roll < FLASH_FOCUS:
                product = flash
            elif featured is not None and roll < FEATURED_FOCUS:
                product = featured
            else:
                product = view.products[rng.randrange(len(view.products))]
            quantity = 2 if rng.random() < 0.1 else 1
            buys.append(Buy(viewer, product.id, quantity))
        return buys
