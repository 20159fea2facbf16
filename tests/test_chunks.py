"""chunks: the fixed-size slices every bulk request, IN list and pipe write is cut into."""

from __future__ import annotations

from wirewatch.chunks import chunks


def test_slices_in_order_with_a_shorter_last_one() -> None:
    assert list(chunks(list(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks(list(range(6)), 3)) == [[0, 1, 2], [3, 4, 5]]


def test_nothing_for_an_empty_list_and_one_slice_for_a_short_one() -> None:
    assert list(chunks([], 3)) == []
    assert list(chunks(["a"], 3)) == [["a"]]
