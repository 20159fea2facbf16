"""Story clusters: MinHash/LSH similarity and the SQLite cluster store shared by worker processes."""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from stream.enrich.clusters import (
    _SCHEMA,
    BAND_CAP,
    NAMES,
    NAMES_ALONE,
    NAMES_BESIDE_WORDS,
    NAMES_BESIDE_WORDS_ALONE,
    NAMES_THRESHOLD,
    NEAR_WINDOW,
    PAIRS,
    RARITY_CEILING,
    WORDS,
    WORDS_NEAR,
    WORDS_THRESHOLD,
    SqliteClusterStore,
    StoryItem,
    Words,
    band_keys,
    fingerprint,
    is_figure,
    rarity,
    similarity,
    word_similarities,
)
from wirewatch.sqlite import connect, migrate

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
# One story told by two outlets in their own words, and another story about the same people.
TOLD = (
    "Defence Minister Boris Pistorius said on Monday that Rheinmetall would deliver 12 Skyranger "
    "anti-aircraft systems to Ukraine by March, paid for from the German budget, after talks in Berlin "
    "with his Ukrainian counterpart Denys Shmyhal about protecting power plants from Shahed drones."
)
RETOLD = (
    "Ukraine is to receive a dozen Skyranger guns built by Rheinmetall before spring. Germany's Boris "
    "Pistorius announced the purchase, funded by Berlin, following a meeting with Denys Shmyhal, who asked "
    "for help shielding energy infrastructure against Shahed attacks."
)
SAME_PEOPLE = (
    "Rheinmetall opened a joint venture workshop in western Ukraine to repair Leopard tanks damaged at the "
    "front. Denys Shmyhal and Boris Pistorius cut the ribbon at the plant, whose location was withheld for "
    "security reasons, and the company expects to hire 300 mechanics by summer. The first twelve tanks "
    "are already in its halls, and spare parts will come by rail from a depot in Slovakia, a company "
    "spokeswoman told reporters after the ceremony."
)
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def item(article_id: str, text: str, minutes: int = 0, source: str = "Wire") -> StoryItem:
    return StoryItem(article_id, source, T0 + timedelta(minutes=minutes), fingerprint(text))


def test_rewrites_are_similar_and_other_stories_are_not() -> None:
    story, rewrite, other = fingerprint(STORY), fingerprint(REWRITE), fingerprint(OTHER)
    assert story is not None and rewrite is not None and other is not None
    assert similarity(story.minhash, story.minhash) == 1.0
    assert similarity(story.minhash, rewrite.minhash) >= 0.3
    assert similarity(story.minhash, other.minhash) < 0.1
    assert fingerprint("the and of") is None  # nothing but stop words


def test_words_weigh_by_their_rarity_in_the_language() -> None:
    assert rarity("said") < rarity("officials") < rarity("skyranger") == RARITY_CEILING
    # Another language's frequencies: a common Russian word weighs little, an English word in
    # Russian text (not in Russian's list) the most.
    assert rarity("правительство", "ru") < 3.0 < rarity("skyranger", "ru")
    # A language wordfreq does not know: every word is rare, and similarity is plain Jaccard.
    assert rarity("officials", "xx") == RARITY_CEILING
    found = fingerprint("Officials said the Skyranger guns arrived in Chernihiv", "en")
    assert found is not None and len(found.words.hashes) == 6
    assert sorted(found.words.weights) == sorted(
        np.float32(rarity(w)) for w in ["officials", "said", "skyranger", "guns", "arrived", "chernihiv"]
    )
    stored = Words.from_bytes(found.words.to_bytes())
    assert (stored.hashes == found.words.hashes).all() and (stored.weights == found.words.weights).all()
    a = Words(np.array([1, 2], np.uint64), np.array([1.0, 3.0], np.float32))
    b = Words(np.array([2, 3], np.uint64), np.array([1.0, 2.0], np.float32))
    c = Words(np.array([4], np.uint64), np.array([2.0], np.float32))
    # Against several texts at once: b shares min(3, 1) over 1 + 3 + 2, a is itself, c shares nothing.
    assert word_similarities(a, [b, a, c]).tolist() == [1.0 / 6.0, 1.0, 0.0]
    assert word_similarities(Words(np.array([], np.uint64), np.array([], np.float32)), [a]).tolist() == [0.0]


