"""halving: a batch whose work fails for good is split in halves until each bad record is alone."""

from __future__ import annotations

import asyncio
import logging
import math

import pytest

from stream.agents import halving


def run(records: list[int], bad: set[int]) -> tuple[list[int], list[int], list[tuple[object, str, str]]]:
    """Run halving over `records` with work that fails for good on any batch holding a bad one;
    return the batch sizes work was called with, the records done, and the rejections."""
    calls: list[int] = []
    done: list[int] = []
    rejected: list[tuple[object, str, str]] = []

    async def work(batch: list[int]) -> None:
        calls.append(len(batch))
        if culprits := sorted(bad.intersection(batch)):
            raise ValueError(f"bad records {culprits}")
        done.extend(batch)

    async def reject(event: object, stage: str, reason: str) -> None:
        rejected.append((event, stage, reason))

    asyncio.run(halving("index", [(r, f"event {r}") for r in records], work, reject))  # type: ignore[arg-type]
    return calls, done, rejected


def test_a_batch_that_works_is_one_call() -> None:
    calls, done, rejected = run(list(range(5_000)), set())
    assert calls == [5_000] and done == list(range(5_000)) and rejected == []


def test_good_records_are_done_once_and_bad_ones_rejected_in_few_calls() -> None:
    calls, done, rejected = run(list(range(5_000)), {17, 4_321})
    assert done == [r for r in range(5_000) if r not in {17, 4_321}]
    assert rejected == [
        ("event 17", "index", "index failed: ValueError: bad records [17]"),
        ("event 4321", "index", "index failed: ValueError: bad records [4321]"),
    ]
    # The whole batch, then two halves per level on the way down to each culprit.
    assert len(calls) <= 1 + 2 * 2 * math.ceil(math.log2(5_000))


def test_a_lone_bad_record_is_rejected() -> None:
    calls, done, rejected = run([7], {7})
    assert calls == [1] and done == []
    assert rejected == [("event 7", "index", "index failed: ValueError: bad records [7]")]


def test_the_whole_batch_failure_alone_carries_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="wirewatch.stream"):
        run(list(range(64)), {5})
    splits = [r for r in caplog.records if "failed on a batch" in r.getMessage()]
    assert splits[0].getMessage().startswith("index failed on a batch of 64 (ValueError: bad records [5])")
    assert splits[0].exc_info is not None and splits[0].exc_info[0] is ValueError
    assert len(splits) > 1 and not any(r.exc_info for r in splits[1:])


def test_a_lone_record_batch_failure_carries_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="wirewatch.stream"):
        run([7], {7})
    (failure,) = [r for r in caplog.records if "failed on a batch" in r.getMessage()]
    assert failure.getMessage() == "index failed on a batch of 1 (ValueError: bad records [7])"
    assert failure.exc_info is not None
