"""Consecutive fixed-size slices of a list: bulk requests, IN lists and pipe chunks are all cut so."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, cast

_S = TypeVar("_S", bound=Sequence[object])


def chunks(items: _S, size: int) -> Iterator[_S]:
    """`items` in slices of `size` (the last one shorter), in order; nothing for an empty list.
    A slice has the type of what it was cut from (a list's slice is a list)."""
    return (cast(_S, items[start : start + size]) for start in range(0, len(items), size))