def test_independent_rewrites_join_on_their_rare_words(tmp_path: Path) -> None:
    told, retold, same_people = fingerprint(TOLD), fingerprint(RETOLD), fingerprint(SAME_PEOPLE)
    assert told is not None and retold is not None and same_people is not None
    assert similarity(told.minhash, retold.minhash) < 0.1  # few phrases in common
    assert word_similarities(told.words, [retold.words])[0] >= WORDS_THRESHOLD  # but the rare words
    assert word_similarities(told.words, [same_people.words])[0] < WORDS_THRESHOLD
    store = SqliteClusterStore(tmp_path / "clusters.db")
    _, rewrite, other = store.assign(
        [item("s1", TOLD), item("s2", RETOLD, 60, "Daily"), item("s3", SAME_PEOPLE, 90)]
    )
    assert (rewrite.cluster_id, rewrite.similar_to, rewrite.measure) == ("s1", "s1", WORDS)
    assert rewrite.similarity == word_similarities(told.words, [retold.words])[0]
    assert other.cluster_id == "s3"  # the same three names, but another story
    store.close()


TORNADO = (
    "Tornadoes tore through central Oklahoma on Sunday night, killing 11 people and destroying hundreds of "
    "homes in Shawnee and Tecumseh, Governor Kevin Stitt said, declaring a state of emergency in 14 counties."
)
TWISTERS = (
    "At least 11 people were killed when tornadoes tore through Shawnee on Sunday night, officials said. "
    "Stitt asked for federal help as crews searched collapsed buildings and fallen trees blocked roads near "
    "the small town of Tecumseh, where a school was flattened. Meteorologists tracked a supercell across "
    "Pottawatomie County, and volunteers from Norman brought generators, tarpaulins and chainsaws. Insurers "
    "estimated losses; churches opened shelters."
)


@pytest.mark.parametrize(
    ("figure", "names", "hours", "joins"),
    [
        (True, ["Shawnee", "Kevin Stitt"], 1, True),  # two names: too few for a retelling by names alone
        (False, ["Shawnee", "Kevin Stitt"], 1, True),  # names agree at 0.59: no figure needed
        (True, ["Oklahoma", "Kevin Stitt", "Pottawatomie County"], 1, True),  # 0.32, and a figure
        (False, ["Oklahoma", "Kevin Stitt", "Pottawatomie County"], 1, False),  # 0.32, no figure
        (True, ["Shawnee"], 1, False),  # the names agree too little (0.295)
        (True, ["Shawnee", "Kevin Stitt"], 13, False),  # the next news cycle
    ],
)
def test_a_rewrite_under_the_words_threshold_joins_on_its_names(
    tmp_path: Path, figure: bool, names: list[str], hours: int, joins: bool
) -> None:
    told = fingerprint(TORNADO, "en", ["Oklahoma", "Shawnee", "Tecumseh", "Kevin Stitt"])
    retold = fingerprint(TWISTERS, "en", names)
    assert told is not None and retold is not None and told.names is not None and retold.names is not None
    assert WORDS_NEAR <= word_similarities(told.words, [retold.words])[0] < WORDS_THRESHOLD
    needed = NAMES_BESIDE_WORDS if figure else NAMES_BESIDE_WORDS_ALONE
    assert (word_similarities(told.names, [retold.names])[0] >= needed) == (joins or hours > 1)
    assert len(np.intersect1d(told.figures, retold.figures)) == 1  # 11 dead
    if not figure:
        retold = dataclasses.replace(retold, figures=np.zeros(0, np.uint64))
    assert (timedelta(hours=hours) <= NEAR_WINDOW) == (hours == 1)
    store = SqliteClusterStore(tmp_path / "clusters.db")
    _, second = store.assign(
        [StoryItem("t1", "Wire", T0, told), StoryItem("t2", "Daily", T0 + timedelta(hours=hours), retold)]
    )
    assert (second.cluster_id == "t1") == joins
    assert second.measure == (WORDS if joins else None)
    store.close()


ZMIIV_EN = (
    "Russian missiles and drones struck the Zmiiv thermal power plant in the Kharkiv region overnight, "
    "regional governor Oleh Syniehubov said, and Centrenergo said the plant had stopped generating."
)
ZMIIV_UK = (
    "Російські ракети та дрони вночі атакували Зміївську ТЕС на Харківщині, повідомив голова ОВА "
    "Олег Синєгубов; у Центренерго заявили, що станція зупинила генерацію."
)
ZMIIV_NAMES = ["Zmiiv", "Kharkiv", "Oleh Syniehubov", "Centrenergo", "Russia"]


