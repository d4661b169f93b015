"""The bulk pricing dialog: a rule, its preview item by item, and Apply only when nothing fails.

Prices, rounding, errors and warnings all come from `studio.core.pricing` through
`Lineup.apply_rule`; the dialog only collects the rule and shows the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.lineup import Lineup, LineupError
from studio.core.models import Product
from studio.core.money import format_money, parse_money, parse_percent
from studio.core.pricing import (
    CompareAtPolicy,
    PriceTarget,
    PricingOutcome,
    PricingRule,
    RoundingMode,
    RuleKind,
)
from studio.core.wording import counted

RULE_KINDS = (
    (RuleKind.PERCENT_OFF_RETAIL, "% off retail price"),
    (RuleKind.PERCENT_OFF_LIVE, "% off current live price"),
    (RuleKind.MARKUP_OVER_WHOLESALE, "% markup over wholesale cost"),
    (RuleKind.FIXED_PRICE, "Fixed price"),
)
ROUNDINGS = (
    (RoundingMode.TO_99, "Down to .99"),
    (RoundingMode.TO_95, "Down to .95"),
    (RoundingMode.WHOLE, "Down to whole dollars"),
    (RoundingMode.NONE, "To the cent"),
)
TARGETS = (
    (PriceTarget.LIVE, "Live price"),
    (PriceTarget.FLASH, "Flash price (check only)"),
)
COMPARE_AT_POLICIES = (
    (CompareAtPolicy.ADJUST, "Raise it to the retail price"),
    (CompareAtPolicy.REFUSE, "Leave the item unchanged (error)"),
)
PREVIEW_COLUMNS = ("Item", "Now", "New", "Compare-at", "Notes")
FLASH_PREVIEW_COLUMNS = ("Item", "Live price", "Flash price", "Compare-at", "Notes")
FLASH_NOTE = (
    "Flash prices take effect when you start a flash sale during the live show; "
    "this preview checks them against the live prices now."
)
ERROR_COLOR = QColor(200, 35, 51)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
WARNING_COLOR = QColor(176, 112, 0)


def _combo(choices: Iterable[tuple[StrEnum, str]]) -> QComboBox:
    # Item data is plain text: it round-trips through Qt without Python object wrappers.
    combo = QComboBox()
    for value, label in choices:
        combo.addItem(label, value.value)
    return combo


class PricingDialog(QDialog):
    """Preview a bulk pricing rule on a lineup; `result_lineup` holds the priced lineup once
    accepted."""

    def __init__(
        self,
        lineup: Lineup,
        products: Mapping[UUID, Product],
        selected: Iterable[UUID] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Bulk pricing")
        self.setObjectName("pricing_dialog")
        self.resize(880, 560)
        self._lineup = lineup
        self._products = products
        self._selected = [i for i in selected if i in set(lineup.ids)]
        self.result_lineup: Lineup | None = None
        self.outcome: PricingOutcome | None = None

        self.kind = _combo(RULE_KINDS)
        self.value = QLineEdit("20")
        self.value.setObjectName("rule_value")
        self.value_error = QLabel()
        self.value_error.setObjectName("value_error")
        self.value_error.setStyleSheet(f"color: {ERROR_COLOR.name()};")
        self.value_error.setWordWrap(True)
        self.rounding = _combo(ROUNDINGS)
        self.target = _combo(TARGETS)
        self.compare_at = _combo(COMPARE_AT_POLICIES)
        self.scope = QComboBox()
        self.scope.addItem("The item" if len(lineup) == 1 else f"All {len(lineup)} items", "all")
        if self._selected:
            chosen = len(self._selected)
            self.scope.addItem("The selected item" if chosen == 1
                               else f"The {chosen} selected items", "selected")
            if len(self._selected) > 1:  # one highlighted row is where the cursor is, not a choice
                self.scope.setCurrentIndex(1)

        form = QFormLayout()
        form.addRow("Rule", self.kind)
        form.addRow("Value", self.value)
        form.addRow("", self.value_error)
        form.addRow("Rounding", self.rounding)
        form.addRow("Sets the", self.target)
        form.addRow("If compare-at falls below", self.compare_at)
        form.addRow("Apply to", self.scope)

        self.preview = QTableWidget(0, len(PREVIEW_COLUMNS))
        self.preview.setObjectName("pricing_preview")
        self.preview.setHorizontalHeaderLabels(PREVIEW_COLUMNS)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.verticalHeader().setVisible(False)
        header = self.preview.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        self.summary.setObjectName("pricing_summary")
        self.summary.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

        for combo in (self.kind, self.rounding, self.target, self.compare_at, self.scope):
            combo.currentIndexChanged.connect(self.update_preview)
        self.value.textChanged.connect(self.update_preview)
        self.target.currentIndexChanged.connect(self._update_compare_at)
        self.update_preview()

    # ------------------------------------------------------------------ the rule

    def rule(self) -> PricingRule:
        """The rule the fields describe; ValueError (user message) if the value is not valid."""
        kind = RuleKind(self.kind.currentData())
        text = self.value.text()
        value = parse_money(text) if kind == RuleKind.FIXED_PRICE else parse_percent(text)
        return PricingRule(
            kind=kind,
            value=value,
            rounding=RoundingMode(self.rounding.currentData()),
            target=PriceTarget(self.target.currentData()),
            compare_at=CompareAtPolicy(self.compare_at.currentData()),
        )

    def _update_compare_at(self) -> None:
        # A flash price never moves the compare-at price.
        self.compare_at.setEnabled(self.target.currentData() == PriceTarget.LIVE.value)

    def _item_ids(self) -> list[UUID] | None:
        return self._selected if self.scope.currentData() == "selected" else None

    def update_preview(self) -> None:
        self.result_lineup = None
        self.outcome = None
        self.preview.setRowCount(0)
        self.apply_button.setEnabled(False)
        try:
            rule = self.rule()
        except ValueError as exc:
            self.value_error.setText(str(exc))
            self.value_error.setVisible(True)
            self.summary.setText("Enter a valid value to see the new prices.")
            return
        self.value_error.clear()
        self.value_error.setVisible(False)
        try:
            priced, outcome = self._lineup.apply_rule(rule, self._products, self._item_ids())
        except LineupError as exc:
            self.summary.setText(str(exc))
            return
        self.outcome = outcome
        self._fill_preview(outcome, rule.target)
        errors = sum(1 for p in outcome.proposals if not p.ok)
        if rule.target == PriceTarget.FLASH:
            fail = "fails" if errors == 1 else "fail"
            lead = (f"{counted(errors, 'item')} {fail} the check. " if errors
                    else "Every flash price passes. ")
            self.summary.setText(lead + FLASH_NOTE)
            return
        changed = sum(
            1 for before, after in zip(self._lineup.items, priced.items, strict=True)
            if before != after
        )
        if errors:
            self.summary.setText(
                f"{errors} of {counted(len(outcome.proposals), 'item')} cannot take this rule "
                "(see Notes); "
                "change the rule or the items before applying.")
            return
        self.summary.setText(f"{rule.describe().capitalize()}: changes {changed} of "
                             f"{counted(len(outcome.proposals), 'price')}.")
        if changed:
            self.result_lineup = priced
            self.apply_button.setEnabled(True)

    def _fill_preview(self, outcome: PricingOutcome, target: PriceTarget) -> None:
        items = {item.id: item for item in self._lineup.items}
        flash = target == PriceTarget.FLASH
        self.preview.setHorizontalHeaderLabels(FLASH_PREVIEW_COLUMNS if flash else PREVIEW_COLUMNS)
        self.preview.setRowCount(len(outcome.proposals))
        for row, proposal in enumerate(outcome.proposals):
            notes = list(proposal.errors.values()) + list(proposal.warnings.values())
            item = items[proposal.item_id]
            # A flash price is compared with the live price, which the Now column then shows.
            now = item.live_price if flash else proposal.old_price
            cells = (
                item.name,
                _money_or_blank(now),
                format_money(proposal.new_price) if proposal.new_price is not None else "",
                _money_or_blank(proposal.new_compare_at),
                "; ".join(notes),
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column in (1, 2, 3):
                    cell.setTextAlignment(RIGHT)
                if proposal.errors:
                    cell.setForeground(QBrush(ERROR_COLOR))
                elif proposal.warnings and column == 4:
                    cell.setForeground(QBrush(WARNING_COLOR))
                if notes:
                    cell.setToolTip("\n".join(notes))
                self.preview.setItem(row, column, cell)

    def _accept(self) -> None:
        if self.result_lineup is not None:
            self.accept()


def _money_or_blank(amount: Decimal | None) -> str:
    return format_money(amount) if amount is not None else ""
