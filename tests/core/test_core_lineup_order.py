"""Ordering a lineup: moves, drag-and-drop drops, reorders."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.lineup import Lineup, LineupError
from studio.core.models import LineupItem, Show

D = Decimal


def names(lineup: Lineup) -> list[str]:
    return [item.name for item in lineup]


def positions(lineup: Lineup) -> list[int]:
    return [item.position for item in lineup]


def test_move_to_a_final_index(three) -> None:
    lineup, _ = three
    first, _, last = lineup.ids
    assert names(lineup.move(first, 2)) == ["P1", "P2", "P0"]
    assert names(lineup.move(last, 0)) == ["P2", "P0", "P1"]
    assert positions(lineup.move(last, 0)) == [0, 1, 2]
    assert lineup.move(first, 0) is lineup


def test_move_up_and_down_stop_at_the_ends(three) -> None:
    lineup, _ = three
    first, middle, last = lineup.ids
    assert names(lineup.move_up(middle)) == ["P1", "P0", "P2"]
    assert names(lineup.move_down(middle)) == ["P0", "P2", "P1"]
    assert lineup.move_up(first) is lineup
    assert lineup.move_down(last) is lineup


def test_move_refuses_bad_targets(build, three) -> None:
    lineup, _ = three
    with pytest.raises(LineupError, match=r"^Cannot move to position 3: the lineup has 3$"):
        lineup.move(lineup.ids[0], 3)
    with pytest.raises(LineupError, match=r"^That item is not in this lineup$"):
        lineup.move(build.new_id(), 0)


@pytest.mark.parametrize(
    ("moving", "drop_row", "expected"),
    [
        ([0], 3, ["P1", "P2", "P0", "P3"]),
        ([0], 4, ["P1", "P2", "P3", "P0"]),
        ([3], 0, ["P3", "P0", "P1", "P2"]),
        ([0, 2], 4, ["P1", "P3", "P0", "P2"]),
        ([2, 0], 2, ["P1", "P0", "P2", "P3"]),
        ([1, 3], 0, ["P1", "P3", "P0", "P2"]),
        ([1], 2, ["P0", "P1", "P2", "P3"]),
    ],
)
def test_move_items_uses_drop_row_semantics(
    build, moving: list[int], drop_row: int, expected: list[str]
) -> None:
    items = [build.item(name=f"P{i}", position=i) for i in range(4)]
    lineup = Lineup.of(build.show(), items)
    result = lineup.move_items([items[i].id for i in moving], drop_row)
    assert names(result) == expected
    assert positions(result) == [0, 1, 2, 3]


def test_move_items_refuses_bad_rows_and_ids(build, three) -> None:
    lineup, _ = three
    with pytest.raises(LineupError, match=r"^Cannot drop at position 4: the lineup has 3$"):
        lineup.move_items([lineup.ids[0]], 4)
    with pytest.raises(LineupError, match=r"^That item is not in this lineup$"):
        lineup.move_items([build.new_id()], 0)
    assert lineup.move_items([], 1) is lineup


def test_reorder(three) -> None:
    lineup, _ = three
    a, b, c = lineup.ids
    assert names(lineup.reorder([c, a, b])) == ["P2", "P0", "P1"]
    assert lineup.reorder([a, b, c]) is lineup


@pytest.mark.parametrize("order", ["missing", "duplicate", "extra"])
def test_reorder_needs_every_item_once(build, three, order: str) -> None:
    lineup, _ = three
    a, b, c = lineup.ids
    bad = {"missing": [a, b], "duplicate": [a, b, b], "extra": [a, b, c, build.new_id()]}[order]
    with pytest.raises(LineupError, match="must list every item of the lineup exactly once"):
        lineup.reorder(bad)


@given(st.integers(1, 8), st.data())
def test_any_move_keeps_the_items_and_numbers_them(n: int, data: st.DataObject) -> None:
    show = Show(
        id=UUID(int=1), influencer_id=UUID(int=2), title="t", scheduled_start=datetime.now(UTC)
    )
    items = [
        LineupItem(
            id=UUID(int=100 + i),
            session_id=show.id,
            name=f"i{i}",
            live_price=D("1.00"),
            allocated_quantity=1,
            position=i,
        )
        for i in range(n)
    ]
    lineup = Lineup.of(show, items)
    moving = data.draw(st.lists(st.sampled_from(lineup.ids), unique=True))
    drop_row = data.draw(st.integers(0, n))
    result = lineup.move_items(moving, drop_row)
    assert sorted(result.ids) == sorted(lineup.ids)
    assert positions(result) == list(range(n))
    # Moved items keep their relative order; the others too.
    moved_set = set(moving)
    assert [i for i in result.ids if i in moved_set] == [i for i in lineup.ids if i in moved_set]
    assert [i for i in result.ids if i not in moved_set] == [
        i for i in lineup.ids if i not in moved_set
    ]
    order = data.draw(st.permutations(lineup.ids))
    assert result.reorder(order).ids == tuple(order)