def test_a_story_told_in_another_language_joins_on_its_entities_names(tmp_path: Path) -> None:
    told = fingerprint(ZMIIV_EN, "en", ZMIIV_NAMES)
    retold = fingerprint(ZMIIV_UK, "uk", ["Zmiiv", "Kharkiv", "Oleh Syniehubov", "Centrenergo"])
    assert told is not None and retold is not None and told.names is not None and retold.names is not None
    assert word_similarities(told.words, [retold.words])[0] == 0.0  # no word in common
    assert word_similarities(told.names, [retold.names])[0] >= NAMES_THRESHOLD  # but the names
    store = SqliteClusterStore(tmp_path / "clusters.db")
    first, second = store.assign(
        [
            StoryItem("e1", "Wire", T0, told),
            StoryItem("u1", "Suspilne", T0 + timedelta(minutes=30), retold),
        ]
    )
    assert (first.cluster_id, second.cluster_id, second.measure) == ("e1", "e1", NAMES)
    # Another story of the same region shares one distinctive name, and common ones: not enough.
    near = fingerprint("Дрони атакували Харків уночі.", "uk", ["Kharkiv", "Ihor Terekhov", "Russia"])
    [other] = store.assign([StoryItem("u2", "Suspilne", T0 + timedelta(minutes=40), near)])
    assert other.cluster_id == "u2"
    store.close()


RACE = (
    "Oscar Piastri won the Australian Grand Prix in Melbourne on Sunday, 14 March, leading all 58 laps "
    "from pole after George Russell stalled on the grid, and McLaren took its first victory of the season "
    "in front of 132,000 spectators at Albert Park."
)
RACE_NAMES = [
    "Oscar Piastri",
    "Australian Grand Prix",
    "Melbourne",
    "George Russell",
    "McLaren",
    "Albert Park",
]
# The race retold in German, and the qualifying the day before: the same names, other figures.
RACE_DE = (
    "Der Australier gewann am 14. März das erste Rennen der Saison vor heimischem Publikum und führte alle "
    "58 Runden an. Sein Rivale aus England blieb mit dem Mercedes beim Start stehen."
)
QUALIFYING_DE = (
    "Der Brite sicherte sich am Samstag die beste Startposition für das erste Rennen der Saison. Der "
    "Mercedes-Fahrer war in 1:15,096 Minuten schneller als der Australier, der in der letzten Runde einen "
    "Fehler machte."
)
GERMAN_NAMES = ["George Russell", "Australian Grand Prix", "Mercedes", "Oscar Piastri"]


def test_figures_are_numbers_of_two_or_more_digits_other_than_years() -> None:
    assert [w for w in ["14", "58", "096", "7", "000", "2026", "1999", "2150", "12a"] if is_figure(w)] == [
        "14",
        "58",
        "096",
        "2150",
    ]


def test_a_retelling_by_names_alone_must_share_a_figure_below_names_alone(tmp_path: Path) -> None:
    race = fingerprint(RACE, "en", RACE_NAMES)
    assert race is not None and race.names is not None
    for n, (text, joins) in enumerate([(QUALIFYING_DE, False), (RACE_DE, True)]):
        other = fingerprint(text, "de", GERMAN_NAMES)
        assert other is not None and other.names is not None
        assert word_similarities(race.words, [other.words])[0] < WORDS_THRESHOLD  # no words in common
        assert NAMES_THRESHOLD <= word_similarities(race.names, [other.names])[0] < NAMES_ALONE
        store = SqliteClusterStore(tmp_path / f"{n}.db")
        _, second = store.assign(
            [StoryItem("e1", "Wire", T0, race), StoryItem("d1", "Kicker", T0 + timedelta(hours=1), other)]
        )
        # The race retold repeats its day and laps (14, 58); the qualifying's time (15, 096) is not
        # in the race report, so it is another story.
        assert (second.cluster_id, second.measure) == (("e1", NAMES) if joins else ("d1", None))
        store.close()


