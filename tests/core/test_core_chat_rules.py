"""Chat rules: buyer intent, questions, sizes and the word filter on realistic chat lines."""

from __future__ import annotations

import pytest

from studio.core.chat_rules import (
    ChatKind,
    WordFilter,
    classify,
    is_buyer_intent,
    is_question,
    mentions_size,
)

BUYER_INTENT = [
    "sold!",
    "SOLD",
    "Sold 2",
    "sold to me please",
    "sold sold sold 🙌",
    "I'll take it",
    "ill take the blue one",
    "I’ll take two",
    "i will take one in red",
    "I want one!",
    "i want the black one",
    "how much?",
    "How much is shipping",
    "how much for two??",
    "what's the price",
    "price?",
    "size M please",
    "Size 8",
    "sz 10",
    "do you have XL",
    "xs?",
    "2XL for me",
    "can I get it in a medium",
    "add to cart!!",
    "add one to my cart",
    "mine!",
    "take my money 💸",
    "can i buy two",
    "how many left?",
    "do you ship to Canada",
    "is it still available?",
    "need it",
    "claiming the green one",
]

NOT_INTENT = [
    "hi everyone!",
    "love your hair today",
    "is it sold out?",
    "already sold out :(",
    "they were sold at Target last year",
    "I sold my old one on eBay",
    "not sold on the colour tbh",
    "the consoldation of stores",
    "I'm watching from Ohio",
    "S club 7 anyone",
    "L.A. represent",
    "this is massive",
    "M&Ms are my favourite",
    "great show",
    "lol",
    "want to know when the next show is",
    "is that yours?",
]

QUESTIONS = [
    "is it machine washable?",
    "what material is it",
    "does it come in other colours?",
    "when is the next show?",
    "how long is shipping usually",
    "can you show the back?",
    "Where is this made? 🤔",
    "@host is it waterproof?",
    "anyone tried this one?",
    "would this fit a 6 year old?",
]

NOT_QUESTIONS = [
    "love it",
    "hello from Spain",
    "this is gorgeous!",
    "is",  # too short to be a question without a question mark
    "how",
    "so pretty 😍",
    "   ",
]


@pytest.mark.parametrize("line", BUYER_INTENT)
def test_buyer_intent_lines_are_recognised(line: str) -> None:
    assert is_buyer_intent(line), line
    assert classify(line).kind is ChatKind.BUYER_INTENT


@pytest.mark.parametrize("line", NOT_INTENT)
def test_lines_that_only_look_like_intent_are_not(line: str) -> None:
    assert not is_buyer_intent(line), line


@pytest.mark.parametrize("line", QUESTIONS)
def test_questions_are_recognised(line: str) -> None:
    assert is_question(line), line
    assert classify(line).kind is ChatKind.QUESTION


@pytest.mark.parametrize("line", NOT_QUESTIONS)
def test_statements_are_not_questions(line: str) -> None:
    assert not is_question(line), line


@pytest.mark.parametrize(
    ("line", "size"),
    [
        ("size M please", True),
        ("SIZE: L", True),
        ("size 8.5?", True),
        ("XL", True),
        ("do you have it in xxl", True),
        ("3XL?", True),
        ("in a large please", True),
        ("M", False),  # a lone letter is not a size without a size word
        ("I'm so excited", False),
        ("XLR cable", False),
        ("axle", False),
        ("my size is usually fine", False),
    ],
)
def test_sizes_need_a_size_word_or_a_size_token(line: str, size: bool) -> None:
    assert mentions_size(line) is size


def test_how_much_is_both_a_question_and_intent_and_shows_as_intent() -> None:
    result = classify("how much is the blue one?")

    assert result.buyer_intent and result.question
    assert result.kind is ChatKind.BUYER_INTENT


def test_plain_message_is_a_message() -> None:
    result = classify("great energy tonight")

    assert result.kind is ChatKind.MESSAGE
    assert not (result.buyer_intent or result.question or result.filtered or result.mentions_size)


@pytest.mark.parametrize(
    ("line", "hit"),
    [
        ("you are a JERK", True),
        ("jerk!", True),
        ("jerky is tasty", False),  # whole words only
        ("what a scam", True),
        ("scammer alert", False),
        ("shut   up already", True),  # a phrase matches across any spacing
        ("shutup", False),
        ("nothing to see", False),
    ],
)
def test_word_filter_matches_whole_words_case_insensitively(line: str, hit: bool) -> None:
    word_filter = WordFilter(["jerk", "Scam", "shut up"])

    assert word_filter.matches(line) is hit


def test_filtered_message_is_filtered_even_when_it_shows_intent() -> None:
    result = classify("sold! you jerk", WordFilter(["jerk"]))

    assert result.kind is ChatKind.FILTERED
    assert result.buyer_intent and result.filtered


def test_word_filter_reports_what_it_found_and_handles_regex_characters() -> None:
    word_filter = WordFilter(["c++", "a.b", "  ", "Jerk", "jerk"])

    assert word_filter.words == ("c++", "a.b", "jerk")
    assert word_filter.found("I code c++ and a.b but not axb, JERK") == ["c++", "a.b", "JERK"]
    assert not word_filter.matches("axb")


def test_an_empty_filter_matches_nothing() -> None:
    assert not WordFilter().matches("anything at all")
    assert WordFilter().found("anything") == []


def test_bad_input_is_refused_with_a_clear_error() -> None:
    with pytest.raises(TypeError, match="Filter words must be text"):
        WordFilter(["ok", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="A chat message is text"):
        classify(None)  # type: ignore[arg-type]
