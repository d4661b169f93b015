"""Chat rules for the control room's monitor: buyer intent, questions, and the word filter.

Pure text rules, tuned on the lines live-selling chats are made of ("sold!", "I'll take the
blue one", "how much?", "size M please", "XL?"). They favour precision: a highlight the host
learns to ignore is worse than a missed one, so phrases like "sold out?" or "I sold my old one"
are not buyer intent, and a bare capital letter is a size only next to size words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# "sold" as a claim ("sold!", "SOLD", "sold 2", "sold to me") but not a statement about stock
# ("sold out", "already sold", "is it sold") or a story ("I sold my bike").
_SOLD = re.compile(
    r"(?<![\w'])sold(?![\w'])(?!\s+out\b)(?!\s+(?:my|it|mine|them|those|that|this|the)\b)",
    re.IGNORECASE,
)
_NOT_A_CLAIM_BEFORE_SOLD = re.compile(
    r"\b(?:already|been|was|were|is|are|it's|its|got|get|being|be|not|never|i|we|they|he|she|you)"
    r"\s+sold\b",
    re.IGNORECASE,
)
_INTENT_PHRASES = re.compile(
    r"""(?<![\w'])(?:
        i['’]?ll\s+take | i\s+will\s+take | i\s+want\s+(?:it|one|two|this|that|the|a|[0-9]) |
        i['’]?ll\s+buy | i\s+will\s+buy | i['’]?d\s+like\s+(?:to\s+buy|one|two|it|this|that) |
        take\s+my\s+money | need\s+(?:it|this|that|one) |
        want\s+(?:it|this|that|one)\b(?!\s+to\s+know) |
        add\s+(?:it\s+|one\s+|this\s+|that\s+)?to\s+(?:my\s+)?cart | mine\b(?![?]) |
        how\s+much | what(?:['’]s|\s+is)\s+the\s+price | price\s*\? | how\s+many\s+left |
        (?:do\s+you\s+|u\s+)?ship\s+to | is\s+(?:it|this|that)\s+still\s+available |
        can\s+i\s+(?:get|buy|have|order) | put\s+me\s+down | claim(?:ing)?\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Sizes: "size M", "size 8", "in a medium", or a clothing size written on its own ("XL", "xs",
# "2XL"). A lone "M", "S" or "L" counts only after a size word (too many false hits otherwise:
# "I'm", "S club", "L.A.").
_SIZE_WORD = re.compile(
    r"\b(?:size|sz|sizes)\s*[:#]?\s*(?:xx?s|xx?l|[2-5]xl|s|m|l|\d{1,2}(?:\.5)?)\b", re.IGNORECASE
)
_SIZE_TOKEN = re.compile(r"(?<![\w'’-])(?:XXS|XS|XXL|XXXL|XL|[2-5]XL)(?![\w'’-])", re.IGNORECASE)
_SIZE_NAMED = re.compile(
    r"\b(?:in\s+(?:a\s+)?|one\s+|a\s+)(?:small|medium|large|x-?large|xx-?large)\b", re.IGNORECASE
)
_QUESTION_START = re.compile(
    r"^\s*(?:@\w+\s*)?(?:how|what|when|where|which|who|why|is|are|does|do|can|could|will|would|"
    r"has|have|any|anyone)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w'’]+", re.UNICODE)


class ChatKind(StrEnum):
    """How the monitor shows a message: intent and questions are highlighted, filtered hidden."""

    BUYER_INTENT = "buyer_intent"
    QUESTION = "question"
    FILTERED = "filtered"
    MESSAGE = "message"


def mentions_size(text: str) -> bool:
    """Whether the message names a clothing size ("size M", "XL", "in a medium")."""
    return bool(
        _SIZE_WORD.search(text) or _SIZE_TOKEN.search(text) or _SIZE_NAMED.search(text)
    )


def _claims_sold(text: str) -> bool:
    for match in _SOLD.finditer(text):
        before = text[: match.end()]
        if not _NOT_A_CLAIM_BEFORE_SOLD.search(before[-20:]):
            return True
    return False


def is_buyer_intent(text: str) -> bool:
    """Whether the sender wants to buy: a claim ("sold!"), an order phrase ("I'll take",
    "add to cart"), a price or stock question ("how much?"), or a size ("size M", "XL")."""
    return _claims_sold(text) or bool(_INTENT_PHRASES.search(text)) or mentions_size(text)


def is_question(text: str) -> bool:
    """A question for the host: ends with a question mark, or opens like one ("how do I ...")."""
    stripped = text.strip()
    if not stripped:
        return False
    return stripped.rstrip(" !.)\U0001f000-\U0001ffff").endswith("?") or bool(
        _QUESTION_START.match(stripped) and len(_WORD.findall(stripped)) >= 3
    )


class WordFilter:
    """Whole-word, case-insensitive matching of a configurable list of words or phrases.

    "ass" hides "you ass" but not "class" or "assist"; a phrase ("shut up") matches as a whole.
    """

    def __init__(self, words: Iterable[str] = ()) -> None:
        cleaned: list[str] = []
        for word in words:
            if not isinstance(word, str):
                raise TypeError(f"Filter words must be text, not {type(word).__name__}")
            word = " ".join(word.split())
            if word:
                cleaned.append(word.casefold())
        self.words: tuple[str, ...] = tuple(dict.fromkeys(cleaned))
        if self.words:
            alternatives = "|".join(
                r"\s+".join(re.escape(part) for part in w.split())
                for w in sorted(self.words, key=len, reverse=True)
            )
            self._pattern: re.Pattern[str] | None = re.compile(
                rf"(?<![\w])(?:{alternatives})(?![\w])", re.IGNORECASE
            )
        else:
            self._pattern = None

    def matches(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(text) is not None

    def found(self, text: str) -> list[str]:
        """The filtered words in `text`, as written there."""
        if self._pattern is None:
            return []
        return [m.group(0) for m in self._pattern.finditer(text)]


@dataclass(frozen=True, slots=True)
class Classification:
    """What the monitor does with one message."""

    kind: ChatKind
    buyer_intent: bool
    question: bool
    filtered: bool
    mentions_size: bool


def classify(text: str, word_filter: WordFilter | None = None) -> Classification:
    """Classify one chat line. A filtered message is FILTERED whatever else it says; buyer
    intent wins over a plain question ("how much?" is both, and is highlighted as intent)."""
    if not isinstance(text, str):
        raise TypeError(f"A chat message is text, not {type(text).__name__}")
    filtered = word_filter is not None and word_filter.matches(text)
    intent = is_buyer_intent(text)
    question = is_question(text)
    size = mentions_size(text)
    if filtered:
        kind = ChatKind.FILTERED
    elif intent:
        kind = ChatKind.BUYER_INTENT
    elif question:
        kind = ChatKind.QUESTION
    else:
        kind = ChatKind.MESSAGE
    return Classification(kind, intent, question, filtered, size)