def test_names_that_many_articles_of_the_window_carry_say_nothing_of_the_story(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    leaders = ["Donald Trump", "Vladimir Putin", "Kirill Dmitriev"]

    def unrelated(n: int) -> str:  # words no other article has
        return " ".join("".join(rng.choice(list("bcdfghklmnprstvz"), 9)) for _ in range(12)) + f" {n}"

    store = SqliteClusterStore(tmp_path / "clusters.db")
    _, second = store.assign(
        [
            StoryItem("t0", "Wire", T0, fingerprint(unrelated(0), "en", leaders)),
            StoryItem("t1", "Daily", T0 + timedelta(minutes=1), fingerprint(unrelated(1), "en", leaders)),
        ]
    )
    assert (second.cluster_id, second.measure) == ("t0", NAMES)  # three rare names in common
    store.assign(
        [
            StoryItem(f"t{n}", "Wire", T0 + timedelta(minutes=n), fingerprint(unrelated(n), "en", leaders))
            for n in range(2, BAND_CAP + 3)
        ]
    )
    later = fingerprint(unrelated(99), "en", leaders)
    [other] = store.assign([StoryItem("t99", "Daily", T0 + timedelta(minutes=99), later)])
    assert other.cluster_id == "t99"  # once the window is full of them, the names are common
    store.close()


def test_a_store_of_the_first_schema_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "clusters.db"
    old = connect(path)
    old.executescript(
        "CREATE TABLE members (article_id TEXT PRIMARY KEY, cluster_id TEXT NOT NULL, source TEXT NOT NULL,"
        " published TEXT NOT NULL, signature BLOB);"
        "CREATE TABLE bands (band TEXT NOT NULL, article_id TEXT NOT NULL, published TEXT NOT NULL,"
        " PRIMARY KEY (band, article_id)) WITHOUT ROWID;"
        "CREATE TABLE clusters (cluster_id TEXT PRIMARY KEY, size INTEGER NOT NULL);"
        "PRAGMA user_version=1;"
    )
    published = T0.isoformat()
    old_signature = bytes(126 * 4)  # a signature of the first kind: word pairs only
    old.execute("INSERT INTO members VALUES ('o1', 'o1', 'Wire', ?, ?)", (published, old_signature))
    old.execute("INSERT INTO bands VALUES ('00abc', 'o1', ?)", (published,))
    old.execute("INSERT INTO clusters VALUES ('o1', 1)")
    old.close()
    store = SqliteClusterStore(path)
    assert store.assign([item("o1", STORY)])[0].cluster_id == "o1"  # a replay keeps its cluster
    first, copy = store.assign([item("n1", STORY, 5), item("n2", STORY, 10)])
    assert (first.cluster_id, copy.cluster_id) == ("n1", "n1")  # old bands gone: no comparison with o1
    store.close()


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
    assert copy.measure == PAIRS
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


def test_members_past_the_retention_are_dropped_with_their_empty_clusters(tmp_path: Path) -> None:
    day = 24 * 60
    store = SqliteClusterStore(
        tmp_path / "clusters.db", window=timedelta(hours=12), retention=timedelta(days=2)
    )
    store.assign([item("old", STORY), item("old-copy", STORY, 5)])
    store.assign([item("running", OTHER, 4 * day - 360)])  # 6 hours before "new": within the window
    store.assign([item("new", OTHER, 4 * day)])  # "old" is 4 days old now: past the 2-day retention
    with store.conn:
        members = {r[0] for r in store.conn.execute("SELECT article_id FROM members")}
        clusters = {r[0]: r[1] for r in store.conn.execute("SELECT cluster_id, size FROM clusters")}
    assert members == {"running", "new"}
    assert clusters == {"running": 2}  # "old"'s story is gone, the running story keeps its size
    assert store.assign([item("new", OTHER, 4 * day)])[0].cluster_id == "running"  # a replay: the same
    store.close()


def test_a_band_shared_by_many_articles_is_read_for_its_most_recent_ones(tmp_path: Path) -> None:
    # A story carried by more outlets than BAND_CAP: every band of it has more articles than that.
    store = SqliteClusterStore(tmp_path / "clusters.db")
    count = BAND_CAP + 30
    store.assign([item(f"c{n:03d}", STORY, n) for n in range(count)])
    late = store.assign([item("late", STORY, count)])[0]
    assert store.last_match.candidates == BAND_CAP  # not all `count` copies
    # Still the story's cluster, found through its most recent copies (the earliest of which is the
    # most similar article published first among them).
    assert (late.cluster_id, late.similar_to) == ("c000", f"c{count - BAND_CAP:03d}")
    assert late.size == count + 1
    store.close()


def test_bands_stored_by_earlier_schemas_are_kept(tmp_path: Path) -> None:
    # Stored before the bands were ordered by time, and before they were keyed by numbers.
    path = tmp_path / "clusters.db"
    old = connect(path)
    migrate(old, _SCHEMA[:3])
    found = fingerprint(STORY)
    assert found is not None
    published = T0.isoformat()
    old.execute("INSERT INTO members VALUES ('o1', 'o1', 'Wire', ?, ?)", (published, found.minhash.tobytes()))
    old.executemany(
        "INSERT INTO bands (band, article_id, published) VALUES (?, 'o1', ?)",
        [(key, published) for key in band_keys(found.minhash)],
    )
    old.execute("INSERT INTO words VALUES ('o1', ?, ?)", (published, found.words.to_bytes()))
    old.execute("INSERT INTO clusters VALUES ('o1', 1)")
    old.close()
    store = SqliteClusterStore(path)
    copy = store.assign([item("n1", STORY, 5)])[0]
    assert (copy.cluster_id, copy.similar_to, copy.size) == ("o1", "o1", 2)
    seconds = {r[0] for r in store.conn.execute("SELECT DISTINCT published FROM band_index")}
    assert seconds == {int(T0.timestamp()), int(T0.timestamp()) + 5 * 60}  # o1's bands, then n1's
    assert "signature" not in {r[1] for r in store.conn.execute("PRAGMA table_info(members)")}
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
