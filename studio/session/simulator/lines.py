"""What simulated viewers say in chat: buyer intent, questions, small talk and emoji."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Kind = Literal["message", "question"]

COLOURS = ("blue", "black", "white", "pink", "green", "red", "beige", "grey")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
PLACES = ("Ohio", "Texas", "Toronto", "London", "Manila", "Lagos", "Sydney", "Denver", "Miami")

# {product}, {colour}, {size}, {n} and {place} are filled in; lines are kept short, as in chat.
BUYER_INTENT = (
    "sold!", "SOLD", "sold 🙌", "sold sold sold", "I'll take the {colour} one",
    "I'll take one!", "I'll take 2", "need the {product} 😍", "size {size} please",
    "{size} please!", "claiming the {colour} one", "adding to cart now", "mine!! 🛒",
    "just bought it 🎉", "sold! size {size}", "want it in {colour}",
)
QUESTIONS = (
    "how much?", "how much is the {product}?", "is it true to size?",
    "does it come in {colour}?", "what sizes do you have?", "is {size} still available?",
    "how long does shipping take?", "do you ship to {place}?", "what is it made of?",
    "can you show the back?", "is there a discount code?", "how many are left?",
    "will you restock the {product}?", "does it run small?",
)
SMALL_TALK = (
    "hi from {place}! 👋", "just joined, what did I miss?", "love this 😍", "🔥🔥🔥",
    "you look amazing", "first time here!", "love your shows ❤️", "this is so cute",
    "hiii", "😂😂", "great energy tonight", "👏👏👏", "obsessed with the {product}",
    "back again lol", "wow", "✨✨", "my sister has this and loves it", "the {colour} is gorgeous",
)
FLASH_SALE = (
    "FLASH SALE GO GO GO", "omg that price 😱", "flash sale!! ⚡", "quick quick",
    "got one before the timer ran out 🎉", "how long is the flash sale?", "deal of the night",
)
SOLD_OUT = ("sold out already?? 😭", "noooo missed it", "restock please!", "waitlist me 🙏")


@dataclass(frozen=True)
class Line:
    """One chat message and whether the viewer sent it as a question."""

    text: str
    kind: Kind


def say(
    rng: random.Random,
    product: str | None,
    *,
    flash_sale: bool = False,
    sold_out: bool = False,
) -> Line:
    """A chat line about `product` (the one on screen, if any); what is said follows the show:
    a flash sale brings rush lines, a sold-out product brings disappointment."""
    roll = rng.random()
    if flash_sale and roll < 0.35:
        pool, kind = FLASH_SALE, "message"
    elif sold_out and roll < 0.3:
        pool, kind = SOLD_OUT, "message"
    elif roll < 0.45:
        pool, kind = BUYER_INTENT, "message"
    elif roll < 0.7:
        pool, kind = QUESTIONS, "question"
    else:
        pool, kind = SMALL_TALK, "message"
    template = rng.choice(pool) if product else _without_product(rng.choice(pool))
    text = template.format(
        product=_short(product) if product else "this",
        colour=rng.choice(COLOURS),
        size=rng.choice(SIZES),
        place=rng.choice(PLACES),
    )
    # Some viewers send questions with the app's "Ask" button, most just type them.
    if kind == "question" and rng.random() < 0.5:
        kind = "message"
    return Line(text, kind)


def buyer_line(rng: random.Random) -> Line:
    """What a buyer says as they buy."""
    template = _without_product(rng.choice(BUYER_INTENT))
    return Line(template.format(product="this", colour=rng.choice(COLOURS),
                                size=rng.choice(SIZES), place=""), "message")


def _without_product(template: str) -> str:
    # With no product on screen "the {product}" reads "this", never "the this".
    return template.replace("the {product}", "{product}")


def _short(name: str) -> str:
    # Viewers name a product by its first words, not its full catalog title.
    words = name.split()
    return " ".join(words[:3]) if words else name
