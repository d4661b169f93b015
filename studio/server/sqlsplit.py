"""Splits a PostgreSQL script into statements (quotes, comments, dollar quotes, BEGIN ATOMIC)."""

from __future__ import annotations

import re

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9$]*")


def split_statements(script: str) -> list[str]:
    """Return the statements of ``script``, stripped, without empty or comment-only ones.

    The split follows PostgreSQL's lexer closely enough for migration files: it
    ignores semicolons inside quoted strings (including ``E''`` escapes), quoted
    identifiers, dollar-quoted bodies, comments (nested block comments too) and
    SQL-standard ``BEGIN ATOMIC ... END`` function bodies.
    """
    statements: list[str] = []
    start = 0
    i = 0
    n = len(script)
    atomic_depth = 0  # >0 inside BEGIN ATOMIC ... END (counts nested CASE ... END)
    previous_word = ""
    has_code = False

    def flush(end: int) -> None:
        nonlocal has_code
        text = script[start:end].strip()
        if text and has_code:
            statements.append(text)
        has_code = False

    while i < n:
        ch = script[i]
        nxt = script[i + 1] if i + 1 < n else ""
        if ch == "-" and nxt == "-":
            newline = script.find("\n", i)
            i = n if newline < 0 else newline + 1
            continue
        if ch == "/" and nxt == "*":
            i = _skip_block_comment(script, i)
            continue
        has_code = has_code or not ch.isspace()
        if ch == "'":
            escaped = i > 0 and script[i - 1] in "eE" and not _is_word_char(script, i - 2)
            i = _skip_quoted(script, i, "'", backslash=escaped)
            previous_word = ""
            continue
        if ch == '"':
            i = _skip_quoted(script, i, '"', backslash=False)
            previous_word = ""
            continue
        if ch == "$" and not _is_word_char(script, i - 1):
            match = _DOLLAR_TAG.match(script, i)
            if match:
                end = script.find(match.group(0), match.end())
                i = n if end < 0 else end + len(match.group(0))
                previous_word = ""
                continue
        if ch.isalpha() or ch == "_":
            match = _WORD.match(script, i)
            assert match is not None
            word = match.group(0).lower()
            if word == "atomic" and previous_word == "begin":
                atomic_depth = 1
            elif atomic_depth and word == "case":
                atomic_depth += 1
            elif atomic_depth and word == "end":
                atomic_depth -= 1
            previous_word = word
            i = match.end()
            continue
        if ch == ";" and atomic_depth == 0:
            flush(i)
            start = i + 1
        if not ch.isspace():
            previous_word = ""
        i += 1
    flush(n)
    return statements


def _is_word_char(text: str, index: int) -> bool:
    return index >= 0 and (text[index].isalnum() or text[index] in "_$")


def _skip_quoted(text: str, i: int, quote: str, *, backslash: bool) -> int:
    i += 1
    n = len(text)
    while i < n:
        ch = text[i]
        if backslash and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and text[i + 1] == quote:  # doubled quote
                i += 2
                continue
            return i + 1
        i += 1
    return n


def _skip_block_comment(text: str, i: int) -> int:
    depth = 0
    n = len(text)
    while i < n:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n
