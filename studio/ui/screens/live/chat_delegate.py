"""Paints one chat row (two fixed lines, no widgets): marks in words and symbols, not colour."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from studio.ui.models.chat_model import MESSAGE_ROLE, ChatMessage

INTENT_MARK = "★ BUY"
QUESTION_MARK = "? ASK"
PINNED_MARK = "▲ PINNED"
HIDDEN_MARK = "⊘ HIDDEN"
FILTERED_TEXT = "Message hidden by your word filter"
_PAD = 6


def marks_of(message: ChatMessage) -> list[str]:
    """The tags painted before the sender's name."""
    marks = []
    if message.is_pinned:
        marks.append(PINNED_MARK)
    if message.is_hidden:
        marks.append(HIDDEN_MARK)
    if not message.filtered:
        if message.buyer_intent:
            marks.append(INTENT_MARK)
        elif message.question:
            marks.append(QUESTION_MARK)
    return marks


class ChatDelegate(QStyledItemDelegate):
    """Every row has the same height (the view can then lay out millions of rows instantly):
    line 1 the tags and the sender, line 2 the message, elided (the full text is a tooltip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fonts: dict[str, QFont] = {}

    def _font(self, base: QFont, kind: str) -> QFont:
        key = f"{base.key()}|{kind}"
        font = self._fonts.get(key)
        if font is None:
            font = QFont(base)
            if kind in ("bold", "tag"):
                font.setBold(True)
            if kind == "tag":
                font.setPointSizeF(max(font.pointSizeF() * 0.8, 6.0))
            if kind == "muted":
                font.setItalic(True)
            if kind == "struck":
                font.setStrikeOut(True)
            self._fonts[key] = font
        return font

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
                 ) -> QSize:
        height = QFontMetrics(option.font).height()
        return QSize(200, 2 * height + 2 * _PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        message = index.data(MESSAGE_ROLE)
        if not isinstance(message, ChatMessage):
            return
        painter.save()
        palette = option.palette
        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight))
        elif message.buyer_intent and not message.filtered:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
        text_role = (QPalette.ColorRole.HighlightedText if selected
                     else QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        line = QFontMetrics(option.font).height()
        x = rect.left() + _PAD
        top = rect.top() + _PAD
        right = rect.right() - _PAD
        # line 1: tags, then the sender
        tag_font = self._font(option.font, "tag")
        tag_metrics = QFontMetrics(tag_font)
        painter.setPen(palette.color(text_role))
        for mark in marks_of(message):
            painter.setFont(tag_font)
            width = tag_metrics.horizontalAdvance(mark) + 8
            box = QRect(x, top + 1, width, line - 2)
            painter.drawRect(box.adjusted(0, 0, -1, -1))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, mark)
            x += width + 4
        name_font = self._font(option.font, "bold")
        painter.setFont(name_font)
        name = QFontMetrics(name_font).elidedText(message.display_name,
                                                   Qt.TextElideMode.ElideRight, max(right - x, 0))
        painter.drawText(QRect(x, top, max(right - x, 0), line),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        # line 2: the message (bold for buyer intent; struck out when hidden from viewers)
        if message.filtered:
            font, text = self._font(option.font, "muted"), FILTERED_TEXT
            painter.setPen(muted if not selected else palette.color(text_role))
        else:
            kind = ("struck" if message.is_hidden
                    else "bold" if message.buyer_intent else "plain")
            font, text = self._font(option.font, kind), message.text
            if message.is_hidden and not selected:
                painter.setPen(muted)
        painter.setFont(font)
        body = QRect(rect.left() + _PAD, top + line, rect.width() - 2 * _PAD, line)
        painter.drawText(body, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight,
                                                       body.width()))
        painter.restore()
