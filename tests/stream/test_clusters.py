"""Story clusters: MinHash/LSH similarity and the SQLite cluster store shared by worker processes."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stream.enrich.clusters import SqliteClusterStore, StoryItem, signature, similarity

STORY = (
    "Germany will send two more Patriot air defense systems to Ukraine, Defence Minister Boris Pistorius "
    "said on Tuesday after a night of Russian drone and missile attacks on Kyiv and Odesa. The systems "
    "will arrive before the winter, he told reporters in Berlin, adding that Germany would also fund "
    "ammunition for the IRIS-T batteries already deployed around the Ukrainian capital."
)
REWRITE = (
    "Defence Minister Boris Pistorius said on Tuesday Germany will send two more Patriot air defense "
    "systems to Ukraine, following a night of Russian drone and missile attacks on Kyiv and Odesa. "
    "Speaking in Berlin, he said the systems would arrive before winter and that Germany would also "
    "pay for ammunition for IRIS-T batteries deployed around the capital."
)
OTHER = (
    "The European Central Bank left interest rates unchanged on Thursday, saying inflation in the euro "
    "zone was slowing faster than expected while growth remained weak in Germany and Italy."
)
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def item(article_id: str, text: str, minutes: int = 0, source: str = "Wire") -> StoryItem:
    return StoryItem(article_id, source, T0 + timedelta(minutes=minutes), signature(text))


def test_rewrites_are_similar_and_other_stories_are_not() -> None:
    story, rewrite, other = signature(STORY), signature(REWRITE), signature(OTHER)
    assert story is not None and rewrite is not None and other is not None
    assert similarity(story, story) == 1.0
    assert similarity(story, rewrite) >= 0.3
    assert similarity(story, other) < 0.1
    assert signature("the and of") is None  # nothing but stop words


def test_copies_join_the_first_articles_cluster(tmp_path: Path) -> None:
    store = SqliteClusterStore(tmp_path / "clusters.db")
    first, copy, rewrite, other = store.assign(
        [
            item("a1", STORY),
            item("a2", STORY, 5, source="Other Wire"),
            item("a3", REWRITE, 30, source="Daily"),
            item("a4", OTHER, 40),
        ]
    )
    assert (first.cluster_id, first.size, first.similar_to) == ("a1", 1, None)
    assert (copy.cluster_id, copy.size, copy.similar_to) == ("a1", 2, "a1")
    assert (rewrite.cluster_id, rewrite.size) == ("a1", 3)
    assert (other.cluster_id, other.size) == ("a4", 1)
    assert store.outlets("a1") == 3
    # Replays change nothing; lookups do not record.
    assert store.assign([item("a2", STORY, 5)])[0].cluster_id == "a1"
    looked = store.lookup(item("a5", STORY, 50))
    assert (looked.cluster_id, looked.size) == ("a1", 4)
    assert store.lookup(item("a5", STORY, 50)).size == 4
    store.close()


def test_stories_outside_the_window_start_a_new_cluster(tmp_path: Path) -> None:
    store = SqliteClusterStore(tmp_path / "clusters.db", window=timedelta(days=1))
    store.assign([item("old", STORY)])
    late = store.assign([item("late", STORY, minutes=3 * 24 * 60)])[0]
    assert late.cluster_id == "late"
    store.close()


def _assign_all(path: str, ids: list[str]) -> None:
    store = SqliteClusterStore(Path(path))
    for article_id in ids:
        store.assign([item(article_id, STORY if article_id.startswith("s") else OTHER, source=article_id)])
    store.close()


def test_two_worker_processes_share_one_consistent_store(tmp_path: Path) -> None:
    path = tmp_path / "clusters.db"
    SqliteClusterStore(path).close()  # migrated once, like the first worker to start
    ids = [f"{kind}{n}" for n in range(15) for kind in ("s", "o")]
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_assign_all, args=(str(path), ids[i::2])) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    store = SqliteClusterStore(path)
    rows = store.conn.execute("SELECT cluster_id, COUNT(*) FROM members GROUP BY cluster_id").fetchall()
    sizes = {str(row[0]): int(row[1]) for row in rows}
    assert sorted(sizes.values()) == [15, 15]
    assert (
        {c: store.lookup(item(c, "x")).size for c in sizes}
        == sizes
        == {
            c: store.conn.execute("SELECT size FROM clusters WHERE cluster_id = ?", (c,)).fetchone()[0]
            for c in sizes
        }
    )
    store.close()


def test_a_background_thread_checkpoints_the_wal(tmp_path: Path) -> None:
    """Commits only append to the WAL; the store's own thread copies it into the database."""
    path = tmp_path / "clusters.db"
    store = SqliteClusterStore(path, checkpoint_every=0.1)
    empty = path.stat().st_size
    store.assign([item(f"a{n}", f"{STORY} {n} {OTHER}", n) for n in range(50)])
    deadline = time.monotonic() + 10
    while path.stat().st_size == empty and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.stat().st_size > empty
    store.close()
    assert not store._checkpointer.is_alive()
